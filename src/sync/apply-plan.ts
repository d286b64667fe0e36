// Step 4: make the staged files visible, then delete what the target does not have. Order is what makes a
// crash harmless (the next plan repairs any prefix of it):
//   1. entries in the way of a write (a file where a folder must go, or the reverse) are removed;
//   2. each staged file is renamed into place: one atomic step per file, never a half-written file; a folder
//      the workspace does not have yet arrives whole, by one rename of its staged copy (complete files only);
//   3. executable bits that alone differ are set;
//   4. deletes, after every write (a failed run never loses a file it did not replace);
//   5. folders left empty, deepest first; the staging folder.
// The caller writes the manifest after this returns, last, with the stats taken when each file was staged
// (a rename keeps size and mtime).
import { lstat, mkdir, rename, rm, rmdir, unlink, chmod } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { resolveWorkspacePath } from "../workspace/safe-path.js";
import { settleAll } from "./fetch-changes.js";
import type { ManifestEntry } from "./manifest.js";
import { parentOf, type SyncPlan } from "./plan-sync.js";
import type { StagedFile, Staging } from "./staging.js";
import { throwIfCancelled } from "./sync-error.js";
import { RESERVED_PREFIX } from "./target-tree.js";

export interface ApplyOptions {
  workspaceDir: string;
  concurrency: number;
  abortSignal?: AbortSignal;
  /** After each file renamed, chmodded or deleted. */
  onFile?: () => void;
  /** The lease's fence, checked before the writes and again before the deletes (see sync-once.ts). */
  fence?: { check(options?: { abortSignal?: AbortSignal }): Promise<void> };
}

