// Connection status and control: status, sync history, "Sync now".
import { describeConnection, listSyncRuns } from "../github-app/describe-connection.js";
import { previewConnectionSync } from "../github-app/preview-connection-sync.js";
import { requestSync } from "../github-app/request-sync.js";
import { BadRequestError } from "../src/errors.js";
import { readJsonBody } from "../src/json-body.js";
import { actorName } from "../src/auth/principal.js";
import type { ConnectionStatus, ConnectRequest, SyncPreview, SyncRequested, SyncRunList, Unchecked } from "../src/api-types.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const githubConnectionStatus = defineHttp({
  name: "githubConnectionStatus",
  methods: ["GET"],
  route: "github/connection",
  role: "reader",
  handler: async (_request, { services }) => {
    const status: ConnectionStatus = await describeConnection(services);
    return { headers: { "cache-control": "no-store" }, jsonBody: status };
  },
});

export const githubSyncRuns = defineHttp({
  name: "githubSyncRuns",
  methods: ["GET"],
  route: "github/sync-runs",
  role: "reader",
  handler: async (request, { services }) => {
    const text = request.query.get("limit") ?? "20";
    const limit = Number(text);
    if (!/^\d+$/.test(text) || limit < 1 || limit > 200) throw new BadRequestError("limit must be a whole number from 1 to 200.");
    const list: SyncRunList = { runs: await listSyncRuns(services, limit) };
    return { headers: { "cache-control": "no-store" }, jsonBody: list };
  },
});

export const githubSyncNow = defineHttp({
  name: "githubSyncNow",
  methods: ["POST"],
  route: "github/sync",
  role: "operator",
  handler: async (_request, { services, principal }) => {
    const job = await requestSync(services, { requestedBy: actorName(principal) });
    const answer: SyncRequested = { queued: true, trigger: job.trigger, branch: job.branch, requestedAt: job.requestedAt };
    return { status: 202, jsonBody: answer };
  },
});

export const githubSyncPreview = defineHttp({
  name: "githubSyncPreview",
  methods: ["POST"],
  route: "github/sync/preview",
  role: "admin",
  handler: async (request, { services }) => {
    // Empty previews the active connection; a body previews a connection about to be made.
    const body: Unchecked<ConnectRequest> = await readJsonBody(
      request.body as AsyncIterable<Uint8Array> | null,
      '{"kind": "pat", "token": "…", "repository": "owner/name", "branch": "main"}',
      { allowEmpty: true },
    );
    const preview: SyncPreview = await previewConnectionSync(getGitHubRuntime(services), body);
    return { headers: { "cache-control": "no-store" }, jsonBody: preview };
  },
});

export const githubStatusTriggers = [githubConnectionStatus, githubSyncRuns, githubSyncNow, githubSyncPreview];
