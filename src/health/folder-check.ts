// Is a folder there and writable? Write, read back and remove a probe file: on an Azure Files mount
// a folder can exist (the mount point) while every write fails, so `stat` alone proves nothing.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** Probe files start with this prefix; the files API hides them. */
export const PROBE_PREFIX = ".funcspace-probe-";

export async function probeFolder(dir: string, options: { abortSignal?: AbortSignal } = {}): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === "ENOENT" ? "does not exist" : `cannot be read (${error.code ?? error.message})`);
  });
  if (!info.isDirectory()) throw new Error("is not a folder");
  const probe = path.join(dir, `${PROBE_PREFIX}${randomBytes(6).toString("hex")}`);
  const content = `funcspace ${Date.now()}`;
  try {
    await writeFile(probe, content, { signal: options.abortSignal });
  } catch (error) {
    throw new Error(`is not writable (${(error as NodeJS.ErrnoException).code ?? "write failed"})`);
  }
  try {
    const back = await readFile(probe, { encoding: "utf8", signal: options.abortSignal });
    if (back !== content) throw new Error("returned different content than was written");
  } finally {
    await rm(probe, { force: true });
  }
}

/**
 * The health report's check, which must not write (it answers a GET, on every instance, every few seconds): the
 * folder is there, can be listed, and its permissions let this process write. The write itself is proved at
 * start-up (`assertFoldersUsable`) and by every save and sync, which report their own failures.
 */
export async function inspectFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === "ENOENT" ? "does not exist" : `cannot be read (${error.code ?? error.message})`);
  });
  if (!info.isDirectory()) throw new Error("is not a folder");
  await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot be listed (${error.code ?? error.message})`);
  });
  await access(dir, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`is not writable (${error.code ?? "access denied"})`);
  });
}

/**
 * Start-up check: throws one actionable message per unusable folder, e.g.
 * "WORKSPACE_DIR /workspace is not writable: is the Azure Files share mounted?".
 */
export async function assertFoldersUsable(folders: { name: string; dir: string; hint: string }[]): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    folders.map(async ({ name, dir, hint }) => {
      try {
        await probeFolder(dir);
      } catch (error) {
        problems.push(`${name} ${dir} ${(error as Error).message}: ${hint}`);
      }
    }),
  );
  if (problems.length > 0) throw new Error(problems.sort().join("\n"));
}
