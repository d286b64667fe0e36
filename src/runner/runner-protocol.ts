// Messages between the platform and the runner process, over the child process's IPC channel (structured
// clone). The runner only hosts run threads: it relays each thread's messages (worker/protocol.ts) both ways.
import type { OverlayFiles } from "../engine/draft-overlay.js";
import type { FromWorker, ModuleEvent, ToWorker } from "../engine/worker/protocol.js";

export interface RunnerStart {
  workspaceDir: string;
  memoryLimitMb: number;
  /** Open the Node inspector here (the runner is where workflow code runs): host and port. */
  inspector?: { host: string; port: number };
}

export type ToRunner =
  | { op: "start"; start: RunnerStart }
  /** `overlay`: a draft run's thread (its files cross as they are: the channel clones Maps and byte arrays). */
  | { op: "spawn"; thread: number; overlay?: OverlayFiles }
  | { op: "post"; thread: number; message: ToWorker }
  | { op: "terminate"; thread: number };

export type FromRunner =
  | { op: "started"; inspectorUrl?: string; inspectorError?: string }
  | { op: "message"; thread: number; message: FromWorker }
  | { op: "module"; thread: number; event: ModuleEvent }
  | { op: "exit"; thread: number; reason: string }
  | { op: "terminated"; thread: number };
