// Streams an upload into a temp file beside its target (or in its nearest existing folder), hashing and counting as it goes, so the size limit
// holds while reading (a 2 GB body never reaches the disk) and the ETag is known without reading it back.
// The caller then commits (rename over the target: readers see the old file or the new one, never half)
// or discards. Temp names are hidden from the tree, and any left behind by a crash are swept by it.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, rename, rm, rmdir, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { ConflictError, PayloadTooLargeError } from "../errors.js";
import { createContentHash, formatEtag } from "./content-hash.js";
import { TEMP_PREFIX } from "./hidden-names.js";

export interface StageFileOptions {
  maxBytes: number;
  /** The workspace-relative path, for messages. */
  relative: string;
  abortSignal?: AbortSignal;
}

export interface StagedFile {
  etag: string;
  size: number;
  /**
   * Creates the target's missing folders and renames the temp file over `absolute`, giving it `mode` when set
   * and different (to keep an executable bit). Run it under the write lock.
   */
  commit(mode?: number): Promise<void>;
  /** Removes the temp file (no folder exists for it yet: commit creates them). */
  discard(): Promise<void>;
}

export async function stageFile(absolute: string, body: AsyncIterable<Uint8Array>, options: StageFileOptions): Promise<StagedFile> {
  const { handle, tempPath, foldersMissing } = await createTempFile(absolute, options.relative);
  const discard = () => rm(tempPath, { force: true });
  try {
    const { etag, size, mode: tempMode } = await writeBody(handle, body, options);
    return {
      etag,
      size,
      async commit(mode) {
        if (mode !== undefined && mode !== tempMode) await chmod(tempPath, mode);
        const dir = path.dirname(absolute);
        const createdDir = foldersMissing ? await createParents(dir, options.relative) : undefined;
        try {
          await rename(tempPath, absolute);
        } catch (error) {
          if (createdDir) await removeEmptyFolders(dir, createdDir);
          throw error;
        }
      },
      discard,
    };
  } catch (error) {
    await discard();
    throw error;
  }
}

/**
 * The temp file, opened for writing: beside the target, or, when the target's folder does not exist yet, in
 * its nearest existing ancestor (same file system, so the rename stays atomic). Missing folders are created
 * by commit(), which the caller runs under the write lock: a folder made while a body streams would be seen
 * by another writer's check (a case twin `Src` beside `src`, see find-case-twin.ts) before this one's was done.
 */
async function createTempFile(absolute: string, relative: string): Promise<{ handle: FileHandle; tempPath: string; foldersMissing: boolean }> {
  const name = `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`;
  const targetDir = path.dirname(absolute);
  for (let dir = targetDir; ; dir = path.dirname(dir)) {
    const tempPath = path.join(dir, name);
    try {
      return { handle: await open(tempPath, "wx"), tempPath, foldersMissing: dir !== targetDir };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") throw parentIsFile(relative);
      if (code !== "ENOENT" || path.dirname(dir) === dir) throw error;
    }
  }
}

async function writeBody(handle: FileHandle, body: AsyncIterable<Uint8Array>, options: StageFileOptions): Promise<{ etag: string; size: number; mode: number }> {
  try {
    const hash = createContentHash();
    let size = 0;
    // Step the iterator by hand: leaving a `for await` early would cancel the request stream, which tears
    // down the connection before the 413 can be sent.
    const iterator = body[Symbol.asyncIterator]();
    for (;;) {
      options.abortSignal?.throwIfAborted();
      const next = await iterator.next();
      if (next.done) break;
      const chunk = next.value;
      size += chunk.byteLength;
      if (size > options.maxBytes) throw tooLarge(options);
      hash.update(chunk);
      await handle.write(chunk);
    }
    // The mode the temp file was given (umask), so that commit only changes it when it must.
    const { mode } = await handle.stat();
    return { etag: formatEtag(hash), size, mode: mode & 0o7777 };
  } finally {
    await handle.close();
  }
}

export function tooLarge(options: { maxBytes: number; relative: string; headers?: Record<string, string> }): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `"${options.relative}" is larger than the ${formatBytes(options.maxBytes)} limit for one file (MAX_FILE_BYTES). Nothing was written.`,
    { details: { maxBytes: options.maxBytes }, headers: options.headers },
  );
}

function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** mkdir -p that says which folder it created first (to undo), and names a file in the way. */
async function createParents(dir: string, relative: string): Promise<string | undefined> {
  try {
    return await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOTDIR") throw parentIsFile(relative);
    throw error;
  }
}

function parentIsFile(relative: string): ConflictError {
  return new ConflictError(`Cannot create "${relative}": one of its parent folders is a file.`, { code: "parent_is_file" });
}

/** rmdir from `dir` up to `top` while the folders are empty (another upload may have filled them). */
async function removeEmptyFolders(dir: string, top: string): Promise<void> {
  for (let current = dir; current.length >= top.length; current = path.dirname(current)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    if (current === top) return;
  }
}
