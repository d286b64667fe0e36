// Streams an upload into a temp file beside its target, hashing and counting as it goes, so the size limit
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
  /** Renames the temp file over `absolute`, giving it `mode` when set and different (to keep an executable bit). */
  commit(mode?: number): Promise<void>;
  /** Removes the temp file and any folder this upload created that is still empty. */
  discard(): Promise<void>;
}

export async function stageFile(absolute: string, body: AsyncIterable<Uint8Array>, options: StageFileOptions): Promise<StagedFile> {
  const dir = path.dirname(absolute);
  const tempPath = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
  const { handle, createdDir } = await createTempFile(tempPath, options.relative);
  const discard = async () => {
    await rm(tempPath, { force: true });
    if (createdDir) await removeEmptyFolders(dir, createdDir);
  };
  try {
    const { etag, size, mode: tempMode } = await writeBody(handle, body, options);
    return {
      etag,
      size,
      async commit(mode) {
        if (mode !== undefined && mode !== tempMode) await chmod(tempPath, mode);
        await rename(tempPath, absolute);
      },
      discard,
    };
  } catch (error) {
    await discard();
    throw error;
  }
}

/** The temp file, opened for writing; its parent folders are created only when the first try says so. */
async function createTempFile(tempPath: string, relative: string): Promise<{ handle: FileHandle; createdDir?: string }> {
  try {
    return { handle: await open(tempPath, "wx") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
  }
  const dir = path.dirname(tempPath);
  const createdDir = await createParents(dir, relative);
  try {
    return { handle: await open(tempPath, "wx"), createdDir };
  } catch (error) {
    if (createdDir) await removeEmptyFolders(dir, createdDir);
    throw error;
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
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new ConflictError(`Cannot create "${relative}": one of its parent folders is a file.`, { code: "parent_is_file" });
    }
    throw error;
  }
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
