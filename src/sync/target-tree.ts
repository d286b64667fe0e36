// The commit the workspace must become: regular files (path → blob id, size, executable bit) plus what the
// workspace cannot hold and is therefore skipped and reported (symlinks: Azure Files over SMB cannot store
// them; submodules: not part of the repository's own content, and absent from GitHub's tarball; names the
// share cannot hold, and case twins, see src/workspace/share-names.ts). One odd name never fails the sync:
// everything else is applied, and each skipped entry is listed with its reason in the run record.
import { normalizeRelativePath, UnsafePathError } from "../workspace/safe-path.js";
import { caseFoldKey, shareNameProblem } from "../workspace/share-names.js";
import type { SyncLimits } from "./limits.js";
import type { SourceTreeEntry } from "./repository-source.js";
import { UnsafeRepositoryError } from "./sync-error.js";

export interface TargetFile {
  path: string;
  sha: string;
  size: number;
  executable: boolean;
}

// A skipped entry is reported as it is (the preview API, the run record): its shape is the API's (src/api-types.ts).
export type { SkippedEntry } from "../api-types.js";
import type { SkippedEntry } from "../api-types.js";

/** One line of the run record's `skippedPaths`: `kind:path — reason` (control characters shown escaped). */
export function describeSkipped(entry: SkippedEntry): string {
  // eslint-disable-next-line no-control-regex
  const shown = entry.path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `${entry.kind}:${shown}${entry.reason ? ` — ${entry.reason}` : ""}`;
}

export const SYMLINK_REASON = "Azure Files cannot store symbolic links";
export const SUBMODULE_REASON = "submodules are not synced";

/**
 * A repository path the share cannot hold, as a skipped entry, or undefined. Called before the path checks:
 * a backslash, tab or newline is legal in git and must skip that one file, not fail the sync.
 * A hostile path (`..`, absolute) has no such problem here and still fails the path check.
 */
export function unholdableEntry(path: string): SkippedEntry | undefined {
  const reason = shareNameProblem(path);
  return reason === undefined ? undefined : { path, kind: "name", reason };
}

export interface TargetTree {
  commitSha: string;
  files: Map<string, TargetFile>;
  skipped: SkippedEntry[];
  totalBytes: number;
}

/** Names the engine keeps for itself at the workspace root (staging folders of a run in progress). */
export const RESERVED_PREFIX = ".funcspace-sync-";
const RESERVED_KEY = caseFoldKey(RESERVED_PREFIX);

/**
 * Checks one repository path with the files API's own rule, plus what only a repository can smuggle in:
 * a `.git` segment (git refuses those in its own trees; an archive or stand-in could still carry one) and
 * the engine's reserved root names.
 */
export function checkRepositoryPath(input: string): string {
  let relative: string;
  try {
    relative = normalizeRelativePath(input);
  } catch (error) {
    if (error instanceof UnsafePathError) {
      throw new UnsafeRepositoryError(`The repository contains an unsafe path: ${error.message}`, {
        reason: "unsafe_path",
        path: input,
        cause: error,
      });
    }
    throw error;
  }
  const segments = relative.split("/");
  if (segments.some((s) => s.toLowerCase() === ".git")) {
    throw new UnsafeRepositoryError(`The repository contains a path inside ".git" ("${relative}"), which is never synced.`, {
      reason: "git_folder",
      path: relative,
    });
  }
  // In any case, as the share folds it (caseFoldKey: `ſ` too): there `.FUNCSPACE-SYNC-LOCK` is the CLI's lock and
  // `.Funcspace-Sync-Files` a staging folder's numbered files.
  if (caseFoldKey(segments[0]!).startsWith(RESERVED_KEY)) {
    throw new UnsafeRepositoryError(`The repository contains "${segments[0]}", a name the sync engine reserves for itself.`, {
      reason: "reserved_name",
      path: relative,
    });
  }
  return relative;
}

