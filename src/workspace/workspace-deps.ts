// What the workspace services need from the app: the folder, the limits, and a way to see whether GitHub
// manages the workspace. A plain object, so each host (and each test) passes in its own.
import type { ConnectionStore } from "../azure/connection-store.js";
import type { WriteLockDeps } from "./with-write-lock.js";

export interface WorkspaceDeps extends WriteLockDeps {
  workspaceDir: string;
  /** Largest file a write may store (MAX_FILE_BYTES). */
  maxFileBytes: number;
  /** Parallel file-system calls for tree listing and zips (IO_CONCURRENCY). */
  ioConcurrency: number;
  /** Asked on every mutating call (markers, then the record): the read-only guard keeps no cache. */
  connections: Pick<ConnectionStore, "getIfMarked">;
}

export interface WorkspaceCallOptions {
  abortSignal?: AbortSignal;
}
