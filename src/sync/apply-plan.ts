// Step 4: make the staged files visible, then delete what the target does not have. Order is what makes a
// crash harmless (the next plan repairs any prefix of it):
//   1. entries in the way of a write (a file where a folder must go, or the reverse) are removed;
//   2. each staged file is renamed into place: one atomic step per file, never a half-written file; a folder
//      the workspace does not have yet arrives whole, by one rename of its staged copy (complete files only);
//   3. executable bits that alone differ are set;
//   4. deletes, after every write (a failed run never loses a file it did not replace);
//   5. folders left empty, deepest first; the staging folder.
// The caller writes the manifest after this returns, last, with the stats taken when each file was staged
// (a rename keeps size and mtime; where it does not, as on the SMB share, each written file is stat'ed again
// once at the end).
//
// Case-only renames (`README.md` → `readme.md`, `Dir/` → `dir/`) never decide "same file?" by inode: on the
// SMB share each spelling stats with its own inode number, and deleting the old spelling after writing the
// new one deleted the new file. The old spelling is first renamed to a temporary name in its folder (a
// folder, on a case-insensitive share, is renamed to its new spelling through a temporary name), and the
// temporary file is deleted with the other deletes. A crash in between leaves a stray file the next plan
// deletes.
import { randomUUID } from "node:crypto";
import { lstat, mkdir, rename, rm, rmdir, stat, unlink, chmod } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { AppError } from "../errors.js";
import { settleAll } from "./fetch-changes.js";
import { resolveWorkspacePath } from "../workspace/safe-path.js";
import { caseFoldKey } from "../workspace/share-names.js";
import type { ManifestEntry } from "./manifest.js";
import { parentOf, type SyncPlan } from "./plan-sync.js";
import type { WorkspaceTraits } from "./probe-workspace.js";
import type { StagedFile, Staging } from "./staging.js";
import { throwIfCancelled } from "./sync-error.js";
import { RESERVED_PREFIX } from "./target-tree.js";

export interface ApplyOptions {
  workspaceDir: string;
  concurrency: number;
  abortSignal?: AbortSignal;
  /** After each file renamed, chmodded or deleted. */
  onFile?: () => void;
  /** What the file system holds (probe-workspace.ts); default: a local POSIX disk. */
  traits?: WorkspaceTraits;
  /** The lease's fence, checked before the writes and again before the deletes (see sync-once.ts). */
  fence?: { check(options?: { abortSignal?: AbortSignal }): Promise<void> };
}

/** Entries an apply could not write, chmod or delete: each named, so the run record says which. */
export class ApplyEntriesError extends AppError {
  readonly failures: { path: string; action: string; code: string }[];
  constructor(failures: { path: string; action: string; code: string }[]) {
    const shown = failures
      .slice(0, 5)
      .map((f) => `${f.action} "${f.path}" (${f.code})`)
      .join(", ");
    const more = failures.length > 5 ? ` and ${failures.length - 5} more` : "";
    super(500, "apply_failed", `Could not ${shown}${more}. Everything else of this step was applied; the next sync retries the rest.`, {
      details: { paths: failures.slice(0, 50).map((f) => f.path) },
    });
    this.failures = failures;
  }
}

