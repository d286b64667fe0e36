// The workflow format: what a workspace file's default export looks like, typed so that `run` sees its
// parameters with the right types. `templates/workspace/funcspace.d.ts` repeats these declarations for
// workspace authors (they install nothing); `test/engine-sdk.test.ts` typechecks the samples against it.

import type { WorkflowParameter, WorkflowSummary } from "../api-types.js";

export type ParameterType = "string" | "number" | "integer" | "boolean" | "json";

/** The TypeScript type a parameter of type `T` arrives as. */
export type ParameterValue<T extends ParameterType> = T extends "string"
  ? string
  : T extends "number" | "integer"
    ? number
    : T extends "boolean"
      ? boolean
      : unknown;

export interface ParameterDefinition<T extends ParameterType = ParameterType> {
  type: T;
  /** A required parameter without a default must be given by the caller. */
  required?: boolean;
  default?: ParameterValue<T>;
  /** What a form shows; the parameter's name when absent. */
  label?: string;
  help?: string;
  /** Strings only: the allowed values (a form shows a select). */
  options?: readonly string[];
}

export type ParameterDefinitions = Record<string, ParameterDefinition>;

type Given<D> = D extends { required: true } ? true : D extends { default: unknown } ? true : false;

/** The `params` object `run` receives: required or defaulted parameters are always present. */
export type ParamsOf<P extends ParameterDefinitions> = {
  [K in keyof P as Given<P[K]> extends true ? K : never]: ParameterValue<P[K]["type"]>;
} & {
  [K in keyof P as Given<P[K]> extends true ? never : K]?: ParameterValue<P[K]["type"]>;
};

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Lines written here are kept with the run record (and `console.*` calls during a run too). */
export interface WorkflowLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface WorkflowContext {
  runId: string;
  /** The workflow's name. */
  workflow: string;
  log: WorkflowLogger;
  /** Fires when the run is stopped (timeout or shutdown): pass it to fetch() and other I/O. */
  abortSignal: AbortSignal;
  /** An empty folder for this run (WORKFLOW_TEMP_DIR), removed when the run ends. */
  tempDir: string;
  /** The workspace's secrets (Settings → Secrets), asked of the platform when needed; never in the run's record. */
  secrets: WorkflowSecrets;
  /** Reports where the run stands (`done` of `total`, with an optional note), shown live to whoever watches it. */
  progress(done: number, total: number, message?: string): void;
}

export interface WorkflowSecrets {
  /**
   * The value of the secret `name`. Rejects when there is none ("no such secret"): workflows only ever see the
   * secrets an admin set for them, never the platform's own. A value a run received is replaced by `[secret]` in
   * its logs, output and error before they are stored.
   */
  get(name: string): Promise<string>;
}

export interface WorkflowDefinition<P extends ParameterDefinitions = ParameterDefinitions, O = unknown> {
  /** Unique in the workspace; letters, digits, `.`, `_`, `-` (it is part of the run URL). */
  name: string;
  description?: string;
  parameters?: P;
  /** Overrides WORKFLOW_TIMEOUT_MS for this workflow. */
  timeoutMs?: number;
  /** Returns a JSON-serialisable value: the run's output. */
  run(params: ParamsOf<P>, context: WorkflowContext): Promise<O> | O;
}

/** What discovery reports for a parameter (the API's shape). */
/** What discovery reports for a parameter and a workflow: the API's shapes (src/api-types.ts). */
export type ParameterDescriptor = WorkflowParameter;
export type WorkflowDescriptor = WorkflowSummary;

export const PARAMETER_TYPES: readonly ParameterType[] = ["string", "number", "integer", "boolean", "json"];
export const WORKFLOW_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
