// Resume (issue 23): a run killed after its download (or during it, or during its renames) leaves its staging
// folder behind, full of files it fetched and checked; so does a run that failed for a reason another attempt
// may not meet (the network, a GitHub 5xx: `keepFailedStaging` below). The next run adopts what is
// still worth keeping instead of downloading it again, and fetches only the rest.
//
// What proves a staged file whole and right: its content, hashed again here as a git blob, equals a blob id
// the new plan needs. Nothing else is trusted: the dead run may have been killed mid-write (a short file), a
// file may have been changed since (a tool, a disk), and on an SMB share neither inode numbers nor mtimes
// are identities. A journal of verified files would spare these reads on a local disk, but it costs every
// sync a write per batch, vouches for a file only by size and mtime (which move on the share after close,
// where a re-hash would be needed anyway) and can itself be torn by the kill; content cannot lie. The cost:
// one listing per folder (names only) and, per file, an open, an fstat and its bytes read once, on the
// file-system threads (bench/sync, sync-resume section: resuming 10,000 staged files, 80 MB, took about a
// third of a cold sync that downloaded nothing over a network, the tarball coming from a local file).
// Content-addressed: a staged file is adopted for any planned write of its blob id, so a staging of another
// commit (the branch moved on while the dead run was downloading) still spares every unchanged file.
//
// Whose staging: a folder is adopted only when its owner (staging.ts, `.funcspace-sync-owner`) is over:
//   - a run that released it: it failed, and released it once none of its writes was left running;
//   - a process of this host that no longer runs (a live one, even of an older lease generation, may be a
//     holder frozen past its lease that still writes: never adopted);
//   - on another host: an older lease generation than the one this run holds (generations only grow, and a
//     holder stops itself before its lease can expire: lease.ts), or another token of the folder lock this
//     run holds now (the CLI: the lock was broken as dead);
//   - nothing else (a folder without an owner record was killed before it held any file).
// Claimed by one `rename` to this run's staging name: atomic on a local disk and on the share, so two runs
// cannot both adopt it, and a frozen holder that wakes up writes under the old name (a leftover the next
// plan removes), never into this run's folder. A share that refuses the rename (a handle still open in it)
// leaves it a leftover: the run downloads as before.
//
// Then the folder holds only what the plan wants: files not adopted are deleted, folders left without an
// adopted file removed, so a folder moved into the workspace whole by apply-plan.ts carries nothing else.
// A file adopted for another path than where it sits moves to a numbered name (one rename).
import { chmod, mkdir, readdir, rename, rm, unlink } from "node:fs/promises";
import path from "node:path";
import { FolderLockedError, LeaseLostError } from "../errors.js";
import type { Logger } from "../logger.js";
import { isProcessAlive } from "./folder-lock.js";
import type { FsThreads, HashedFile, StopFlag } from "./fs-threads.js";
import { parentOf, type PlannedWrite } from "./plan-sync.js";
import { FALLBACK_FOLDER, fileMode, openStaging, OWNER_FILE, readOwner, releaseStaging, setStagedMode, stagedFile, writeOwner, type StagedFile, type Staging, type StagingOwner } from "./staging.js";
import { isPermanentSyncFailure, SyncCancelledError, SyncError, throwIfCancelled } from "./sync-error.js";
import { RESERVED_PREFIX } from "./target-tree.js";

/** A run's staging folder: the reserved prefix and 8 hex digits (staging.ts `newStagingName`). */
const STAGING_NAME = new RegExp(`^${RESERVED_PREFIX.replace(/[.-]/g, "\\$&")}[0-9a-f]{8}$`);
/** Files hashed per request to a file-system thread. */
const HASH_BATCH = 128;

