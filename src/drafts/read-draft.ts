// The caller's draft: its changed paths (GET /api/drafts/mine) and the draft's content of one path.
import type { Draft } from "../api-types.js";
import { NotFoundError } from "../errors.js";
import { normalizeRelativePath } from "../workspace/safe-path.js";
import type { DraftCallOptions, DraftCaller, DraftDeps } from "./draft-deps.js";

export async function readDraft(deps: DraftDeps, caller: DraftCaller, options: DraftCallOptions = {}): Promise<Draft> {
  const [meta, changes] = await Promise.all([deps.drafts.getMeta(caller, options), deps.drafts.listChanges(caller, options)]);
  return {
    changes,
    ...(changes.length > 0 && meta.baseSha ? { baseSha: meta.baseSha } : {}),
    ...(meta.updatedAt ? { updatedAt: meta.updatedAt } : {}),
    ...(meta.lastProposal ? { lastProposal: meta.lastProposal } : {}),
    limits: { maxFileBytes: deps.maxFileBytes, maxChanges: deps.maxChanges },
  };
}

export interface DraftFileContent {
  content: Buffer;
  etag: string;
}

/** The draft's bytes of `path`; 404 when the draft does not change the path, or deletes it. */
export async function readDraftFile(deps: DraftDeps, caller: DraftCaller, path: string, options: DraftCallOptions = {}): Promise<DraftFileContent> {
  const relative = normalizeRelativePath(path);
  const change = await deps.drafts.getChange(caller, relative, options);
  if (!change) throw new NotFoundError(`Your draft does not change "${relative}": the workspace's version is the one to read.`, { code: "not_in_draft" });
  if (!change.content) throw new NotFoundError(`Your draft deletes "${relative}".`, { code: "deleted_in_draft" });
  return { content: change.content, etag: change.etag };
}
