// Where downloaded files wait until every one of them has arrived and checked out: a hidden folder at the
// workspace root, so it sits on the same file system (Azure Files share) and each file reaches its place by
// one rename. Until the renames start, the visible workspace is untouched: a rejected archive, a failed
// download or a cancel only removes this folder. A crash leaves it behind; the next plan finds it by its
// reserved prefix and removes it.
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { RESERVED_PREFIX } from "./target-tree.js";

export interface StagedFile {
  /** Absolute path of the staged copy. */
  file: string;
  sha: string;
  size: number;
  executable: boolean;
}

export interface Staging {
  dir: string;
  /** Target path → staged copy, filled as files arrive. */
  files: Map<string, StagedFile>;
  /** A fresh file name inside the staging folder. */
  allocate(): string;
  remove(): Promise<void>;
}

export async function createStaging(workspaceDir: string): Promise<Staging> {
  const dir = path.join(workspaceDir, `${RESERVED_PREFIX}${randomUUID().slice(0, 8)}`);
  await mkdir(dir);
  let next = 0;
  return {
    dir,
    files: new Map(),
    allocate: () => path.join(dir, String(next++)),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Mode for a staged file: the rename carries it into place, so no chmod on the visible file. */
export function fileMode(executable: boolean): number {
  return executable ? 0o755 : 0o644;
}
