// Opens a file for download: its ETag (content hash), whether it is text, and its bytes: the very bytes
// hashed for a small file (read once), else a stream. Hash and stream go through the same file handle:
// writers replace files by rename, so the handle keeps the version it opened and the ETag always
// describes the bytes sent.
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import mime from "mime-types";
import { NotFoundError } from "../errors.js";
import { hashFileHandle } from "./content-hash.js";
import { notAFile } from "./get-file-version.js";
import { assertVisiblePath } from "./hidden-names.js";
import { parseEtagList } from "./preconditions.js";
import { resolveWorkspacePath } from "./safe-path.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export interface OpenFileOptions extends WorkspaceCallOptions {
  /** Raw `If-None-Match`: when it matches, no body is opened (304). */
  ifNoneMatch?: string | null;
}

export interface OpenedFile {
  path: string;
  name: string;
  etag: string;
  size: number;
  modified: Date;
  /** Text is valid UTF-8 without NUL bytes; everything else is binary. */
  kind: "text" | "binary";
  /** `text/plain; charset=utf-8` for text; the extension's type (or octet-stream) for binary. */
  contentType: string;
  /** The bytes of a file under 64 KiB, a stream of a larger one; absent when If-None-Match matched. */
  body?: Buffer | Readable;
}

export async function openWorkspaceFile(deps: Pick<WorkspaceDeps, "workspaceDir">, path: string, options: OpenFileOptions = {}): Promise<OpenedFile> {
  const { relative, absolute } = await resolveWorkspacePath(deps.workspaceDir, path);
  assertVisiblePath(relative);
  let handle;
  try {
    handle = await open(absolute, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new NotFoundError(`There is no file "${relative}" in the workspace.`);
    if (code === "EISDIR") throw notAFile(relative);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw notAFile(relative);
    const { etag, size, isText, bytes } = await hashFileHandle(handle, { abortSignal: options.abortSignal, size: info.size });
    const name = relative.slice(relative.lastIndexOf("/") + 1);
    const file: OpenedFile = {
      path: relative,
      name,
      etag,
      size,
      modified: info.mtime,
      kind: isText ? "text" : "binary",
      // Text is always served as text/plain: a workspace .html or .svg must never render as a page on the
      // API's origin. Binary files are downloads (the route adds Content-Disposition: attachment).
      contentType: isText ? "text/plain; charset=utf-8" : mime.lookup(name) || "application/octet-stream",
    };
    const notModified = Boolean(options.ifNoneMatch && matchesAny(options.ifNoneMatch, etag));
    if (notModified || bytes) {
      await handle.close();
      if (!notModified) file.body = bytes;
      return file;
    }
    file.body = handle.createReadStream({ start: 0, autoClose: true });
    return file;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function matchesAny(header: string, etag: string): boolean {
  const tags = parseEtagList(header);
  return tags === "*" || tags.some((tag) => tag.replace(/^W\//, "") === etag);
}
