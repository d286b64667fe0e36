// What the last successful sync wrote: per file its blob id, size, mtime and executable bit as they were on
// disk right after the write. It lets the planner trust a file whose stat still matches (no hashing), and it
// is written last, atomically, so a crash before it leaves the previous manifest: the next plan then hashes
// the files that do not match and converges. It lives in the platform's state folder, never in the workspace;
// losing it costs one full hash comparison, nothing else.
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SkippedEntry } from "./target-tree.js";

export interface ManifestEntry {
  sha: string;
  size: number;
  mtimeMs: number;
  /** The target's executable bit. */
  executable: boolean;
  /** The executable bit as the file system kept it (Azure Files over SMB keeps none). */
  diskExecutable: boolean;
}

export interface Manifest {
  /** The workspace folder it describes; a manifest of another folder is ignored. */
  workspaceDir: string;
  repository: string;
  commitSha: string;
  writtenAt: string;
  files: Map<string, ManifestEntry>;
  /** Symlinks and submodules of the commit that were skipped (for the no-op report). */
  skipped: SkippedEntry[];
}

const FORMAT = 1;

/** Where the manifest of a workspace lives. */
export function manifestPath(stateDir: string, workspaceId: string): string {
  return path.join(stateDir, "sync", `${encodeURIComponent(workspaceId)}.manifest.json`);
}

/**
 * Reads the manifest, or undefined when there is none, it is unreadable, or it describes another folder
 * (each case costs a full comparison, never a wrong result).
 */
export async function readManifest(file: string, workspaceDir: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const data = JSON.parse(text) as {
      format: number;
      workspaceDir: string;
      repository: string;
      commitSha: string;
      writtenAt: string;
      files: [string, string, number, number, number][];
      skipped?: SkippedEntry[];
    };
    if (data.format !== FORMAT || data.workspaceDir !== workspaceDir) return undefined;
    const files = new Map<string, ManifestEntry>();
    for (const [p, sha, size, mtimeMs, flags] of data.files) {
      files.set(p, { sha, size, mtimeMs, executable: (flags & 1) !== 0, diskExecutable: (flags & 2) !== 0 });
    }
    return { workspaceDir: data.workspaceDir, repository: data.repository, commitSha: data.commitSha, writtenAt: data.writtenAt, files, skipped: data.skipped ?? [] };
  } catch {
    return undefined;
  }
}

/** Writes the manifest atomically (temp file + rename in the same folder). */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const files = [...manifest.files].map(([p, e]) => [p, e.sha, e.size, e.mtimeMs, (e.executable ? 1 : 0) | (e.diskExecutable ? 2 : 0)]);
  const body = JSON.stringify({
    format: FORMAT,
    workspaceDir: manifest.workspaceDir,
    repository: manifest.repository,
    commitSha: manifest.commitSha,
    writtenAt: manifest.writtenAt,
    files,
    skipped: manifest.skipped,
  });
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, body);
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Forgets the manifest (disconnect): the next sync compares by content. */
export async function deleteManifest(file: string): Promise<void> {
  await rm(file, { force: true });
}
