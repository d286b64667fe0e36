// Drafts of proposed changes on a GitHub-connected workspace (issue 21): each admin's own draft (src/drafts/),
// its check against the branch and the pull request made from it (github-app/propose-draft.ts). The workspace
// folder is never written here. Admins only: a draft is code for the repository and is run with the workspace's
// secrets (POST /api/drafts/mine/runs/{name}), which is what the admin role already allows.
import type { HttpRequest } from "@azure/functions";
import { completeProposalAuthorization, startProposalAuthorization } from "../github-app/authorize-proposal.js";
import { authorMode, checkDraft, proposeDraft, readProposalText, type Proposer } from "../github-app/propose-draft.js";
import { newFlowCookie } from "../src/auth/cookies.js";
import { actorName, type Principal } from "../src/auth/principal.js";
import { DraftStore, MAX_DRAFT_FILE_BYTES } from "../src/azure/draft-store.js";
import { TABLES } from "../src/azure/resources.js";
import { deleteDraftFile, discardDraft, revertDraftChange } from "../src/drafts/delete-draft-file.js";
import { DEFAULT_MAX_DRAFT_CHANGES, type DraftDeps } from "../src/drafts/draft-deps.js";
import { moveDraftFile } from "../src/drafts/move-draft-file.js";
import { loadDraftOverlay } from "../src/drafts/load-draft-overlay.js";
import { readDraft, readDraftFile } from "../src/drafts/read-draft.js";
import { readRunRequest } from "../src/engine/read-run-request.js";
import { FINISHED_STATUSES } from "../src/engine/run-record.js";
import { writeDraftFile } from "../src/drafts/write-draft-file.js";
import { UnauthorizedError } from "../src/errors.js";
import { readJsonBody, requireString } from "../src/json-body.js";
import type {
  Draft,
  DraftCheck,
  DraftDeleteResult,
  DraftFileWritten,
  DraftMoveRequest,
  DraftProposal,
  ProposeAnswer,
  ProposeRequest,
  RunRecord,
  Unchecked,
  WorkflowList,
} from "../src/api-types.js";
import { defineHttp, type Trigger } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";
import type { Services } from "./services.js";

const NO_STORE = { "cache-control": "no-store" };

export function draftDeps({ config, connections, storage }: Services): DraftDeps {
  return {
    drafts: new DraftStore(storage.table(TABLES.drafts)),
    workspaceDir: config.workspaceDir,
    connections,
    maxFileBytes: Math.min(config.maxFileBytes, MAX_DRAFT_FILE_BYTES),
    maxChanges: DEFAULT_MAX_DRAFT_CHANGES,
  };
}

/** The caller as a draft owner; `signedInWithApp`: funcspace's own GitHub sign-in (AUTH_MODE=github). */
export function proposerOf(principal: Principal | undefined): Proposer {
  if (!principal) throw new UnauthorizedError();
  return {
    identityProvider: principal.identityProvider,
    userId: principal.userId,
    name: actorName(principal) ?? principal.userId,
    signedInWithApp: principal.identityProvider === "github",
  };
}

const bodyOf = (request: HttpRequest): AsyncIterable<Uint8Array> =>
  (request.body as AsyncIterable<Uint8Array> | null) ?? (async function* () {})();

export const draftRead = defineHttp({
  name: "draftRead",
  methods: ["GET"],
  route: "drafts/mine",
  role: "admin",
  handler: async (_request, { services, principal }) => {
    const draft: Draft = await readDraft(draftDeps(services), proposerOf(principal));
    return { headers: NO_STORE, jsonBody: draft };
  },
});

export const draftDiscard = defineHttp({
  name: "draftDiscard",
  methods: ["DELETE"],
  route: "drafts/mine",
  role: "admin",
  handler: async (_request, { services, principal }) => {
    await discardDraft(draftDeps(services), proposerOf(principal));
    return { status: 204 };
  },
});

export const draftFileRead = defineHttp({
  name: "draftFileRead",
  methods: ["GET"],
  route: "drafts/mine/files/{*path}",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const file = await readDraftFile(draftDeps(services), proposerOf(principal), request.params.path ?? "");
    // Like the files API: never rendered as a page on the API's origin.
    return {
      headers: { ...NO_STORE, etag: file.etag, "content-type": "application/octet-stream", "x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'; sandbox" },
      body: file.content,
    };
  },
});

export const draftFileWrite = defineHttp({
  name: "draftFileWrite",
  methods: ["PUT"],
  route: "drafts/mine/files/{*path}",
  role: "admin",
  body: "bytes",
  handler: async (request, { services, principal }) => {
    const length = request.headers.get("content-length");
    const change = await writeDraftFile(draftDeps(services), proposerOf(principal), request.params.path ?? "", bodyOf(request), {
      ifMatch: request.headers.get("if-match") ?? undefined,
      contentLength: length === null ? undefined : Number(length),
    });
    // No change left (the content is the workspace's own): 204, the path is back to the workspace's state.
    if (!change) return { status: 204 };
    const written: DraftFileWritten = { change };
    return { headers: { ...NO_STORE, etag: change.etag }, jsonBody: written };
  },
});

