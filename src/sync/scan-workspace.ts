// What is on disk now: every file with its size, mtime and executable bit, every folder. One listing per
// folder and one lstat per file, done by the sync's file-system threads (fs-threads.ts) with synchronous
// calls: locally a synchronous lstat costs a fraction of an asynchronous one's round trip through libuv
// (bench/sync, one-file push and "Sync now" rows). A thread walks a whole folder tree in one request, and
// hands sub-folders back while other threads are idle, so on Azure Files (a network round trip per call)
// a wide tree is walked by all of them at once. Symlinks are never followed.
import path from "node:path";
import type { FsThreads, StopFlag } from "./fs-threads.js";
import { RESERVED_PREFIX } from "./target-tree.js";
import { throwIfCancelled } from "./sync-error.js";

export interface DiskEntry {
  /** `other` = symlink, FIFO, socket, device: never kept by a sync. */
  kind: "file" | "other";
  size: number;
  mtimeMs: number;
  executable: boolean;
}

export interface WorkspaceScan {
  files: Map<string, DiskEntry>;
  dirs: Set<string>;
  /** Staging folders left by a run that crashed (`.funcspace-sync-*` at the root). */
  leftovers: string[];
}

/** Never listed, never touched: a bind-mounted developer checkout keeps its history. */
export const IGNORED_ROOT_NAMES: ReadonlySet<string> = new Set([".git", ".funcspace-sync-lock" /* the CLI's lock (folder-lock.ts) */]);

export async function scanWorkspace(
  workspaceDir: string,
  options: { fsThreads: FsThreads; stop: StopFlag; abortSignal?: AbortSignal; /** A root name to pass over (this run's own staging). */ skipRootName?: string },
): Promise<WorkspaceScan> {
  const scan: WorkspaceScan = { files: new Map(), dirs: new Set(), leftovers: [] };
  const pending: Promise<void>[] = [];
  let stopped = false;

  /** A name at the root: false for one passed over, or a crashed run's staging (noted as a leftover). */
  const keepRootName = (name: string): boolean => {
    if (IGNORED_ROOT_NAMES.has(name) || name === options.skipRootName) return false;
    if (!name.startsWith(RESERVED_PREFIX)) return true;
    scan.leftovers.push(name);
    return false;
  };

  /** The root is listed alone (its names are filtered here); each folder it has is walked whole. */
  const walk = (relative: string) =>
    pending.push(
      (async () => {
        if (stopped || options.abortSignal?.aborted) return;
        try {
          const found = await options.fsThreads.walkFolder(relative ? path.join(workspaceDir, relative) : workspaceDir, {
            descend: relative !== "",
            stop: options.stop,
          });
          if (stopped || options.abortSignal?.aborted) return;
          const prefix = relative ? `${relative}/` : "";
          const deferred = new Set(found.deferred);
          for (const folder of found.folders) {
            if (!relative && !keepRootName(folder)) continue;
            scan.dirs.add(prefix + folder);
            if (deferred.has(folder)) walk(prefix + folder);
          }
          for (const file of found.files) {
            if (!relative && !keepRootName(file.path)) continue;
            scan.files.set(prefix + file.path, { kind: file.kind, size: file.size, mtimeMs: file.mtimeMs, executable: (file.mode & 0o100) !== 0 });
          }
        } catch (error) {
          // A folder handed back for its own walk, removed since: nothing to list (the root must exist).
          if (relative && (error as NodeJS.ErrnoException).code === "ENOENT") {
            scan.dirs.delete(relative);
            return;
          }
          stopped = true;
          throw error;
        }
      })(),
    );

  walk("");
  // Settle everything before throwing: a failed listing must not leave others running unobserved.
  let failure: unknown;
  while (pending.length > 0) {
    for (const result of await Promise.allSettled(pending.splice(0))) {
      if (result.status === "rejected") failure ??= result.reason;
    }
  }
  if (failure !== undefined) throw failure;
  throwIfCancelled(options.abortSignal);
  return scan;
}