export interface ResumeStagingOptions {
  /** This run's staging name: the adopted folder is renamed to it (nothing of that name may exist). */
  name: string;
  /** Root names of the workspace under the reserved prefix (the scan's leftovers). */
  leftovers: readonly string[];
  /** This run. */
  owner: StagingOwner;
  /** What the plan writes. */
  writes: readonly PlannedWrite[];
  fsThreads: FsThreads;
  stop: StopFlag;
  /** The file system keeps executable bits (probe-workspace.ts): a staged copy's bit is set to the target's. */
  holdsModes: boolean;
  /** Called once before the first claim (the caller frees `name`: its own staging, still empty). */
  beforeClaim?: () => Promise<void>;
  logger?: Logger;
  abortSignal?: AbortSignal;
}

export interface ResumedStaging {
  staging: Staging;
  /** The leftover adopted. */
  from: string;
  files: number;
  bytes: number;
}

/**
 * Adopts the staging folder of an interrupted run, when one is there, its owner is over and the plan writes
 * anything: resolves with this run's staging holding the adopted files, or undefined (nothing adopted).
 */
export async function resumeStaging(workspaceDir: string, options: ResumeStagingOptions): Promise<ResumedStaging | undefined> {
  if (options.writes.length === 0) return undefined;
  const candidates: { name: string; since: string }[] = [];
  for (const name of options.leftovers) {
    if (!STAGING_NAME.test(name)) continue;
    const owner = await readOwner(path.join(workspaceDir, name));
    if (owner && isOwnerGone(owner, options.owner)) candidates.push({ name, since: owner.since ?? "" });
  }
  // The newest first: the likeliest to hold this commit.
  candidates.sort((a, b) => (a.since < b.since ? 1 : -1));
  const dir = path.join(workspaceDir, options.name);
  if (candidates.length > 0) await options.beforeClaim?.();
  for (const { name } of candidates) {
    throwIfCancelled(options.abortSignal);
    try {
      await rename(path.join(workspaceDir, name), dir);
    } catch (error) {
      // Claimed by another run, or the share refuses (an open handle in it): a leftover as before.
      options.logger?.info({ staging: name, code: (error as NodeJS.ErrnoException).code }, "sync could not claim an interrupted run's staging");
      continue;
    }
    try {
      await writeOwner(dir, options.owner);
      const resumed = await adopt(dir, options);
      options.logger?.info({ staging: name, resumedFiles: resumed.files.size, resumedBytes: resumed.bytes }, "sync resumed from an interrupted run's staging");
      return { staging: openStaging(dir, { files: resumed.files, nextFallback: resumed.nextFallback }), from: name, files: resumed.files.size, bytes: resumed.bytes };
    } catch (error) {
      // Whatever went wrong, nothing of it is trusted: the folder goes and the run downloads as before.
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (error instanceof SyncCancelledError || options.abortSignal?.aborted) throw error;
      options.logger?.warn({ staging: name, err: error }, "sync could not resume from an interrupted run's staging");
      return undefined;
    }
  }
  return undefined;
}

/**
 * What a failed run does with its staging. Released to the next run (which adopts it: the queue's retry of the
 * job, the next push, "Sync now", the CLI's rerun) when all of these hold, else removed:
 *   - it holds whole, checked files, and they were fetched for a plan made from the tree listing (`resumable`):
 *     a truncated tree is planned from the tarball itself, which no later run resumes from, so a copy kept at
 *     each failed attempt would only pile up on the share;
 *   - the failure is one another attempt may not meet (isPermanentSyncFailure false: the network, a GitHub 5xx
 *     or rate limit past the retries, a tarball cut on every try, a storage error). A repository that breaks a
 *     rule is refused again by every run of its commit;
 *   - the run was not stopped: not cancelled (a disconnect: no run of the repository follows; a shutdown), and
 *     its tenure not lost (LeaseLostError, FolderLockedError: another holder is live and may be planning now;
 *     and a run that was stopped may still have a write on its way, see fetch-changes.ts `writeTarball`).
 * Called once the run's file-system threads were told to stop and its fetch and apply have settled.
 */
