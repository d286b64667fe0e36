// The version of a file on disk right now: its ETag (content hash) and mode, or undefined when absent.
// Read fresh for every precondition check: the server keeps no copy of file contents.
import { open } from "node:fs/promises";
import { ConflictError } from "../errors.js";
import { hashFileHandle } from "./content-hash.js";

export interface FileVersion {
  etag: string;
  size: number;
  mode: number;
}

export async function getFileVersion(absolute: string, relative: string, options: { abortSignal?: AbortSignal } = {}): Promise<FileVersion | undefined> {
  let handle;
  try {
    handle = await open(absolute, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "EISDIR") throw notAFile(relative);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw notAFile(relative);
    const { etag, size } = await hashFileHandle(handle, { abortSignal: options.abortSignal, size: info.size, detectText: false });
    return { etag, size, mode: info.mode & 0o7777 };
  } finally {
    await handle.close();
  }
}

export function notAFile(relative: string): ConflictError {
  return new ConflictError(`"${relative}" is a folder, not a file.`, { code: "not_a_file" });
}
