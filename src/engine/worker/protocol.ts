// Messages between the engine (main thread) and a run worker.
import type { LogLevel, WorkflowDescriptor } from "../workflow-definition.js";
import type { SerializedError } from "../workspace-error.js";

export interface LogEntry {
  time: string;
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

export type ToWorker =
  | { type: "describe"; id: string; file: string; relativePath: string; generation: number }
  | { type: "run"; id: string; file: string; workflow: string; params: Record<string, unknown>; tempDir: string; generation: number }
  | { type: "abort"; id: string; reason: string }
  /** The answer to a run's `secret` request: the value, or why there is none. */
  | { type: "secret-value"; id: string; request: number; value?: string; error?: string };

export type FromWorker =
  | { type: "ready" }
  | { type: "boot-failed"; message: string }
  | { type: "described"; id: string; descriptor?: WorkflowDescriptor; error?: SerializedError }
  | { type: "log"; id: string; entry: LogEntry }
  | { type: "progress"; id: string; done: number; total: number; message?: string }
  /** `ctx.secrets.get(name)` during run `id`. */
  | { type: "secret"; id: string; request: number; name: string }
  | { type: "finished"; id: string; output?: unknown; error?: SerializedError };

/** Reported by the module hooks for every workspace file a worker loads. */
export interface LoadedFile {
  path: string;
  fingerprint: string;
  /** The module generation it was loaded for (as text, from the URL). */
  generation: string;
}