export async function keepFailedStaging(
  staging: Staging,
  owner: StagingOwner,
  failure: unknown,
  options: { resumable: boolean; abortSignal?: AbortSignal; logger?: Logger },
): Promise<"released" | "removed"> {
  const { abortSignal, logger } = options;
  const cause = failure instanceof SyncError ? failure.cause : failure;
  const stopped =
    abortSignal?.aborted === true || cause instanceof SyncCancelledError || cause instanceof LeaseLostError || cause instanceof FolderLockedError;
  if (options.resumable && staging.files.size > 0 && !stopped && !isPermanentSyncFailure(failure)) {
    try {
      await releaseStaging(staging.dir, owner);
      logger?.info({ staging: path.basename(staging.dir), stagedFiles: staging.files.size }, "sync failed: its staging is kept for the next run to resume from");
      return "released";
    } catch (error) {
      // Cannot mark it: a folder nobody may adopt is worth nothing.
      logger?.warn({ staging: path.basename(staging.dir), code: (error as NodeJS.ErrnoException).code }, "sync could not keep its staging for the next run");
    }
  }
  await staging.remove();
  return "removed";
}

/**
 * Removes the stagings failed runs released (keepFailedStaging) from the workspace root: once no run of the
 * repository will follow (a disconnect), nothing would ever adopt them, and they hold files of a commit that
 * was never applied. A folder is judged by its owner record alone: a live run's staging is never released.
 * Resolves with the names removed; a folder that cannot be removed is logged and left (the next run's plan
 * removes it as a leftover).
 */