/** Applies the plan; returns the manifest entries of the files it wrote or chmodded. */
export async function applyPlan(plan: SyncPlan, staging: Staging | undefined, options: ApplyOptions): Promise<Map<string, ManifestEntry>> {
  const { workspaceDir, abortSignal } = options;
  const limit = pLimit(options.concurrency);
  const folders = new Map<string, Promise<string>>();
  const written = new Map<string, ManifestEntry>();

  // Every folder the engine writes into or deletes from is checked once with the files API's own rule,
  // symlinks on disk included, before anything happens in it.
  const folder = (relative: string, create: boolean): Promise<string> => {
    const key = `${create ? "+" : "-"}${relative}`;
    let ready = folders.get(key);
    if (!ready) {
      ready = (async () => {
        const { absolute } = await resolveWorkspacePath(workspaceDir, relative, { allowRoot: true });
        if (create) await mkdir(absolute, { recursive: true });
        return absolute;
      })();
      folders.set(key, ready);
    }
    return ready;
  };
  const target = async (relative: string, create: boolean) => path.join(await folder(parentOf(relative), create), path.posix.basename(relative));

  await options.fence?.check({ abortSignal });
  for (const file of plan.obstacles.files) {
    throwIfCancelled(abortSignal);
    await unlink(await target(file, false)).catch(ignoreMissing);
  }
  for (const dir of plan.obstacles.dirs) {
    throwIfCancelled(abortSignal);
    await rm(await target(dir, false), { recursive: true, force: true });
  }

  const moved = new Set<string>();
  if (staging) {
    await settleAll(
      plan.newFolders.map((relative) =>
        limit(async () => {
          throwIfCancelled(abortSignal);
          try {
            await rename(path.join(staging.dir, ...relative.split("/")), await target(relative, false));
            moved.add(relative);
          } catch (error) {
            // Someone made the folder since the scan, or it was never staged (nothing in it was fetched):
            // its files go one by one below.
            if (!FOLDER_MOVE_FALLBACK.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
          }
        }),
      ),
    );
  }
  const movedWithFolder = (relative: string) => {
    for (let dir = parentOf(relative); dir !== ""; dir = parentOf(dir)) if (moved.has(dir)) return true;
    return false;
  };

  // Files that arrived with their folder need nothing more (their folder's parent was checked): recorded
  // in one pass, without a task each (a first sync is mostly these: 10,000 of them).
  const renames: { write: (typeof plan.writes)[number]; staged: StagedFile }[] = [];
  for (const write of plan.writes) {
    const staged = staging?.files.get(write.path);
    if (!staged) throw new Error(`internal: "${write.path}" was planned but not staged`);
    if (staging!.isInPlace(write.path, staged.file) && movedWithFolder(write.path)) {
      written.set(write.path, entry(write.sha, write.executable, staged.stats));
      options.onFile?.();
    } else renames.push({ write, staged });
  }
  await settleAll(
    renames.map(({ write, staged }) =>
      limit(async () => {
        throwIfCancelled(abortSignal);
        await rename(staged.file, await target(write.path, true));
        written.set(write.path, entry(write.sha, write.executable, staged.stats));
        options.onFile?.();
      }),
    ),
  );

  await settleAll(
    plan.chmods.map((file) =>
      limit(async () => {
        throwIfCancelled(abortSignal);
        const destination = await target(file.path, false);
        await chmod(destination, file.executable ? 0o755 : 0o644);
        written.set(file.path, entry(file.sha, file.executable, await lstat(destination)));
        options.onFile?.();
      }),
    ),
  );

  const targetPathsLower = caseFoldedTargets(plan);
  await options.fence?.check({ abortSignal });
  await settleAll(
    plan.deletes.map((relative) =>
      limit(async () => {
        throwIfCancelled(abortSignal);
        const absolute = await target(relative, false);
        if (await isSameFileAsTarget(relative, absolute, targetPathsLower, workspaceDir)) return;
        await unlink(absolute).catch(ignoreMissing);
        options.onFile?.();
      }),
    ),
  );

  for (const dir of plan.deleteDirs) {
    throwIfCancelled(abortSignal);
    await rmdir(await target(dir, false)).catch((error: NodeJS.ErrnoException) => {
      // Not empty: the same folder under another case on a case-insensitive share, still in use.
      if (error.code !== "ENOENT" && error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  }

  await staging?.remove();
  for (const name of plan.leftovers) {
    if (name.startsWith(RESERVED_PREFIX)) await rm(path.join(workspaceDir, name), { recursive: true, force: true });
  }
  return written;
}

/** A folder that cannot arrive whole: it exists now, something of its name is in the way, or it is not staged. */
const FOLDER_MOVE_FALLBACK = new Set(["EEXIST", "ENOTEMPTY", "ENOTDIR", "EISDIR", "ENOENT"]);

function entry(sha: string, executable: boolean, stats: { size: number; mtimeMs: number; mode: number }): ManifestEntry {
  return { sha, size: stats.size, mtimeMs: stats.mtimeMs, executable, diskExecutable: (stats.mode & 0o100) !== 0 };
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}

/** Lower-cased target paths, only built when some delete could collide with one by case. */
function caseFoldedTargets(plan: SyncPlan): Map<string, string> {
  const folded = new Map<string, string>();
  if (plan.deletes.length === 0) return folded;
  for (const p of [...plan.unchanged.keys(), ...plan.writes.map((w) => w.path), ...plan.chmods.map((c) => c.path)]) {
    folded.set(p.toLowerCase(), p);
  }
  return folded;
}

/**
 * A case-only rename (`Readme.md` → `README.md`) on a case-insensitive share (Azure Files) names one file
 * twice: deleting the old spelling would delete the new file. Same inode → keep it.
 */
async function isSameFileAsTarget(relative: string, absolute: string, folded: Map<string, string>, workspaceDir: string): Promise<boolean> {
  const twin = folded.get(relative.toLowerCase());
  if (twin === undefined || twin === relative) return false;
  try {
    const [a, b] = await Promise.all([lstat(absolute), lstat(path.join(workspaceDir, ...twin.split("/")))]);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}
