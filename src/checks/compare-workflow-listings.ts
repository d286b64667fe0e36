// What a pull request does to the workspace's workflows, from discovery of the workspace as it is and of the
// workspace with the head's changes laid over it (the engine's overlay, as a draft run has it): the workflows that
// appear, disappear or whose file or definition changes, and the load errors the head brings — a file that no
// longer loads, an import that points nowhere, a name defined twice, parameters or a `timeoutMs` discovery refuses.
// An error the workspace already had is not the pull request's.
import type { WorkflowList, WorkflowSummary } from "../api-types.js";
import type { CodeProblem } from "./check-report.js";

export function compareWorkflowListings(base: WorkflowList, head: WorkflowList, changedPaths: ReadonlySet<string>): { changed: string[]; problems: CodeProblem[] } {
  const before = new Map(base.workflows.map((w) => [w.name, w]));
  const after = new Map(head.workflows.map((w) => [w.name, w]));
  const changed = new Set<string>();
  for (const [name, workflow] of after) {
    const old = before.get(name);
    if (!old || changedPaths.has(workflow.file) || definitionOf(old) !== definitionOf(workflow)) changed.add(name);
  }
  for (const name of before.keys()) if (!after.has(name)) changed.add(name);

  const known = new Set(base.errors.map((e) => `${e.file}\n${e.error.message}`));
  const problems: CodeProblem[] = [];
  for (const { file, error } of head.errors) {
    if (known.has(`${file}\n${error.message}`) && !changedPaths.has(file)) continue;
    problems.push({
      // The line at fault, possibly in a helper the workflow imports; the workflow's own file otherwise.
      path: error.file ?? file,
      line: error.line ?? 1,
      title: error.name === "DuplicateWorkflowError" ? "Workflow name used twice" : `Workflow ${file} does not load`,
      message: error.file && error.file !== file ? `${error.message} (while loading ${file})` : error.message,
    });
  }
  return { changed: [...changed].sort(), problems };
}

const definitionOf = (workflow: WorkflowSummary): string =>
  JSON.stringify({ file: workflow.file, description: workflow.description, parameters: workflow.parameters, timeoutMs: workflow.timeoutMs });
