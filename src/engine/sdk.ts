// The `funcspace` module a workspace file imports (`import { defineWorkflow } from "funcspace"`). The engine's
// module hooks resolve that specifier here, so workspaces need no package.json and no install. Keep it free of
// imports: it is loaded into every run's worker.
import type { ParameterDefinitions, WorkflowDefinition } from "./workflow-definition.js";

export type * from "./workflow-definition.js";

/** Marks a definition as a workflow, so discovery reports its mistakes instead of taking it for a helper. */
export const WORKFLOW_BRAND = Symbol.for("funcspace.workflow");

/** Identity at run time; at compile time it types `run`'s params from `parameters`. */
export function defineWorkflow<const P extends ParameterDefinitions = Record<never, never>, O = unknown>(
  definition: WorkflowDefinition<P, O>,
): WorkflowDefinition<P, O> {
  Object.defineProperty(definition, WORKFLOW_BRAND, { value: true, enumerable: false });
  return definition;
}
