// Where downloaded files wait until every one of them has arrived and checked out: a hidden folder at the
// workspace root, so it sits on the same file system (Azure Files share) and each file reaches its place by
// one rename. Until the renames start, the visible workspace is untouched: a rejected archive, a failed
// download or a cancel only removes this folder. A crash leaves it behind; the next plan finds it by its
// reserved prefix and, unless it can resume from it (resume-staging.ts), removes it.
//
// The folder's root holds `.funcspace-sync-owner`, written before any file: who made it (host, pid, and the
// lease generation or folder-lock token the run held), so a later run can tell a dead owner's staging, which
// it may adopt, from a live one's, which it must not.
//
// Inside, files keep their repository paths (`<staging>/src/a.ts`), like `tar -x` would lay them out: creating
// many files in one flat folder serialises on that folder's lock, and a folder the workspace does not have
// yet can then be moved into place whole, with one rename instead of one per file (a first sync of 10,000
// files is 20 renames). A name that cannot be created there (two paths differing only by case on a
// case-insensitive share, a retried download) falls back to a numbered file in a reserved sub-folder.
import { randomUUID } from "node:crypto";
import { stat as statCallback, writeFile as writeFileCallback } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import { promisify } from "node:util";
import path from "node:path";
import type { ManifestEntry } from "./manifest.js";
import { RESERVED_PREFIX } from "./target-tree.js";

/**
 * A staged copy: where it is, what it holds, and its stat (size, mtime, mode) taken while it was written. A
 * rename keeps size, mtime and mode, so the stat is what the manifest records for the file in place, without a
 * second stat of every file after the renames: a StagedFile is that manifest entry (apply-plan.ts records it
 * as it is). One flat object per file (the stat and the manifest entry were objects of their own): a
 * 50,000-file sync holds one for each until its manifest is written (bench/sync, peak RSS rows; issue 23).
 */
export interface StagedFile extends FileStats, ManifestEntry {
  /** Absolute path of the staged copy. */
  file: string;
}

/** A StagedFile, always built in this one shape (one hidden class for all of them). */
export function stagedFile(file: string, sha: string, executable: boolean, stats: FileStats): StagedFile {
  return { file, sha, executable, size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode, diskExecutable: (stats.mode & 0o100) !== 0 };
}

/** Sets a staged copy's mode as it now is on disk (after a chmod), with the executable bit the manifest records. */
export function setStagedMode(staged: StagedFile, mode: number): void {
  staged.mode = mode;
  staged.diskExecutable = (mode & 0o100) !== 0;
}

export interface FileStats {
  size: number;
  mtimeMs: number;
  mode: number;
}

export interface Staging {
  dir: string;
  /** Target path → staged copy, filled as files arrive. */
  files: Map<string, StagedFile>;
  /**
   * Where to create the staged copy of `relative` (its folders are created): `<staging>/<relative>` on its
   * first call for that path, a fresh numbered name after `fallback: true` (the first one already exists).
   */
  place(relative: string, options?: { fallback?: boolean }): Promise<string>;
  /** True when `file` sits at `<staging>/<relative>`, so it moves with its folder. */
  isInPlace(relative: string, file: string): boolean;
  /**
   * Paths whose staged copy was adopted from an interrupted run's staging (resume-staging.ts): verified, so
   * kept by `reset`.
   */
  adopted: Set<string>;
  /** Empties the folder and the map (a download that starts over), but for the adopted files. */
  reset(): Promise<void>;
  remove(): Promise<void>;
}

/** Numbered fallback files: a reserved root name, which no repository path may use. */
export const FALLBACK_FOLDER = `${RESERVED_PREFIX}files`;

/** The owner record at a staging folder's root (a reserved name: never a repository path, never moved). */
export const OWNER_FILE = `${RESERVED_PREFIX}owner`;

/** Who a staging folder belongs to (see resume-staging.ts for how a later run judges it). */
export interface StagingOwner {
  host: string;
  pid: number;
  /** The workspace lease's generation the run held (sync worker). */
  generation?: number;
  /** The folder lock's token the run held (CLI). */
  lock?: string;
  /**
   * Set by the run itself once it failed and every one of its writes had settled (releaseStaging): over,
   * whoever it was, so any later run may adopt what it staged (resume-staging.ts).
   */
  released?: boolean;
}

/** This process, with the tenure it holds. */
export function currentOwner(tenure: { generation?: number; lock?: string } = {}): StagingOwner {
  return { host: os.hostname(), pid: process.pid, ...tenure };
}

export async function writeOwner(dir: string, owner: StagingOwner): Promise<void> {
  await writeFile(path.join(dir, OWNER_FILE), ownerRecord(owner));
}

/** The owner record's text: the owner and since when. */
function ownerRecord(owner: StagingOwner): string {
  return `${JSON.stringify({ ...owner, since: new Date().toISOString() })}\n`;
}

/**
 * Hands a failed run's staging over to the next run: its owner record, replaced by one with `released`. Only once
 * no write of the run is left running (fetch-changes.ts and apply-plan.ts settle every write before they throw)
 * and the run still held its tenure (resume-staging.ts `keepFailedStaging`), so no other run of the workspace
 * is going on. Written beside and renamed over the record, so a reader sees the old record or the new one,
 * never a torn one (a temp file a crash leaves is a stray file the adopting run deletes).
 */
export async function releaseStaging(dir: string, owner: StagingOwner): Promise<void> {
  const temp = path.join(dir, `${OWNER_FILE}.${randomUUID().slice(0, 8)}`);
  await writeFile(temp, ownerRecord({ ...owner, released: true }));
  await rename(temp, path.join(dir, OWNER_FILE));
}

