// Pin and roll back: hold the workspace at one commit of the connected branch (an earlier synced commit), and
// let it follow the branch again. Admins only; both answer the connection status, which carries the pin.
import { describeConnection } from "../github-app/describe-connection.js";
import { pinWorkspace } from "../github-app/pin-workspace.js";
import { unpinWorkspace } from "../github-app/unpin-workspace.js";
import { actorName } from "../src/auth/principal.js";
import { readJsonBody } from "../src/json-body.js";
import type { ConnectionStatus, PinRequest, Unchecked } from "../src/api-types.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const githubPin = defineHttp({
  name: "githubPin",
  methods: ["POST"],
  route: "github/pin",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const body: Unchecked<PinRequest> = await readJsonBody(request.body as AsyncIterable<Uint8Array> | null, '{"sha": "<a commit from the sync history>"}');
    const record = await pinWorkspace(getGitHubRuntime(services), { sha: body.sha, pinnedBy: actorName(principal) });
    const status: ConnectionStatus = await describeConnection(services, { record });
    return { headers: { "cache-control": "no-store" }, jsonBody: status };
  },
});

export const githubUnpin = defineHttp({
  name: "githubUnpin",
  methods: ["DELETE"],
  route: "github/pin",
  role: "admin",
  handler: async (_request, { services, principal }) => {
    const record = await unpinWorkspace(getGitHubRuntime(services), { unpinnedBy: actorName(principal) });
    const status: ConnectionStatus = await describeConnection(services, { record });
    return { headers: { "cache-control": "no-store" }, jsonBody: status };
  },
});

export const githubPinTriggers = [githubPin, githubUnpin];
