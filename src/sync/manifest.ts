// What the last successful sync wrote: per file its blob id, size, mtime and executable bit as they were on
// disk right after the write. It lets the planner trust a file whose stat still matches (no hashing), and it
// is written last, atomically, so a crash before it leaves the previous manifest: the next plan then hashes
// the files that do not match and converges. It lives in the platform's state folder, never in the workspace;
// losing it costs one full hash comparison, nothing else.
import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
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

/** Entries per piece of the manifest's text (see writeManifest): ~200 KB of text. */
const ENTRIES_PER_PIECE = 2048;

/**
 * Writes the manifest atomically (temp file + rename in the same folder). The JSON document is written a
 * piece at a time, each piece JSON.stringify of a few thousand entries: built whole (an array per file, then
 * one text of ~100 bytes a file) it was ~15 MB at the end of a 50,000-file sync, on top of everything the sync
 * still held (bench/sync, peak RSS rows; issue 23). Same document as JSON.stringify of the whole gave, at the
 * same speed (a piece of text per entry took twice as long: 19 ms instead of 10 for 10,000 entries).
 */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const head = JSON.stringify({
    format: FORMAT,
    workspaceDir: manifest.workspaceDir,
    repository: manifest.repository,
    commitSha: manifest.commitSha,
    writtenAt: manifest.writtenAt,
  });
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, "wx");
    try {
      await handle.write(`${head.slice(0, -1)},"files":[`);
      let piece: [string, string, number, number, number][] = [];
      let first = true;
      const flush = async () => {
        if (piece.length === 0) return;
        const text = JSON.stringify(piece);
        piece = [];
        // The piece's own brackets dropped: its entries continue the one `files` array.
        await handle.write(first ? text.slice(1, -1) : `,${text.slice(1, -1)}`);
        first = false;
      };
      for (const [p, e] of manifest.files) {
        piece.push([p, e.sha, e.size, e.mtimeMs, (e.executable ? 1 : 0) | (e.diskExecutable ? 2 : 0)]);
        if (piece.length >= ENTRIES_PER_PIECE) await flush();
      }
      await flush();
      await handle.write(`],"skipped":${JSON.stringify(manifest.skipped)}}`);
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Forgets the manifest (disconnect): the next sync compares by content. */
export async function deleteManifest(file: string): Promise<void> {
  await rm(file, { force: true });
}