export async function removeReleasedStagings(workspaceDir: string, options: { logger?: Logger } = {}): Promise<string[]> {
  const names = await readdir(workspaceDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const removed: string[] = [];
  for (const name of names) {
    if (!STAGING_NAME.test(name)) continue;
    const dir = path.join(workspaceDir, name);
    if ((await readOwner(dir))?.released !== true) continue;
    try {
      await rm(dir, { recursive: true, force: true });
      removed.push(name);
    } catch (error) {
      options.logger?.warn({ staging: name, code: (error as NodeJS.ErrnoException).code }, "a released sync staging could not be removed");
    }
  }
  if (removed.length > 0) options.logger?.info({ stagings: removed }, "removed the stagings failed syncs had kept to resume from");
  return removed;
}

/** Whether a staging folder's owner can no longer write in it (see the top of this file). */
export function isOwnerGone(owner: StagingOwner, self: StagingOwner): boolean {
  if (owner.released === true) return true;
  if (owner.host === self.host && owner.pid !== self.pid) return !isProcessAlive(owner.pid);
  if (self.generation !== undefined && owner.generation !== undefined) return owner.generation < self.generation;
  if (self.lock !== undefined && owner.lock !== undefined) return owner.lock !== self.lock;
  return false;
}

async function adopt(dir: string, options: ResumeStagingOptions): Promise<{ files: Map<string, StagedFile>; bytes: number; nextFallback: number }> {
  const { writes, fsThreads, stop, abortSignal } = options;
  // One listing per folder, names and kinds only: no stat per file (the hash's fstat gives size and mtime).
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  throwIfCancelled(abortSignal);
  const dirs: string[] = [];
  const found: { relative: string; numbered: boolean; file: boolean }[] = [];
  let nextFallback = 0;
  for (const entry of entries) {
    const parent = entry.parentPath.length > dir.length ? `${entry.parentPath.slice(dir.length + 1).split(path.sep).join("/")}/` : "";
    const relative = parent + entry.name;
    if (relative === OWNER_FILE || relative === FALLBACK_FOLDER) continue;
    const numbered = parent === `${FALLBACK_FOLDER}/`;
    if (entry.isDirectory()) dirs.push(relative);
    else found.push({ relative, numbered, file: entry.isFile() });
    if (numbered) nextFallback = Math.max(nextFallback, (Number(entry.name) || 0) + 1);
  }

  // Every file is hashed: at a planned path against that write's size (a file of another size is not read),
  // elsewhere by its own size (content-addressed, for a write of another path).
  const byPath = new Map(writes.map((w) => [w.path, w]));
  const stagedNow = found.filter((f) => f.file);
  const hashed = new Map<string, HashedFile>();
  const batches: (typeof stagedNow)[] = [];
  for (let i = 0; i < stagedNow.length; i += HASH_BATCH) batches.push(stagedNow.slice(i, i + HASH_BATCH));
  await Promise.all(
    batches.map(async (batch) => {
      const answer = await fsThreads.hashFiles(
        batch.map((f) => ({ file: path.join(dir, f.relative), size: f.numbered ? undefined : byPath.get(f.relative)?.size })),
        { stop },
      );
      batch.forEach((f, i) => hashed.set(f.relative, answer[i]!));
    }),
  );
  throwIfCancelled(abortSignal);

  // First every file at its own path, then by content for the writes still open.
  const files = new Map<string, StagedFile>();
  const claimed = new Set<string>();
  for (const f of stagedNow) {
    const write = byPath.get(f.relative);
    const hash = hashed.get(f.relative)!;
    if (!f.numbered && write && hash.sha === write.sha) {
      claimed.add(f.relative);
      files.set(write.path, adoptedFile(path.join(dir, f.relative), write, hash));
    }
  }
  const open = new Map<string, PlannedWrite[]>();
  for (const w of writes) if (!files.has(w.path)) open.set(w.sha, [...(open.get(w.sha) ?? []), w]);
  const moves: { from: string; numbered: boolean; write: PlannedWrite; hash: HashedFile }[] = [];
  if (open.size > 0) {
    for (const f of stagedNow) {
      if (claimed.has(f.relative)) continue;
      const hash = hashed.get(f.relative)!;
      const write = hash.sha === "" ? undefined : open.get(hash.sha)?.shift();
      if (!write) continue;
      claimed.add(f.relative);
      moves.push({ from: f.relative, numbered: f.numbered, write, hash });
    }
  }

  // In place: what stays where it is, and the folders on its way.
  const keepDirs = new Set<string>();
  for (const relative of files.keys()) {
    for (let d = parentOf(relative); d !== "" && !keepDirs.has(d); d = parentOf(d)) keepDirs.add(d);
  }
  if (moves.some((m) => !m.numbered)) await mkdir(path.join(dir, FALLBACK_FOLDER), { recursive: true });
  for (const { from, numbered, write, hash } of moves) {
    throwIfCancelled(abortSignal);
    let relative = from;
    if (!numbered) {
      relative = `${FALLBACK_FOLDER}/${nextFallback++}`;
      await rename(path.join(dir, from), path.join(dir, relative));
    }
    files.set(write.path, adoptedFile(path.join(dir, relative), write, hash));
  }
  // Everything else goes: entries beside adopted files one by one, whole folders holding none at once.
  for (const f of found) {
    if (claimed.has(f.relative)) continue;
    const parent = parentOf(f.relative);
    if (f.numbered || parent === "" || keepDirs.has(parent)) await unlink(path.join(dir, f.relative)).catch(ignoreMissing);
  }
  for (const d of dirs) {
    if (keepDirs.has(d) || (parentOf(d) !== "" && !keepDirs.has(parentOf(d)))) continue;
    await rm(path.join(dir, d), { recursive: true, force: true });
  }

  let bytes = 0;
  for (const [relative, staged] of files) {
    bytes += staged.size;
    const write = byPath.get(relative)!;
    // Same content, another executable bit (the commit changed only the mode): the rename carries the mode.
    if (options.holdsModes && ((staged.mode & 0o100) !== 0) !== write.executable) {
      await chmod(staged.file, fileMode(write.executable));
      setStagedMode(staged, 0o100000 | fileMode(write.executable));
    }
  }
  return { files, bytes, nextFallback };
}

function adoptedFile(file: string, write: PlannedWrite, hash: HashedFile): StagedFile {
  return stagedFile(file, write.sha, write.executable, hash);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}
