// What is on disk now: every file with its size, mtime and executable bit, every folder. One listing per
// folder and one lstat per file, with bounded parallelism: Azure Files answers each metadata call in about a
// millisecond, so a sequential walk of 10,000 files would take seconds. Symlinks are never followed.
// The lstats of a folder go in batches (one task per STAT_BATCH files, each batch one after the other): a
// task per file costs more in promise bookkeeping than the local lstat itself (bench/sync, no-op rows).
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
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

/** Files stat'ed one after the other by one task. */
const STAT_BATCH = 16;

/** Never listed, never touched: a bind-mounted developer checkout keeps its history. */
export const IGNORED_ROOT_NAMES: ReadonlySet<string> = new Set([".git"]);

export async function scanWorkspace(
  workspaceDir: string,
  options: { concurrency: number; abortSignal?: AbortSignal; /** A root name to pass over (this run's own staging). */ skipRootName?: string },
): Promise<WorkspaceScan> {
  const limit = pLimit(options.concurrency);
  const scan: WorkspaceScan = { files: new Map(), dirs: new Set(), leftovers: [] };
  const pending: Promise<void>[] = [];
  let stopped = false;

  const schedule = (task: () => Promise<void>) =>
    pending.push(
      limit(async () => {
        if (stopped || options.abortSignal?.aborted) return;
        try {
          await task();
        } catch (error) {
          stopped = true;
          throw error;
        }
      }),
    );

  const statFiles = (batch: string[]) =>
    schedule(async () => {
      for (const relative of batch) {
        // A stopped scan (cancelled, or no longer needed) ends after the call in flight, not the whole batch.
        if (stopped || options.abortSignal?.aborted) return;
        const stats = await lstat(path.join(workspaceDir, relative));
        if (stats.isDirectory()) {
          // Replaced by a folder since the listing.
          scan.dirs.add(relative);
          listFolder(relative);
          continue;
        }
        scan.files.set(relative, {
          kind: stats.isFile() ? "file" : "other",
          size: stats.size,
          mtimeMs: stats.mtimeMs,
          executable: (stats.mode & 0o100) !== 0,
        });
      }
    });

  const listFolder = (relative: string) =>
    schedule(async () => {
      const entries = await readdir(relative ? path.join(workspaceDir, relative) : workspaceDir, { withFileTypes: true });
      let batch: string[] = [];
      for (const entry of entries) {
        const child = relative ? `${relative}/${entry.name}` : entry.name;
        if (!relative && (IGNORED_ROOT_NAMES.has(entry.name) || entry.name === options.skipRootName)) continue;
        if (!relative && entry.name.startsWith(RESERVED_PREFIX)) {
          scan.leftovers.push(entry.name);
          continue;
        }
        if (entry.isDirectory()) {
          scan.dirs.add(child);
          listFolder(child);
        } else {
          batch.push(child);
          if (batch.length === STAT_BATCH) {
            statFiles(batch);
            batch = [];
          }
        }
      }
      if (batch.length > 0) statFiles(batch);
    });

  listFolder("");
  // Settle everything before throwing: a failed stat must not leave others running unobserved.
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
