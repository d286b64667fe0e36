// The draft deletes a path (DELETE /api/drafts/mine/files/{path}): a workspace file becomes a `deleted` change
// (keeping the base the pull request's conflict check needs); a file only the draft added is simply forgotten.
import type { DraftChange } from "../api-types.js";
import { ConflictError, NotFoundError } from "../errors.js";
import { notAFile, assertDraftable, assertRoomFor } from "./draft-rules.js";
import type { DraftCallOptions, DraftCaller, DraftDeps } from "./draft-deps.js";
import { checkDraftPath, touchDraft } from "./write-draft-file.js";
import { readWorkspaceVersion } from "./workspace-version.js";

export interface DeleteDraftOptions extends DraftCallOptions {
  ifMatch?: string;
}

/** The `deleted` change now recorded, or `undefined` when the path is back to the workspace's state (absent). */
export async function deleteDraftFile(deps: DraftDeps, caller: DraftCaller, path: string, options: DeleteDraftOptions = {}): Promise<DraftChange | undefined> {
  const relative = checkDraftPath(path);
  const record = await assertDraftable(deps, options);
  const changes = await deps.drafts.listChanges(caller, options);
  const existing = changes.find((c) => c.path === relative);
  const others = changes.filter((c) => c !== existing);
  if (options.ifMatch && existing?.etag !== options.ifMatch) {
    throw new ConflictError(`Your draft of "${relative}" changed in another tab or window since you opened it. Reload it, then try again.`, { code: "draft_changed" });
  }
  if (existing?.kind === "deleted") return existing;
  if (existing?.kind === "added") {
    await deps.drafts.deleteChange(caller, relative, { ...options, ifMatch: existing.etag });
    return undefined;
  }
  let baseBlobSha = existing?.baseBlobSha;
  if (!existing) {
    const workspace = await readWorkspaceVersion(deps.workspaceDir, relative);
    if (workspace.kind === "absent") throw new NotFoundError(`"${relative}" is neither in the workspace nor in your draft.`);
    if (workspace.kind !== "file") throw notAFile(relative, workspace.kind);
    baseBlobSha = workspace.blobSha;
    assertRoomFor(deps, others);
  }
  const now = new Date().toISOString();
  const change = await deps.drafts.putChange(
    caller,
    { path: relative, kind: "deleted", ...(baseBlobSha ? { baseBlobSha } : {}), updatedAt: now },
    undefined,
    { ...options, ifMatch: existing?.etag ?? "absent" },
  );
  await touchDraft(deps, caller, { now, startsWith: others.length === 0 ? record.appliedSha : undefined }, options);
  return change;
}

/** Forgets the draft's change of `path` (DELETE /api/drafts/mine/changes/{path}): the workspace's version is back. */
export async function revertDraftChange(deps: DraftDeps, caller: DraftCaller, path: string, options: DraftCallOptions = {}): Promise<void> {
  const relative = checkDraftPath(path);
  const existing = await deps.drafts.getChange(caller, relative, options);
  if (!existing) return;
  await deps.drafts.deleteChange(caller, relative, { ...options, ifMatch: existing.etag });
  // A renamed file comes back at its old place too: its old path's deletion was half of the rename.
  if (existing.renamedFrom) {
    const source = await deps.drafts.getChange(caller, existing.renamedFrom, options);
    if (source?.kind === "deleted") await deps.drafts.deleteChange(caller, existing.renamedFrom, { ...options, ifMatch: source.etag });
  }
}

/** Forgets every change of the caller's draft (DELETE /api/drafts/mine). */
export async function discardDraft(deps: DraftDeps, caller: DraftCaller, options: DraftCallOptions = {}): Promise<void> {
  await deps.drafts.clearChanges(caller, options);
  await deps.drafts.updateMeta(caller, { baseSha: null, updatedAt: new Date().toISOString() }, options);
}
