// "Connect with GitHub" (App path): installation page and its callback, the installation's repositories and
// a repository's branches, and POST /api/github/connection for both kinds (the PAT path lives in github-app/pat/).
import { connectWithApp } from "../github-app/connect-app.js";
import { completeInstallation, startInstallation } from "../github-app/connect-installation.js";
import { listInstallationRepositories } from "../github-app/installation-repositories.js";
import { listRepositoryBranches } from "../github-app/list-repository-branches.js";
import { describeConnection } from "../github-app/describe-connection.js";
import { connectWithPat } from "../github-app/pat/connect-pat.js";
import { BadRequestError } from "../src/errors.js";
import { readJsonBody } from "../src/json-body.js";
import { actorName } from "../src/auth/principal.js";
import { newFlowCookie, readFlowNonce } from "../src/auth/cookies.js";
import type { ConnectionRequest, ConnectionStatus, InstallationRepositoryList, RedirectAnswer, RepositoryBranches, Unchecked } from "../src/api-types.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

const CONNECTION_EXAMPLE = '{"kind": "app", "installationId": 123, "repository": "owner/name", "branch": "main"}';

// Starting is a POST that answers where to send the browser and sets the flow cookie: no GET changes state,
// and GitHub's redirect back must land in the browser that started the round trip (signed-state.ts).
export const githubConnect = defineHttp({
  name: "githubConnect",
  methods: ["POST"],
  route: "github/connect",
  role: "admin",
  handler: async (_request, { services, principal }) => {
    const flow = newFlowCookie(services.config);
    const answer: RedirectAnswer = { location: await startInstallation(getGitHubRuntime(services), principal!.userId, { browser: flow.nonce }) };
    return { jsonBody: answer, cookies: [flow.cookie] };
  },
});

export const githubConnectCallback = defineHttp({
  name: "githubConnectCallback",
  methods: ["GET"],
  route: "github/connect/callback",
  role: "admin",
  errorPage: { title: "Could not connect the GitHub App installation", backTo: "/settings/github", backLabel: "Back to Settings → GitHub" },
  handler: async (request, { services, principal }) => {
    const { query } = request;
    const result = await completeInstallation(
      getGitHubRuntime(services),
      { installationId: query.get("installation_id"), code: query.get("code"), state: query.get("state") },
      principal!.userId,
      { browser: readFlowNonce(request.headers, services.config) },
    );
    return { status: 302, headers: { location: result.location } };
  },
});

export const githubInstallationRepositories = defineHttp({
  name: "githubInstallationRepositories",
  methods: ["GET"],
  route: "github/installations/{installationId:int}/repositories",
  role: "admin",
  handler: async (request, { services }) => {
    const list: InstallationRepositoryList = { repositories: await listInstallationRepositories(getGitHubRuntime(services), Number(request.params.installationId)) };
    return { headers: { "cache-control": "no-store" }, jsonBody: list };
  },
});

export const githubRepositoryBranches = defineHttp({
  name: "githubRepositoryBranches",
  methods: ["GET"],
  route: "github/installations/{installationId:int}/repositories/{owner}/{repo}/branches",
  role: "admin",
  handler: async (request, { services }) => {
    const { installationId, owner, repo } = request.params;
    const listing: RepositoryBranches = await listRepositoryBranches(getGitHubRuntime(services), { installationId: Number(installationId), repository: `${owner}/${repo}` });
    return { headers: { "cache-control": "no-store" }, jsonBody: listing };
  },
});

export const githubCreateConnection = defineHttp({
  name: "githubCreateConnection",
  methods: ["POST"],
  route: "github/connection",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const body: Unchecked<ConnectionRequest> = await readJsonBody(request.body as AsyncIterable<Uint8Array> | null, CONNECTION_EXAMPLE);
    const connectedBy = actorName(principal);
    const runtime = getGitHubRuntime(services);
    let record;
    if (body.kind === "app") {
      record = await connectWithApp(runtime, {
        installationId: body.installationId,
        repository: body.repository,
        branch: body.branch,
        acknowledgeOverwrite: body.acknowledgeOverwrite,
        connectedBy,
      });
    } else if (body.kind === "pat") {
      record = await connectWithPat(
        { token: body.token, repository: body.repository, branch: body.branch, acknowledgeOverwrite: body.acknowledgeOverwrite, connectedBy },
        services,
      );
    } else {
      throw new BadRequestError('"kind" must be "app" (GitHub App installation) or "pat" (personal access token).', { code: "invalid_kind" });
    }
    const status: ConnectionStatus = await describeConnection(services, { record });
    return { status: 201, jsonBody: status };
  },
});

export const githubConnectTriggers = [
  githubConnect,
  githubConnectCallback,
  githubInstallationRepositories,
  githubRepositoryBranches,
  githubCreateConnection,
];