/** The owner a staging folder names, or undefined when it names none (killed before it was written, or not one). */
export async function readOwner(dir: string): Promise<(StagingOwner & { since?: string }) | undefined> {
  try {
    const owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), "utf8")) as StagingOwner & { since?: string };
    return typeof owner.host === "string" && Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh staging folder name (known before the folder exists, so a scan running meanwhile can pass it over). */
export function newStagingName(): string {
  return `${RESERVED_PREFIX}${randomUUID().slice(0, 8)}`;
}

export async function createStaging(workspaceDir: string, name: string = newStagingName(), options: { owner?: StagingOwner } = {}): Promise<Staging> {
  const dir = path.join(workspaceDir, name);
  await mkdir(dir);
  await writeOwner(dir, options.owner ?? currentOwner());
  return openStaging(dir);
}

/**
 * The Staging of a folder that exists and already holds `files` (adopted from an interrupted run), its
 * numbered fallback names starting at `nextFallback`.
 */
export function openStaging(dir: string, options: { files?: Map<string, StagedFile>; nextFallback?: number } = {}): Staging {
  // One mkdir per folder, shared by every file in it (creation is idempotent, but a call per file is not free).
  let folders = new Map<string, Promise<unknown>>();
  let next = options.nextFallback ?? 0;
  const ensureFolder = (relative: string): Promise<unknown> => {
    let ready = folders.get(relative);
    if (!ready) {
      ready = mkdir(path.join(dir, relative), { recursive: true });
      folders.set(relative, ready);
    }
    return ready;
  };
  const staging: Staging = {
    dir,
    files: new Map(options.files),
    adopted: new Set(options.files?.keys()),
    async place(relative, options = {}) {
      if (options.fallback) {
        await ensureFolder(FALLBACK_FOLDER);
        return path.join(dir, FALLBACK_FOLDER, String(next++));
      }
      const at = relative.lastIndexOf("/");
      if (at > 0) await ensureFolder(relative.slice(0, at));
      return path.join(dir, relative);
    },
    // `relative` is a checked repository path (no ".", "..", "//"): the join needs no normalising.
    isInPlace: (relative, file) => file.length === dir.length + 1 + relative.length && file.startsWith(dir) && file.endsWith(relative) && file[dir.length] === "/",
    async reset() {
      if (staging.adopted.size === 0) {
        staging.files.clear();
        folders = new Map();
        const owner = await readOwner(dir);
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir);
        if (owner) await writeOwner(dir, owner);
        return;
      }
      // Verified copies stay; everything else goes, a half-written file of the broken download included.
      const keep = new Set<string>();
      for (const [relative, staged] of staging.files) {
        if (staging.adopted.has(relative)) keep.add(staged.file);
        else staging.files.delete(relative);
      }
      await removeFilesBut(dir, keep);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  return staging;
}

/** Removes every file under `dir` but those in `keep` and the owner record (folders stay). */
async function removeFilesBut(dir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) await removeFilesBut(at, keep);
    else if (!keep.has(at) && !(entry.name === OWNER_FILE && path.dirname(at) === dir)) await unlink(at).catch(() => undefined);
  }
}

/** Creation failures a numbered name avoids: the name is taken, or a folder on its path cannot be made. */
const RETRY_ELSEWHERE = new Set(["EEXIST", "ENOTDIR", "EISDIR", "ENOENT"]);

export function isNameConflict(code: string | undefined): boolean {
  return RETRY_ELSEWHERE.has(code ?? "");
}

/**
 * Creates the staged copy of `relative` exclusively with `create` (given the path to create), at its
 * repository path or, when that fails for a naming reason, at a numbered name. Returns where it went.
 */
export async function createStaged<T>(staging: Staging, relative: string, create: (file: string) => Promise<T>): Promise<{ file: string; value: T }> {
  try {
    const file = await staging.place(relative);
    return { file, value: await create(file) };
  } catch (error) {
    if (!isNameConflict((error as NodeJS.ErrnoException).code)) throw error;
    const file = await staging.place(relative, { fallback: true });
    return { file, value: await create(file) };
  }
}

/**
 * Creates `file` (exclusively) with `content` and returns its stat, taken after the close: an SMB client may
 * hold writes until the close, and the share's mtime is the one that counts.
 */
export async function writeNewFile(file: string, content: Uint8Array, mode: number, options: { stat?: boolean } = {}): Promise<FileStats> {
  await writeFileWithFd(file, content, { flag: "wx", mode });
  return options.stat === false ? unstated(content.byteLength, mode) : statOf(file);
}

/** What is known of a file written without a stat after it (see FetchOptions.statWritten): mtime unknown. */
export function unstated(size: number, mode: number): FileStats {
  return { size, mtimeMs: 0, mode: 0o100000 | mode };
}

// The callback forms, promisified once per call: fs/promises' writeFile opens a FileHandle (an object with a
// finalizer) and takes three promises per file; for thousands of small files that was half the write time
// on the main thread (bench/sync, cold sync: 10,000 files written and stat'ed in 463 ms instead of 825 ms).
const writeFileWithFd = promisify(writeFileCallback);
const statPath = promisify(statCallback);

export async function statOf(file: string): Promise<FileStats> {
  const { size, mtimeMs, mode } = await statPath(file);
  return { size, mtimeMs, mode };
}

/** Mode for a staged file: the rename carries it into place, so no chmod on the visible file. */
export function fileMode(executable: boolean): number {
  return executable ? 0o755 : 0o644;
}
