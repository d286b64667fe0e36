// The commit the workspace must become: regular files (path → blob id, size, executable bit) plus what the
// workspace cannot hold and is therefore skipped and reported (symlinks: Azure Files over SMB cannot store
// them; submodules: not part of the repository's own content, and absent from GitHub's tarball).
import { normalizeRelativePath, UnsafePathError } from "../workspace/safe-path.js";
import type { SyncLimits } from "./limits.js";
import type { SourceTreeEntry } from "./repository-source.js";
import { UnsafeRepositoryError } from "./sync-error.js";

export interface TargetFile {
  path: string;
  sha: string;
  size: number;
  executable: boolean;
}

export interface SkippedEntry {
  path: string;
  kind: "symlink" | "submodule";
}

export interface TargetTree {
  commitSha: string;
  files: Map<string, TargetFile>;
  skipped: SkippedEntry[];
  totalBytes: number;
}

/** Names the engine keeps for itself at the workspace root (staging folders of a run in progress). */
export const RESERVED_PREFIX = ".funcspace-sync-";

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
  if (segments[0]!.startsWith(RESERVED_PREFIX)) {
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
    const path = checkRepositoryPath(entry.path);
    if (entry.type === "tree") continue;
    if (entry.type === "commit" || entry.mode === "160000") {
      skipped.push({ path, kind: "submodule" });
      continue;
    }
    if (entry.mode === "120000") {
      skipped.push({ path, kind: "symlink" });
      continue;
    }
    const size = entry.size ?? 0;
    checkFileSize(path, size, limits);
    totalBytes += size;
    checkTotalBytes(totalBytes, limits);
    files.set(path, { path, sha: entry.sha, size, executable: entry.mode === "100755" });
  }
  return { commitSha, files, skipped, totalBytes };
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
