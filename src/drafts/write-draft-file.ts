// Records the draft's content of a path (PUT /api/drafts/mine/files/{path}). The first change of a path takes
// the workspace's version as its base (its git blob id: the pull request's conflict check compares the branch
// with it); a later write keeps that base. Content equal to the workspace's drops the change: the path is back
// to the workspace's state. The workspace folder is read, never written.
import { ConflictError, PayloadTooLargeError } from "../errors.js";
import type { DraftChange } from "../api-types.js";
import { hashGitBlob } from "../sync/git-blob.js";
import { drainBody } from "../workspace/drain-body.js";
import { assertVisiblePath } from "../workspace/hidden-names.js";
import { normalizeRelativePath } from "../workspace/safe-path.js";
import { assertShareName } from "../workspace/share-names.js";
import { assertDraftable, assertRoomFor, assertTotalRoom, draftCaseTwin, notAFile } from "./draft-rules.js";
import type { DraftCallOptions, DraftCaller, DraftDeps } from "./draft-deps.js";
import { readWorkspaceVersion } from "./workspace-version.js";

export interface WriteDraftOptions extends DraftCallOptions {
  /** `If-Match`: the etag of the path's change this write replaces (412 when it moved on). */
  ifMatch?: string;
  /** Declared Content-Length, to refuse an oversized body before reading it. */
  contentLength?: number;
  /** The change comes from a rename of this path (move-draft-file.ts). */
  renamedFrom?: string;
  /** A path whose other spelling is no clash (the source of a rename that changes letter case only). */
  allowTwin?: string;
}

/** The recorded change, or `undefined` when the content is the workspace's own (no change left). */
export async function writeDraftFile(
  deps: DraftDeps,
  caller: DraftCaller,
  path: string,
  body: AsyncIterable<Uint8Array> | Buffer,
  options: WriteDraftOptions = {},
): Promise<DraftChange | undefined> {
  const relative = checkDraftPath(path);
  const content = Buffer.isBuffer(body) ? checkSize(body, relative, deps.maxFileBytes) : await readLimited(body, relative, deps.maxFileBytes, options.contentLength);
  const record = await assertDraftable(deps, options);

  const changes = await deps.drafts.listChanges(caller, options);
  const existing = changes.find((c) => c.path === relative);
  const others = changes.filter((c) => c !== existing);
  if (options.ifMatch && existing?.etag !== options.ifMatch) {
    throw new ConflictError(`Your draft of "${relative}" changed in another tab or window since you opened it. Reload it, then apply your edit again.`, {
      code: "draft_changed",
    });
  }
  let baseBlobSha = existing?.baseBlobSha;
  let added = existing?.kind === "added";
  if (!existing) {
    const workspace = await readWorkspaceVersion(deps.workspaceDir, relative);
    if (workspace.kind === "folder" || workspace.kind === "other") throw notAFile(relative, workspace.kind);
    if (workspace.kind === "file") baseBlobSha = workspace.blobSha;
    else {
      added = true;
      await draftCaseTwin(deps, others, relative, { allow: options.allowTwin });
    }
    assertRoomFor(deps, others);
  }
  assertTotalRoom(deps, others, content.byteLength);
  // Back to the workspace's bytes: nothing left to propose for this path.
  if (!added && baseBlobSha === hashGitBlob(content) && !options.renamedFrom) {
    await deps.drafts.deleteChange(caller, relative, { ...options, ifMatch: existing?.etag });
    return undefined;
  }
  const now = new Date().toISOString();
  const change = await deps.drafts.putChange(
    caller,
    {
      path: relative,
      kind: added ? "added" : "modified",
      ...(baseBlobSha ? { baseBlobSha } : {}),
      ...((options.renamedFrom ?? existing?.renamedFrom) ? { renamedFrom: options.renamedFrom ?? existing?.renamedFrom } : {}),
      updatedAt: now,
    },
    content,
    { ...options, ifMatch: existing?.etag ?? "absent" },
  );
  await touchDraft(deps, caller, { now, startsWith: others.length === 0 ? record.appliedSha : undefined }, options);
  return change;
}

/** The checks of the files API for a name the workspace could hold: a draft can only propose what a sync can apply. */
export function checkDraftPath(path: string): string {
  const relative = normalizeRelativePath(path);
  assertShareName(relative);
  assertVisiblePath(relative);
  return relative;
}

/**
 * Notes when the draft last changed and, for its first change (`startsWith` given), the commit it starts from.
 * Informational only: a write of the meta row that loses to another tab's is not worth failing the edit for.
 */
export async function touchDraft(deps: DraftDeps, caller: DraftCaller, touch: { now: string; startsWith?: string }, options: DraftCallOptions): Promise<void> {
  await deps.drafts.updateMeta(caller, { updatedAt: touch.now, ...(touch.startsWith ? { baseSha: touch.startsWith } : {}) }, options).catch(() => undefined);
}

function checkSize(content: Buffer, relative: string, maxBytes: number): Buffer {
  if (content.byteLength > maxBytes) throw tooLargeForDraft(relative, maxBytes);
  return content;
}

const tooLargeForDraft = (relative: string, maxBytes: number) =>
  new PayloadTooLargeError(
    `"${relative}" is larger than the ${Math.floor(maxBytes / 1024)} KiB a draft can hold for one file. Nothing was written; change a file this big in a clone.`,
    { details: { maxBytes } },
  );

async function readLimited(body: AsyncIterable<Uint8Array>, relative: string, maxBytes: number, declared: number | undefined): Promise<Buffer> {
  const iterator = body[Symbol.asyncIterator]();
  const refuse = () => tooLargeForDraft(relative, maxBytes);
  if (declared !== undefined && declared > maxBytes) {
    await drainBody(iterator);
    throw refuse();
  }
  const parts: Buffer[] = [];
  let total = 0;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    total += next.value.byteLength;
    if (total > maxBytes) {
      await drainBody(iterator);
      throw refuse();
    }
    parts.push(Buffer.from(next.value));
  }
  return Buffer.concat(parts);
}
