// The files API (functions/workspace.ts): tree, file read/write with ETags, folders, move, zip.
import { ApiError, callApi, encodePath, getJson, sendJson } from "./client.js";

// Shapes shared with the server: src/api-types.ts.
export type { FileNode, FolderNode, TreeNode, WorkspaceSearchResult, WorkspaceTree } from "../../../src/api-types.js";
import type {
  PreconditionFailedBody,
  WorkspaceFileWritten,
  WorkspaceFolderRequest,
  WorkspaceMoveRequest,
  WorkspaceSearchResult,
  WorkspaceTree,
} from "../../../src/api-types.js";

export interface LoadedFile {
  path: string;
  etag: string;
  /** Text files only; binary ones are offered as a download. */
  text: string | undefined;
  contentType: string;
}

export const ZIP_URL = "/api/workspace/zip";

export function fileUrl(path: string): string {
  return `/api/workspace/files/${encodePath(path)}`;
}

export function getTree(options: { signal?: AbortSignal } = {}): Promise<WorkspaceTree> {
  return getJson<WorkspaceTree>("/api/workspace/tree", { signal: options.signal });
}

/** Files whose path or text contains `query` (ignoring case), with the matching lines. */
export function searchWorkspace(query: string, options: { signal?: AbortSignal } = {}): Promise<WorkspaceSearchResult> {
  return getJson<WorkspaceSearchResult>(`/api/workspace/search?q=${encodeURIComponent(query)}`, { signal: options.signal });
}

export async function readFile(path: string): Promise<LoadedFile> {
  const response = await callApi(fileUrl(path), { cache: "no-store" });
  const contentType = response.headers.get("content-type") ?? "application/octet-stream";
  const etag = response.headers.get("etag") ?? "";
  const isText = /^text\/|json|javascript|typescript|yaml|xml|markdown/.test(contentType);
  return { path, etag, contentType, text: isText ? await response.text() : undefined };
}

export interface WriteOptions {
  /** Replace only this version (412 otherwise). */
  ifMatch?: string;
  /** Create only (412 when it exists). */
  createOnly?: boolean;
}

/** Writes a file and returns its new ETag. A 412 is an ApiError whose `currentEtag` says what is there now. */
export async function writeFile(path: string, text: string, options: WriteOptions = {}): Promise<string> {
  const headers: Record<string, string> = { "content-type": "application/octet-stream" };
  if (options.ifMatch) headers["if-match"] = options.ifMatch;
  if (options.createOnly) headers["if-none-match"] = "*";
  const response = await callApi(fileUrl(path), { method: "PUT", headers, body: new TextEncoder().encode(text) });
  const etag = response.headers.get("etag");
  if (etag) return etag;
  const body = (await response.json().catch(() => ({}))) as Partial<WorkspaceFileWritten>;
  return body.etag ?? "";
}

export async function deleteFile(path: string): Promise<void> {
  await callApi(fileUrl(path), { method: "DELETE" });
}

export async function createFolder(path: string): Promise<void> {
  const body: WorkspaceFolderRequest = { path };
  await sendJson("POST", "/api/workspace/folders", body);
}

export async function deleteFolder(path: string): Promise<void> {
  await callApi(`/api/workspace/folders/${encodePath(path)}?recursive=true`, { method: "DELETE" });
}

/** Moves or renames; a target that exists is a 409 `target_exists` unless `overwrite` replaces it. */
export async function movePath(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<void> {
  const body: WorkspaceMoveRequest = { from, to, ...(options.overwrite ? { overwrite: true } : {}) };
  await sendJson("POST", "/api/workspace/move", body);
}

/** A file as the server has it now, compared with a version held: the same, another one, or gone. */
export type FileCheck = { status: "unchanged" } | { status: "changed"; etag: string } | { status: "deleted" };

/** Asks whether `path` is still at `etag` (If-None-Match: a 304 carries no body). */
export async function checkFile(path: string, etag: string): Promise<FileCheck> {
  try {
    const response = await callApi(fileUrl(path), { cache: "no-store", headers: { "if-none-match": etag } });
    await response.body?.cancel();
    const current = response.headers.get("etag");
    return current && current !== etag ? { status: "changed", etag: current } : { status: "unchanged" };
  } catch (error) {
    if (error instanceof ApiError && error.status === 304) return { status: "unchanged" };
    if (error instanceof ApiError && error.status === 404) return { status: "deleted" };
    throw error;
  }
}

/** The ETag the server holds now, from a 412 answer. */
export function currentEtagOf(error: ApiError): string | undefined {
  const fromBody = (error.body as Partial<PreconditionFailedBody>).currentEtag;
  if (typeof fromBody === "string") return fromBody;
  return error.headers.get("etag") ?? undefined;
}
