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

/**
 * Reported by the module hooks (worker/module-hooks.ts), in order, on their own channel. Per module generation:
 * each workspace file loaded, with its fingerprint taken just before it was read; each import from one workspace
 * module to another (the import graph discovery follows); each import that found no file, with the paths that
 * would have satisfied it. `barrier` ends a describe: every event of that describe came before it.
 */
export type ModuleEvent =
  | { kind: "loaded"; path: string; fingerprint: string; generation: string }
  | { kind: "import"; from: string; to: string; generation: string }
  | { kind: "missing"; from: string; candidates: string[]; generation: string }
  | { kind: "barrier"; id: string };

/** The specifier prefix of a describe's barrier import (worker-main.ts → module-hooks.ts). */
export const BARRIER_SPECIFIER = "funcspace-barrier:";