const LOCAL_DISK: WorkspaceTraits = { holdsModes: true, caseInsensitive: false, stableMtime: true };

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

  const traits = options.traits ?? LOCAL_DISK;
  const caseMoves = await moveCaseTwinsAside(plan, traits, { target, abortSignal });
  const dropped = new Set(caseMoves.dirs);

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
      written.set(write.path, recorded(write, staged));
      options.onFile?.();
    } else renames.push({ write, staged });
  }
  await settleEntries(
    renames.map(({ write, staged }) => ({
      path: write.path,
      action: "write",
      run: () =>
        limit(async () => {
          throwIfCancelled(abortSignal);
          await rename(staged.file, await target(write.path, true));
          written.set(write.path, recorded(write, staged));
          options.onFile?.();
        }),
    })),
  );

  // A file system that keeps no modes (SMB) gets no chmods: the plan has none, and the bits would not stick.
  await settleEntries(
    (traits.holdsModes ? plan.chmods : []).map((file) => ({
      path: file.path,
      action: "chmod",
      run: () =>
        limit(async () => {
          throwIfCancelled(abortSignal);
          const destination = await target(file.path, false);
          await chmod(destination, file.executable ? 0o755 : 0o644);
          written.set(file.path, entry(file.sha, file.executable, await lstat(destination)));
          options.onFile?.();
        }),
    })),
  );

  await options.fence?.check({ abortSignal });
  const deletes = caseMoves.files.size === 0 ? plan.deletes : plan.deletes.filter((p) => !caseMoves.files.has(p));
  await settleEntries([
    ...deletes.map((relative) => ({
      path: relative,
      action: "delete",
      run: () =>
        limit(async () => {
          throwIfCancelled(abortSignal);
          await unlink(await target(caseMoves.respell(relative), false)).catch(ignoreMissing);
          options.onFile?.();
        }),
    })),
    ...[...caseMoves.files].map(([relative, aside]) => ({
      path: relative,
      action: "delete",
      run: () =>
        limit(async () => {
          await unlink(aside).catch(ignoreMissing);
          options.onFile?.();
        }),
    })),
  ]);

  for (const dir of plan.deleteDirs) {
    if (dropped.has(dir)) continue;
    throwIfCancelled(abortSignal);
    await rmdir(await target(caseMoves.respell(dir), false)).catch((error: NodeJS.ErrnoException) => {
      // Not empty: the same folder under another case on a case-insensitive share, still in use.
      if (error.code !== "ENOENT" && error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  }

  await staging?.remove();
  for (const name of plan.leftovers) {
    if (name.startsWith(RESERVED_PREFIX)) await rm(path.join(workspaceDir, name), { recursive: true, force: true });
  }
  // Where a rename or close moves mtime (the SMB share), the stat taken at staging is not what a later scan
  // reads: stat each written file once more, so the next plan trusts it instead of hashing it again.
  if (!traits.stableMtime && written.size > 0) {
    await settleEntries(
      [...written].map(([relative, known]) => ({
        path: relative,
        action: "stat",
        run: () =>
          limit(async () => {
            const now = await stat(await target(relative, false));
            written.set(relative, entry(known.sha, known.executable, now));
          }),
      })),
    );
  }
  return written;
}

/**
 * Renames every disk entry that is a case-only rename of a target path out of the way, before the writes.
 * Files go to a temporary name in their folder (deleted with the other deletes); on a case-insensitive file
 * system, folders get their new spelling through a temporary name (on a case-sensitive one, `Dir` and `dir`
 * are two folders and the plan already handles them).
 */
async function moveCaseTwinsAside(
  plan: SyncPlan,
  traits: WorkspaceTraits,
  io: { target: (relative: string, create: boolean) => Promise<string>; abortSignal?: AbortSignal },
): Promise<{ files: Map<string, string>; dirs: string[]; respell: (relative: string) => string }> {
  const files = new Map<string, string>();
  const dirs: string[] = [];
  // Folders renamed here, in order, each as spelled after the ones before: a path under one is reached by its new
  // spelling. (A share that folds the two spellings would find it by either; one that does not, e.g. Samba for
  // `S` and `ſ`, which Azure Files' upper-case table folds, would not, and the old files would stay.)
  const renamed: [from: string, to: string][] = [];
  const respell = (relative: string): string => {
    let p = relative;
    for (const [from, to] of renamed) if (p === from || p.startsWith(`${from}/`)) p = to + p.slice(from.length);
    return p;
  };
  if (plan.deletes.length === 0 && plan.deleteDirs.length === 0) return { files, dirs, respell };
  const targetPaths = [...plan.unchanged.keys(), ...plan.writes.map((w) => w.path), ...plan.chmods.map((c) => c.path)];
  if (traits.caseInsensitive && plan.deleteDirs.length > 0) {
    const targetDirs = new Map<string, string>();
    for (const p of targetPaths) for (let d = parentOf(p); d !== ""; d = parentOf(d)) targetDirs.set(caseFoldKey(d), d);
    // Shallowest first: `Dir/Sub` → `dir/sub` renames `Dir` first, then `Sub` inside it (found by either spelling).
    for (const dir of [...plan.deleteDirs].sort((a, b) => a.split("/").length - b.split("/").length)) {
      const twin = targetDirs.get(caseFoldKey(dir));
      if (twin === undefined || twin === dir) continue;
      throwIfCancelled(io.abortSignal);
      const spelled = respell(dir);
      const from = await io.target(spelled, false);
      const aside = path.join(path.dirname(from), `${RESERVED_PREFIX}case-${randomUUID().slice(0, 8)}`);
      await rename(from, aside);
      await rename(aside, path.join(path.dirname(from), path.posix.basename(twin)));
      dirs.push(dir);
      const parent = parentOf(spelled);
      renamed.push([spelled, parent === "" ? path.posix.basename(twin) : `${parent}/${path.posix.basename(twin)}`]);
    }
  }
  const targetFiles = new Map(targetPaths.map((p) => [caseFoldKey(p), p]));
  for (const relative of plan.deletes) {
    const twin = targetFiles.get(caseFoldKey(relative));
    if (twin === undefined || twin === relative) continue;
    throwIfCancelled(io.abortSignal);
    const from = await io.target(respell(relative), false);
    const aside = path.join(path.dirname(from), `${RESERVED_PREFIX}case-${randomUUID().slice(0, 8)}`);
    try {
      await rename(from, aside);
      files.set(relative, aside);
    } catch (error) {
      ignoreMissing(error as NodeJS.ErrnoException);
    }
  }
  return { files, dirs, respell };
}

/** Runs every task (bounded by the caller's limit), then throws one error naming each entry that failed. */
async function settleEntries(tasks: { path: string; action: string; run: () => Promise<unknown> }[]): Promise<void> {
  const results = await Promise.allSettled(tasks.map((t) => t.run()));
  const failures: { path: string; action: string; code: string }[] = [];
  let other: unknown;
  results.forEach((result, i) => {
    if (result.status === "fulfilled") return;
    const reason = result.reason as NodeJS.ErrnoException;
    // A cancel or a path refused by the safety check is not an entry's own failure: rethrown as it is.
    if (typeof reason?.code === "string" && /^E[A-Z]+$/.test(reason.code)) failures.push({ path: tasks[i]!.path, action: tasks[i]!.action, code: reason.code });
    else other ??= reason;
  });
  if (other !== undefined) throw other;
  if (failures.length > 0) throw new ApplyEntriesError(failures);
}

/** A folder that cannot arrive whole: it exists now, something of its name is in the way, or it is not staged. */
const FOLDER_MOVE_FALLBACK = new Set(["EEXIST", "ENOTEMPTY", "ENOTDIR", "EISDIR", "ENOENT"]);

/**
 * What the manifest records for a write once in place: its staged copy itself (a StagedFile is a manifest
 * entry, see staging.ts; no second object per file), unless the copy's blob id or executable bit is not the
 * plan's (then the plan's, as always, with the copy's stat).
 */
function recorded(write: { sha: string; executable: boolean }, staged: StagedFile): ManifestEntry {
  return staged.sha === write.sha && staged.executable === write.executable ? staged : entry(write.sha, write.executable, staged);
}

function entry(sha: string, executable: boolean, stats: { size: number; mtimeMs: number; mode: number }): ManifestEntry {
  return { sha, size: stats.size, mtimeMs: stats.mtimeMs, executable, diskExecutable: (stats.mode & 0o100) !== 0 };
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}
