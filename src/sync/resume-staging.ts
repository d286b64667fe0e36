// Resume (issue 23): a run killed after its download (or during it, or during its renames) leaves its staging
// folder behind, full of files it fetched and checked. The next run adopts what is still worth keeping
// instead of downloading it again, and fetches only the rest.
//
// What proves a staged file whole and right: its content, hashed again here as a git blob, equals a blob id
// the new plan needs. Nothing else is trusted: the dead run may have been killed mid-write (a short file), a
// file may have been changed since (a tool, a disk), and on an SMB share neither inode numbers nor mtimes
// are identities. A journal of verified files would spare these reads on a local disk, but it costs every
// sync a write per batch, vouches for a file only by size and mtime (which move on the share after close,
// where a re-hash would be needed anyway) and can itself be torn by the kill; content cannot lie.
// (bench/sync, resumed rows: hashing 10,000 staged files is a fraction of the download it saves.)
// Content-addressed: a staged file is adopted for any planned write of its blob id, so a staging of another
// commit (the branch moved on while the dead run was downloading) still spares every unchanged file.
//
// Whose staging: a folder is adopted only when its owner (staging.ts, `.funcspace-sync-owner`) is over:
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
import { chmod, mkdir, rename, rm, unlink } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger.js";
import type { FsThreads, StopFlag } from "./fs-threads.js";
import { parentOf, type PlannedWrite } from "./plan-sync.js";
import { scanWorkspace } from "./scan-workspace.js";
import { FALLBACK_FOLDER, fileMode, openStaging, readOwner, writeOwner, type StagedFile, type Staging, type StagingOwner } from "./staging.js";
import { SyncCancelledError, throwIfCancelled } from "./sync-error.js";
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

/** Whether a staging folder's owner can no longer write in it (see the top of this file). */
export function isOwnerGone(owner: StagingOwner, self: StagingOwner): boolean {
  if (owner.host === self.host && owner.pid !== self.pid) return !isAlive(owner.pid);
  if (self.generation !== undefined && owner.generation !== undefined) return owner.generation < self.generation;
  if (self.lock !== undefined && owner.lock !== undefined) return owner.lock !== self.lock;
  return false;
}

async function adopt(dir: string, options: ResumeStagingOptions): Promise<{ files: Map<string, StagedFile>; bytes: number; nextFallback: number }> {
  const { writes, fsThreads, stop, abortSignal } = options;
  const scan = await scanWorkspace(dir, { fsThreads, stop, abortSignal });
  const fallbackDir = path.join(dir, FALLBACK_FOLDER);
  const numbered = scan.leftovers.includes(FALLBACK_FOLDER)
    ? (await fsThreads.walkFolder(fallbackDir, { descend: false, stop })).files.map((f) => ({ ...f, path: `${FALLBACK_FOLDER}/${f.path}` }))
    : [];
  let nextFallback = 0;
  for (const f of numbered) nextFallback = Math.max(nextFallback, Number(path.posix.basename(f.path)) + 1 || 0);

  const byPath = new Map(writes.map((w) => [w.path, w]));
  const sizes = new Set(writes.map((w) => w.size));
  const found = [
    ...[...scan.files].map(([relative, e]) => ({ relative, size: e.size, executable: e.executable, mtimeMs: e.mtimeMs, kind: e.kind, numbered: false })),
    ...numbered.map((f) => ({ relative: f.path, size: f.size, executable: (f.mode & 0o100) !== 0, mtimeMs: f.mtimeMs, kind: f.kind, numbered: true })),
  ];
  // Only a file of a size some write has can hold its blob: the others are not read.
  const candidates = found.filter((f) => f.kind === "file" && sizes.has(f.size));
  const shas = new Map<string, string>();
  const batches: (typeof candidates)[] = [];
  for (let i = 0; i < candidates.length; i += HASH_BATCH) batches.push(candidates.slice(i, i + HASH_BATCH));
  await Promise.all(
    batches.map(async (batch) => {
      const answer = await fsThreads.hashFiles(
        batch.map((f) => ({ file: path.join(dir, f.relative), size: f.size })),
        { stop },
      );
      batch.forEach((f, i) => shas.set(f.relative, answer[i]!));
    }),
  );
  throwIfCancelled(abortSignal);

  // First every file at its own path, then by content for the writes still open.
  const files = new Map<string, StagedFile>();
  const claimed = new Map<string, PlannedWrite>();
  for (const f of candidates) {
    const write = byPath.get(f.relative);
    if (!f.numbered && write && shas.get(f.relative) === write.sha) {
      claimed.set(f.relative, write);
      files.set(write.path, stagedFile(dir, f.relative, write, f));
    }
  }
  const open = new Map<string, PlannedWrite[]>();
  for (const w of writes) if (!files.has(w.path)) open.set(w.sha, [...(open.get(w.sha) ?? []), w]);
  const moves: { from: string; write: PlannedWrite; f: (typeof candidates)[number] }[] = [];
  for (const f of candidates) {
    if (claimed.has(f.relative)) continue;
    const waiting = open.get(shas.get(f.relative) ?? "");
    const write = waiting?.shift();
    if (!write) continue;
    claimed.set(f.relative, write);
    moves.push({ from: f.relative, write, f });
  }

  // In place: what stays where it is, and the folders on its way.
  const keepDirs = new Set<string>();
  for (const [relative, write] of claimed) {
    if (relative !== write.path) continue;
    for (let d = parentOf(relative); d !== "" && !keepDirs.has(d); d = parentOf(d)) keepDirs.add(d);
  }
  if (moves.some((m) => !m.f.numbered)) await mkdir(fallbackDir, { recursive: true });
  for (const { from, write, f } of moves) {
    throwIfCancelled(abortSignal);
    let relative = from;
    if (!f.numbered) {
      relative = `${FALLBACK_FOLDER}/${nextFallback++}`;
      await rename(path.join(dir, from), path.join(dir, relative));
    }
    files.set(write.path, stagedFile(dir, relative, write, f));
  }
  const stays = new Set([...files.values()].map((s) => s.file));
  // Everything else goes: files beside adopted ones one by one, whole folders holding none at once.
  const junk = found.filter((f) => !stays.has(path.join(dir, f.relative)) && (f.numbered || keepDirs.has(parentOf(f.relative)) || parentOf(f.relative) === ""));
  for (const f of junk) await unlink(path.join(dir, f.relative)).catch(ignoreMissing);
  for (const d of scan.dirs) {
    if (keepDirs.has(d) || (parentOf(d) !== "" && !keepDirs.has(parentOf(d)))) continue;
    await rm(path.join(dir, d), { recursive: true, force: true });
  }

  let bytes = 0;
  for (const [relative, staged] of files) {
    bytes += staged.size;
    const write = byPath.get(relative)!;
    // Same content, another executable bit (the commit changed only the mode): the rename carries the mode.
    if (options.holdsModes && ((staged.stats.mode & 0o100) !== 0) !== write.executable) {
      await chmod(staged.file, fileMode(write.executable));
      staged.stats = { ...staged.stats, mode: 0o100000 | fileMode(write.executable) };
    }
  }
  return { files, bytes, nextFallback };
}

function stagedFile(dir: string, relative: string, write: PlannedWrite, f: { size: number; mtimeMs: number; executable: boolean }): StagedFile {
  return {
    file: path.join(dir, relative),
    sha: write.sha,
    size: f.size,
    executable: write.executable,
    stats: { size: f.size, mtimeMs: f.mtimeMs, mode: 0o100000 | (f.executable ? 0o755 : 0o644) },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}
