// The caller's draft of a GitHub-connected workspace (functions/drafts.ts; admins only): its changes, each
// file's draft bytes, writes, deletes, renames and reverts, the check before proposing, the pull request, and the
// draft's version of the workflows (listed, and run). The workspace folder is never written through these routes.
import { ApiError, callApi, encodePath, getJson, sendJson } from "./client.js";

// Shapes shared with the server: src/api-types.ts (type-only, nothing of the server reaches the bundle).
export type {
  Draft,
  DraftAuthorMode,
  DraftChange,
  DraftChangeKind,
  DraftCheck,
  DraftConflict,
  DraftProposal,
  ProposeAnswer,
} from "../../../src/api-types.js";
import type {
  Draft,
  DraftChange,
  DraftCheck,
  DraftConflict,
  DraftDeleteResult,
  DraftFileWritten,
  DraftMoveRequest,
  ProposeAnswer,
  ProposeRequest,
  RunRecord,
  RunRequest,
  WorkflowList,
} from "../../../src/api-types.js";

const draftFileUrl = (path: string) => `/api/drafts/mine/files/${encodePath(path)}`;

export function getDraft(): Promise<Draft> {
  return getJson<Draft>("/api/drafts/mine", { cache: "no-store" });
}

/**
 * The draft's bytes of `path` and its change's etag; `not_in_draft` when the draft leaves the path as the
 * workspace has it, `deleted` when the draft deletes it.
 */
export type DraftFileRead = { state: "changed"; bytes: Uint8Array; etag: string } | { state: "not_in_draft" } | { state: "deleted" };

export async function readDraftFile(path: string): Promise<DraftFileRead> {
  try {
    const response = await callApi(draftFileUrl(path), { cache: "no-store" });
    return { state: "changed", bytes: new Uint8Array(await response.arrayBuffer()), etag: response.headers.get("etag") ?? "" };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.code === "not_in_draft") return { state: "not_in_draft" };
    if (error instanceof ApiError && error.status === 404 && error.code === "deleted_in_draft") return { state: "deleted" };
    throw error;
  }
}

/**
 * Writes the draft's version of `path`. `ifMatch`: the change's etag as last read (409 `draft_changed` when the
 * draft moved on since). Resolves with the change now recorded, or `undefined` when the text is the workspace's
 * own (204: the path has no change left).
 */
export async function writeDraftFile(path: string, text: string, options: { ifMatch?: string } = {}): Promise<DraftChange | undefined> {
  const headers: Record<string, string> = { "content-type": "application/octet-stream", accept: "application/json" };
  if (options.ifMatch) headers["if-match"] = options.ifMatch;
  const response = await callApi(draftFileUrl(path), { method: "PUT", headers, body: new TextEncoder().encode(text) });
  if (response.status === 204) return undefined;
  return ((await response.json()) as DraftFileWritten).change;
}

/** The draft deletes `path` (a workspace file), or forgets it (a file the draft added: `change` absent). */
export async function deleteDraftFile(path: string, options: { ifMatch?: string } = {}): Promise<DraftDeleteResult> {
  return sendJson<DraftDeleteResult>("DELETE", draftFileUrl(path), undefined, options.ifMatch ? { headers: { "if-match": options.ifMatch } } : {});
}

/** Renames a file in the draft: `to` gets its content, `from` becomes a deletion (409 `exists` when `to` is taken). */
export function moveDraftFile(from: string, to: string): Promise<DraftDeleteResult> {
  const body: DraftMoveRequest = { from, to };
  return sendJson<DraftDeleteResult>("POST", "/api/drafts/mine/moves", body);
}

/** Forgets the draft's change of `path` (a rename's old path comes back with it). */
export async function revertDraftChange(path: string): Promise<void> {
  await sendJson("DELETE", `/api/drafts/mine/changes/${encodePath(path)}`);
}

/** Forgets every change of the draft. */
export async function discardDraft(): Promise<void> {
  await sendJson("DELETE", "/api/drafts/mine");
}

/** What "Open pull request" would do now: base, head, author, conflicts, and whether it can go ahead. */
export function checkDraft(): Promise<DraftCheck> {
  return getJson<DraftCheck>("/api/drafts/mine/check", { cache: "no-store" });
}

/** Opens the pull request (201 `opened`), or answers where the browser must go first (202 `authorize`). */
export function proposeDraft(title: string, body: string): Promise<ProposeAnswer> {
  const request: ProposeRequest = { title, body };
  return sendJson<ProposeAnswer>("POST", "/api/drafts/mine/pull-request", request);
}

/** The conflicts a 409 `draft_conflicts` lists (the draft changed upstream or in the workspace meanwhile). */
export function conflictsOf(error: unknown): DraftConflict[] {
  if (!(error instanceof ApiError) || error.code !== "draft_conflicts") return [];
  const conflicts = error.body.conflicts;
  return Array.isArray(conflicts) ? (conflicts as DraftConflict[]) : [];
}

/** The workflows as they would be once the draft is merged (the draft's added, changed and broken ones included). */
export function listDraftWorkflows(): Promise<WorkflowList> {
  return getJson<WorkflowList>("/api/drafts/mine/workflows", { cache: "no-store" });
}

/**
 * Runs the draft's version of a workflow (the draft's files over the workspace's; nothing is written). A draft
 * run cannot be queued (its files would not fit a queue message), so the answer is the finished record, or the
 * record of a run still going when the server stopped waiting (202), which the run view then follows.
 */
export function runDraftWorkflow(name: string, params: Record<string, unknown>): Promise<RunRecord> {
  const body: RunRequest = { params };
  return sendJson<RunRecord>("POST", `/api/drafts/mine/runs/${encodeURIComponent(name)}`, body);
}
