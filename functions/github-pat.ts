// Managing a GitHub connection after it exists: replace a personal access token (rotate) and disconnect
// (either kind). Connecting is POST /api/github/connection (functions/github-connect.ts).
import { disconnectGitHub } from "../github-app/pat/disconnect-github.js";
import { replacePatToken } from "../github-app/pat/replace-pat-token.js";
import { describeConnection } from "../github-app/describe-connection.js";
import { readJsonBody } from "../src/json-body.js";
import { actorName } from "../src/auth/principal.js";
import type { ConnectionStatus, DisconnectResult, TokenReplacement, Unchecked } from "../src/api-types.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const githubReplaceToken = defineHttp({
  name: "githubReplaceToken",
  methods: ["PUT"],
  route: "github/connection/token",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const body: Unchecked<TokenReplacement> = await readJsonBody(request.body as AsyncIterable<Uint8Array> | null, '{"token": "…"}');
    const record = await replacePatToken(getGitHubRuntime(services), { token: body.token, rotatedBy: actorName(principal) });
    const status: ConnectionStatus = await describeConnection(services, { record });
    return { headers: { "cache-control": "no-store" }, jsonBody: status };
  },
});

export const githubDisconnect = defineHttp({
  name: "githubDisconnect",
  methods: ["DELETE"],
  route: "github/connection",
  role: "admin",
  handler: async (_request, { services, principal }) => {
    const result: DisconnectResult = await disconnectGitHub(getGitHubRuntime(services), { disconnectedBy: actorName(principal) });
    return { headers: { "cache-control": "no-store" }, jsonBody: result };
  },
});

export const githubPatTriggers = [githubReplaceToken, githubDisconnect];
