// A small record beside the manifest: "commit X is fully on disk, applied during session S" (the session is
// the GitHub connection). It lets a job for the commit already applied — a redelivered webhook, a poll, the
// tail of a burst — end in a millisecond without reading the manifest or stat'ing every file: while a
// connection is active the files API refuses writes and the engine, under its lease, is the workspace's only
// writer. It is removed before any apply touches the workspace and written only after the manifest, so it
// never vouches for a half-applied commit; a new connection (another session) checks the disk again, and so
// does "Sync now" (`verifyDisk`). Losing it costs one full check.
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SkippedEntry } from "./target-tree.js";

export interface AppliedCommit {
  workspaceDir: string;
  repository: string;
  commitSha: string;
  session: string;
  /** Regular files of the commit on disk. */
  files: number;
  skipped: SkippedEntry[];
  writtenAt: string;
}

export function appliedCommitPath(stateDir: string, workspaceId: string): string {
  return path.join(stateDir, "sync", `${encodeURIComponent(workspaceId)}.applied.json`);
}

/** The record, or undefined when there is none or it cannot be read (a full check follows). */
export async function readAppliedCommit(file: string): Promise<AppliedCommit | undefined> {
  try {
    const data = JSON.parse(await readFile(file, "utf8")) as Partial<AppliedCommit>;
    if (typeof data.commitSha !== "string" || typeof data.session !== "string" || typeof data.workspaceDir !== "string") return undefined;
    return data as AppliedCommit;
  } catch {
    return undefined;
  }
}

export async function writeAppliedCommit(file: string, record: AppliedCommit): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

export async function removeAppliedCommit(file: string): Promise<void> {
  await rm(file, { force: true });
}