export const draftFileDelete = defineHttp({
  name: "draftFileDelete",
  methods: ["DELETE"],
  route: "drafts/mine/files/{*path}",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const change = await deleteDraftFile(draftDeps(services), proposerOf(principal), request.params.path ?? "", {
      ifMatch: request.headers.get("if-match") ?? undefined,
    });
    const result: DraftDeleteResult = change ? { change } : {};
    return { headers: NO_STORE, jsonBody: result };
  },
});

export const draftChangeRevert = defineHttp({
  name: "draftChangeRevert",
  methods: ["DELETE"],
  route: "drafts/mine/changes/{*path}",
  role: "admin",
  handler: async (request, { services, principal }) => {
    await revertDraftChange(draftDeps(services), proposerOf(principal), request.params.path ?? "");
    return { status: 204 };
  },
});

export const draftMove = defineHttp({
  name: "draftMove",
  methods: ["POST"],
  route: "drafts/mine/moves",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const body: Unchecked<DraftMoveRequest> = await readJsonBody(request.body as AsyncIterable<Uint8Array> | null, '{"from": "flows/a.ts", "to": "flows/b.ts"}');
    const change = await moveDraftFile(draftDeps(services), proposerOf(principal), requireString(body, "from", `"flows/a.ts"`), requireString(body, "to", `"flows/b.ts"`));
    const written: DraftDeleteResult = change ? { change } : {};
    return { headers: NO_STORE, jsonBody: written };
  },
});

export const draftCheck = defineHttp({
  name: "draftCheck",
  methods: ["GET"],
  route: "drafts/mine/check",
  role: "admin",
  handler: async (_request, { services, principal }) => {
    const check: DraftCheck = await checkDraft(getGitHubRuntime(services), draftDeps(services), proposerOf(principal));
    return { headers: NO_STORE, jsonBody: check };
  },
});

export const draftPropose = defineHttp({
  name: "draftPropose",
  methods: ["POST"],
  route: "drafts/mine/pull-request",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const body: Unchecked<ProposeRequest> = await readJsonBody(request.body as AsyncIterable<Uint8Array> | null, '{"title": "Fix the greeting", "body": "Why"}');
    const text = readProposalText(body);
    const runtime = getGitHubRuntime(services);
    const deps = draftDeps(services);
    const proposer = proposerOf(principal);
    const record = (await services.connections.get())?.record;
    if (record && authorMode(record, proposer) === "user") {
      // Written as the person: the browser first goes through GitHub's authorization (authorize-proposal.ts).
      const flow = newFlowCookie(services.config);
      const answer: ProposeAnswer = { kind: "authorize", url: await startProposalAuthorization(runtime, deps, proposer, text, { browser: flow.nonce }) };
      return { status: 202, headers: NO_STORE, jsonBody: answer, cookies: [flow.cookie] };
    }
    const answer: ProposeAnswer = await proposeDraft(runtime, deps, proposer, text);
    return { status: 201, headers: { ...NO_STORE, location: answer.url }, jsonBody: answer };
  },
});

export const draftWorkflows = defineHttp({
  name: "draftWorkflows",
  methods: ["GET"],
  route: "drafts/mine/workflows",
  role: "admin",
  handler: async (_request, { services, principal }) => {
    const overlay = await loadDraftOverlay(draftDeps(services), proposerOf(principal));
    const list: WorkflowList = await services.engine.listWorkflows({ overlay });
    return { headers: NO_STORE, jsonBody: list };
  },
});

export const draftRun = defineHttp({
  name: "draftRun",
  methods: ["POST"],
  route: "drafts/mine/runs/{name}",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const { params } = await readRunRequest(request.body as AsyncIterable<Uint8Array> | null);
    const overlay = await loadDraftOverlay(draftDeps(services), proposerOf(principal));
    // Waited for, like a run from the editor: a queued job cannot carry the draft's files (src/engine/README.md).
    const run: RunRecord = await services.engine.startRun(request.params.name ?? "", params, { wait: true, overlay, startedBy: actorName(principal) });
    const headers = { ...NO_STORE, location: `/api/runs/${run.id}` };
    return { status: FINISHED_STATUSES.includes(run.status) ? 200 : 202, headers, jsonBody: run };
  },
});

/** GitHub's return from a proposal's authorization (dispatched from the sign-in callback: functions/auth.ts). */
export async function finishProposal(request: HttpRequest, services: Services, principal: Principal | undefined, browser: string | undefined): Promise<DraftProposal> {
  return completeProposalAuthorization(
    getGitHubRuntime(services),
    draftDeps(services),
    proposerOf(principal),
    { code: request.query.get("code"), state: request.query.get("state") },
    { browser },
  );
}

export const draftTriggers: Trigger[] = [draftRead, draftDiscard, draftFileRead, draftFileWrite, draftFileDelete, draftChangeRevert, draftMove, draftCheck, draftPropose, draftWorkflows, draftRun];