/** Builds the target from a recursive tree listing, enforcing the limits before anything is downloaded. */
export function buildTargetTree(commitSha: string, entries: Iterable<SourceTreeEntry>, limits: SyncLimits): TargetTree {
  const files = new Map<string, TargetFile>();
  const skipped: SkippedEntry[] = [];
  let totalBytes = 0;
  let count = 0;
  for (const entry of entries) {
    if (++count > limits.maxEntries) {
      throw new UnsafeRepositoryError(`The repository has more than ${limits.maxEntries} entries, the most a workspace sync accepts.`, {
        reason: "too_many_entries",
      });
    }
    const unholdable = unholdableEntry(entry.path);
    if (unholdable) {
      if (entry.type !== "tree") skipped.push(unholdable);
      continue;
    }
    const path = checkRepositoryPath(entry.path);
    if (entry.type === "tree") continue;
    if (entry.type === "commit" || entry.mode === "160000") {
      skipped.push({ path, kind: "submodule", reason: SUBMODULE_REASON });
      continue;
    }
    if (entry.mode === "120000") {
      skipped.push({ path, kind: "symlink", reason: SYMLINK_REASON });
      continue;
    }
    const size = entry.size ?? 0;
    checkFileSize(path, size, limits);
    totalBytes += size;
    checkTotalBytes(totalBytes, limits);
    files.set(path, { path, sha: entry.sha, size, executable: entry.mode === "100755" });
  }
  return skipCaseTwins({ commitSha, files, skipped, totalBytes });
}

/**
 * On a case-insensitive share, `README.md` and `readme.md` are one file, and `Docs/a.md` and `docs/b.md` land
 * in one folder: writing both would overwrite one with the other while the manifest records two, and every
 * later sync would flip-flop. The first spelling in byte order of each name (files and folders alike) is
 * kept; every path that needs another spelling of a name already taken is skipped, naming its twin.
 */
export function skipCaseTwins(target: TargetTree): TargetTree {
  const taken = new Map<string, { spelling: string; folder: boolean }>();
  const skipped: SkippedEntry[] = [];
  let totalBytes = target.totalBytes;
  for (const path of [...target.files.keys()].sort()) {
    const twin = caseTwinOf(path, taken);
    if (twin === undefined) continue;
    const file = target.files.get(path)!;
    target.files.delete(path);
    totalBytes -= file.size;
    skipped.push({ path, kind: "case", reason: `"${twin}" is the same name on a case-insensitive share, and it is kept` });
  }
  if (skipped.length === 0) return target;
  return { ...target, skipped: [...target.skipped, ...skipped], totalBytes };
}

/** The spelling that already holds a name `path` (or one of its folders) needs, recording `path`'s names when free. */
function caseTwinOf(path: string, taken: Map<string, { spelling: string; folder: boolean }>): string | undefined {
  // caseFoldKey keeps every character's length, so each folder's key is a prefix of the whole path's key:
  // one fold per path instead of one per folder on its way.
  const pathKey = caseFoldKey(path);
  const names: { key: string; spelling: string; folder: boolean }[] = [];
  for (let end = path.indexOf("/"); ; end = path.indexOf("/", end + 1)) {
    const folder = end !== -1;
    const spelling = folder ? path.slice(0, end) : path;
    const key = folder ? pathKey.slice(0, end) : pathKey;
    const seen = taken.get(key);
    if (seen && (seen.spelling !== spelling || !seen.folder || !folder)) return seen.spelling;
    if (!seen) names.push({ key, spelling, folder });
    if (!folder) break;
  }
  for (const name of names) taken.set(name.key, { spelling: name.spelling, folder: name.folder });
  return undefined;
}

export function checkFileSize(path: string, size: number, limits: SyncLimits): void {
  if (size > limits.maxFileBytes) {
    throw new UnsafeRepositoryError(
      `"${path}" is ${formatBytes(size)}, more than the ${formatBytes(limits.maxFileBytes)} a workspace file may have (MAX_FILE_BYTES).`,
      { reason: "file_too_large", path },
    );
  }
}

export function checkTotalBytes(totalBytes: number, limits: SyncLimits): void {
  if (totalBytes > limits.maxTotalBytes) {
    throw new UnsafeRepositoryError(
      `The repository's files add up to more than ${formatBytes(limits.maxTotalBytes)}, the most a workspace sync accepts.`,
      { reason: "too_many_bytes" },
    );
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
