// The files the editor reads and writes: the workspace's (api/workspace.ts), or in propose mode the person's
// draft over it (api/drafts.ts), behind one set of calls shaped like the files API, so that the editor's store,
// its conflict handling and "New workflow" need not know which. In propose mode a tab's ETag is the draft
// change's (what `If-Match` of the next write needs), or `workspace:<ETag>` while the draft leaves the file as the
// workspace has it; the workspace folder is never written.
import { ApiError } from "../api/client.js";
import * as drafts from "../api/drafts.js";
import * as workspace from "../api/workspace.js";
import type { FileCheck, LoadedFile, WorkspaceTree, WriteOptions } from "../api/workspace.js";
import { filesUnder, overlayDraft } from "./propose/draft-tree.js";
import { isProposing, modeGeneration, proposeMode, refreshDraft } from "./propose/propose-mode.js";

export type { FileCheck, LoadedFile };

/** Marks a tab's ETag as the workspace's version: no `If-Match` goes with the draft write that follows it. */
const WORKSPACE_VERSION = "workspace:";

/**
 * Reads again when the mode switched while reading (propose mode resuming as the page opens the file of its
 * address): an answer about the other side must not land in a tab, or its ETag would go with the next write.
 */
async function readInCurrentMode<T>(read: () => Promise<T>): Promise<T> {
  for (;;) {
    const started = modeGeneration();
    const result = await read();
    if (started === modeGeneration()) return result;
  }
}

export function getTree(): Promise<WorkspaceTree> {
  return readInCurrentMode(async () => {
    if (!isProposing()) return workspace.getTree();
    const [tree, draft] = await Promise.all([workspace.getTree(), refreshDraft()]);
    return overlayDraft(tree, draft.changes);
  });
}

export function readFile(path: string): Promise<LoadedFile> {
  return readInCurrentMode(() => readEditable(path));
}

async function readEditable(path: string): Promise<LoadedFile> {
  if (!isProposing()) return workspace.readFile(path);
  const draft = await drafts.readDraftFile(path);
  if (draft.state === "deleted") throw deletedInDraft(path);
  if (draft.state === "changed") return { path, etag: draft.etag, ...decode(draft.bytes) };
  const file = await workspace.readFile(path);
  return { ...file, etag: `${WORKSPACE_VERSION}${file.etag}` };
}

/**
 * Writes a file and returns its new ETag. In propose mode: the draft's version (`""` when the text is the
 * workspace's, so no change is left); `createOnly` is refused with a 412 when the path holds a file in the draft's
 * view; a draft that moved on since `ifMatch` is a 409 `draft_changed` carrying the draft's `currentEtag`.
 */
export async function writeFile(path: string, text: string, options: WriteOptions = {}): Promise<string> {
  if (!isProposing()) return workspace.writeFile(path, text, options);
  if (options.createOnly && (await existsInDraft(path))) {
    throw new ApiError(412, { error: "precondition_failed", message: `${path} exists already.`, currentEtag: null }, new Headers());
  }
  const ifMatch = options.ifMatch && !options.ifMatch.startsWith(WORKSPACE_VERSION) ? options.ifMatch : undefined;
  try {
    const change = await drafts.writeDraftFile(path, text, { ifMatch });
    return change?.etag ?? "";
  } catch (error) {
    if (error instanceof ApiError && error.code === "draft_changed") {
      throw new ApiError(error.status, { ...error.body, currentEtag: await currentDraftEtag(path) }, error.headers);
    }
    throw error;
  }
}

export async function deleteFile(path: string): Promise<void> {
  if (!isProposing()) return workspace.deleteFile(path);
  await drafts.deleteDraftFile(path);
}

/** A folder in the draft is its files: each one the draft still has is deleted. */
export async function deleteFolder(path: string): Promise<void> {
  if (!isProposing()) return workspace.deleteFolder(path);
  const tree = await getTree();
  const deleted = new Set(draftDeletions());
  for (const file of filesUnder(tree, path)) if (!deleted.has(file)) await drafts.deleteDraftFile(file);
}

export async function createFolder(path: string): Promise<void> {
  // Git records files, not folders: a folder exists in a pull request through the files in it.
  if (isProposing()) throw new Error(`A draft holds files, not empty folders: create a file in it instead (New file, e.g. ${path}/new-file.ts).`);
  return workspace.createFolder(path);
}

/** Renames a file or a folder (each file in it) in the draft; there, a taken target is refused (409 `exists`). */
export async function movePath(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<void> {
  if (!isProposing()) return workspace.movePath(from, to, options);
  const tree = await getTree();
  const inside = filesUnder(tree, from);
  if (inside.length === 0) {
    await drafts.moveDraftFile(from, to);
    return;
  }
  const deleted = new Set(draftDeletions());
  for (const file of inside) if (!deleted.has(file)) await drafts.moveDraftFile(file, to + file.slice(from.length));
}

/** Whether `path` is still at `etag` (a draft change's, or the workspace's in propose mode). */
export async function checkFile(path: string, etag: string): Promise<FileCheck> {
  if (!isProposing()) return workspace.checkFile(path, etag);
  const draft = await drafts.readDraftFile(path);
  if (draft.state === "deleted") return { status: "deleted" };
  if (draft.state === "changed") return draft.etag === etag ? { status: "unchanged" } : { status: "changed", etag: draft.etag };
  if (!etag.startsWith(WORKSPACE_VERSION)) return { status: "changed", etag: "" };
  const check = await workspace.checkFile(path, etag.slice(WORKSPACE_VERSION.length));
  return check.status === "changed" ? { status: "changed", etag: `${WORKSPACE_VERSION}${check.etag}` } : check;
}

/** The ETag the server holds now, from a 412 (or, in propose mode, a 409 `draft_changed`) answer. */
export function currentEtagOf(error: ApiError): string | undefined {
  return workspace.currentEtagOf(error);
}

/** A save that the server refused because the version it was made from is not the current one. */
export function isStaleWrite(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 412 || error.code === "draft_changed");
}

async function existsInDraft(path: string): Promise<boolean> {
  const draft = await drafts.readDraftFile(path);
  if (draft.state !== "not_in_draft") return draft.state === "changed";
  return (await workspace.checkFile(path, "*")).status !== "deleted";
}

/** The draft's version now: its change's ETag, the workspace's version (no change), or undefined (deleted). */
async function currentDraftEtag(path: string): Promise<string | undefined> {
  const draft = await drafts.readDraftFile(path).catch(() => undefined);
  if (draft?.state === "changed") return draft.etag;
  if (draft?.state === "not_in_draft") return `${WORKSPACE_VERSION}`;
  return undefined;
}

/** The paths the draft deletes, as last read (getTree reads the draft again first). */
function draftDeletions(): string[] {
  return (proposeMode.get().draft?.changes ?? []).filter((change) => change.kind === "deleted").map((change) => change.path);
}

function deletedInDraft(path: string): ApiError {
  return new ApiError(404, { error: "deleted_in_draft", message: `Your draft deletes ${path}: Revert it under Changes to bring it back.` }, new Headers());
}

/** The draft's bytes as text when they are UTF-8 (the draft route answers octet-stream for every file). */
function decode(bytes: Uint8Array): { text: string | undefined; contentType: string } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), contentType: "text/plain; charset=utf-8" };
  } catch {
    return { text: undefined, contentType: "application/octet-stream" };
  }
}
