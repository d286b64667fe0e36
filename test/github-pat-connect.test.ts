// Connect by personal access token (POST /api/github/connection {kind: "pat"}), through the real local host,
// against the GitHub stand-in and Azurite: what is validated before anything is stored, and what a
// successful connect leaves behind (secret, record, webhook or polling, initial sync job).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Octokit } from "@octokit/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QUEUES } from "../src/azure/resources.js";
import { patSecretName, webhookSecretName } from "../src/azure/secret-names.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import type { SyncJob } from "../src/sync/sync-job.js";
import { startGitHubStandIn, type GitHubStandIn, type TokenGrant } from "./support/github-stand-in/index.js";
import { classicToken, fineGrainedToken } from "./support/pat-tokens.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

describe("connect with a personal access token", () => {
  let github: GitHubStandIn;
  let host: TestHost;
  let headSha: string;
  const adminToken = classicToken();

  beforeAll(async () => {
    github = await startGitHubStandIn();
    const repo = await github.createRepository("octo-user/private-site", { private: true, collaborators: { "write-user": "write" } });
    headSha = await repo.commit({ "workflows/hello.ts": "export default 1;\n" });
    github.addToken(adminToken, { type: "classic", scopes: ["repo"] });
    host = await startTestHost({
      enableQueues: false,
      env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, PUBLIC_URL: "https://funcspace.example.net" },
    });
  });
  afterAll(async () => {
    await host?.close();
    await github?.close();
  });
  afterEach(async () => {
    // Each test starts disconnected, with an empty workspace and queue.
    if (await host.services.connections.get()) {
      const response = await host.fetch("/api/github/connection", { method: "DELETE" });
      expect(response.status).toBe(200);
    }
    await host.services.storage.queue(QUEUES.workspaceSync).clearMessages();
  });

  const connect = (body: Record<string, unknown>) =>
    host.fetch("/api/github/connection", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "pat", repository: "octo-user/private-site", branch: "main", ...body }),
    });
  const secretFile = async () => JSON.parse(await readFile(host.config.localSecretsFile, "utf8").catch(() => "{}")) as Record<string, string>;
  const queuedJobs = async (): Promise<SyncJob[]> => {
    const { peekedMessageItems } = await host.services.storage.queue(QUEUES.workspaceSync).peekMessages({ numberOfMessages: 32 });
    return peekedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")) as SyncJob);
  };
  const hooksOf = async (token = adminToken) =>
    (await new Octokit({ auth: token, baseUrl: github.apiUrl }).request("GET /repos/{owner}/{repo}/hooks", { owner: "octo-user", repo: "private-site" })).data;
  /** Nothing was stored: no record, no secret, no job, no webhook. */
  const expectNothingStored = async () => {
    expect(await host.services.connections.get()).toBeUndefined();
    expect(await secretFile()).toEqual({});
    expect(await queuedJobs()).toEqual([]);
    expect(await hooksOf()).toEqual([]);
  };

  it.each([
    {
      name: "a token GitHub does not know",
      token: classicToken(),
      grant: undefined,
      status: 400,
      code: "token_rejected",
      message: /^GitHub rejected this token/,
    },
    {
      name: "a classic token without the repo scope (private repository)",
      token: classicToken(),
      grant: { type: "classic", scopes: ["public_repo", "admin:repo_hook"] } satisfies TokenGrant,
      status: 400,
      code: "repository_not_found",
      message: /not found, or this token cannot see it \(GitHub answered 404\).*the `repo` scope/,
    },
    {
      name: "a fine-grained token not given the repository",
      token: fineGrainedToken(),
      grant: { type: "fine-grained", repositories: ["octo-user/other"], permissions: { contents: "read" } } satisfies TokenGrant,
      status: 400,
      code: "repository_not_found",
      message: /GitHub answered 404\).*Contents: read \(fine-grained token\)/,
    },
    {
      name: "a fine-grained token with the repository but without Contents: read",
      token: fineGrainedToken(),
      grant: { type: "fine-grained", repositories: ["octo-user/private-site"], permissions: { webhooks: "write" } } satisfies TokenGrant,
      status: 400,
      code: "contents_forbidden",
      message: /can see octo-user\/private-site but not its files \(GitHub answered 403: Resource not accessible by personal access token\)\. Grant it Contents: read/,
    },
  ])("refuses $name before storing anything", async ({ token, grant, status, code, message }) => {
    if (grant) github.addToken(token, grant);
    const response = await connect({ token });
    const body = (await response.json()) as { error: string; message: string };
    expect(response.status).toBe(status);
    expect(body.error).toBe(code);
    expect(body.message).toMatch(message);
    expect(JSON.stringify(body)).not.toContain(token);
    await expectNothingStored();
  });

  it("refuses a branch that does not exist, and malformed input, with what to fix", async () => {
    let response = await connect({ token: adminToken, branch: "nope" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "branch_not_found", message: 'Branch "nope" does not exist in octo-user/private-site. Pick an existing branch.' });
    response = await connect({ token: adminToken, repository: "not a repo" });
    expect(await response.json()).toMatchObject({ error: "invalid_repository" });
    response = await connect({ token: "" });
    expect(await response.json()).toMatchObject({ error: "invalid_token" });
    response = await connect({ token: adminToken, repository: adminToken }); // a token pasted in the wrong field
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).not.toContain(adminToken);
    await expectNothingStored();
  });

  it("refuses a non-empty workspace without acknowledgeOverwrite and points at the zip", async () => {
    await mkdir(path.join(host.workspaceDir, "workflows"), { recursive: true });
    await writeFile(path.join(host.workspaceDir, "workflows", "mine.ts"), "export default 2;\n");
    const response = await connect({ token: adminToken });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: "workspace_not_empty", zipUrl: "/api/workspace/zip", message: expect.stringContaining("acknowledgeOverwrite") });
    await expectNothingStored();

    const acknowledged = await connect({ token: adminToken, acknowledgeOverwrite: true });
    expect(acknowledged.status).toBe(201);
    // Connecting does not touch files itself: the initial sync replaces them.
    expect(await readFile(path.join(host.workspaceDir, "workflows", "mine.ts"), "utf8")).toBe("export default 2;\n");
    await writeFile(path.join(host.workspaceDir, "workflows", "mine.ts"), "").catch(() => undefined);
  });

  it("connects in webhook mode: token and webhook secret stored, record keeps only names and last 4, hook created, job queued", async () => {
    const response = await connect({ token: adminToken, acknowledgeOverwrite: true });
    expect(response.status).toBe(201);
    const status = (await response.json()) as Record<string, unknown>;
    expect(status).toMatchObject({ connected: true, kind: "pat", repository: "octo-user/private-site", branch: "main", deliveryMode: "webhook", tokenLast4: adminToken.slice(-4) });

    const record = (await host.services.connections.get())?.record as ConnectionRecord;
    expect(record).toMatchObject({ kind: "pat", state: "Connecting", deliveryMode: "webhook", tokenLast4: adminToken.slice(-4), headSha });
    expect(record.tokenSecretName).toBe(patSecretName(record.connectionId));
    expect(record.webhookSecretName).toBe(webhookSecretName(record.connectionId));
    expect(JSON.stringify(record)).not.toContain(adminToken);

    const secrets = await secretFile();
    expect(secrets[patSecretName(record.connectionId)]).toBe(adminToken);
    const webhookSecret = secrets[webhookSecretName(record.connectionId)] ?? "";
    expect(webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(status)).not.toContain(webhookSecret);

    const [hook, ...others] = await hooksOf();
    expect(others).toEqual([]);
    expect(hook).toMatchObject({ id: record.webhookId, active: true, events: ["push", "pull_request"], config: { url: "https://funcspace.example.net/api/github/webhooks", content_type: "json", secret: "********" } });

    expect(await queuedJobs()).toEqual([{ connectionId: record.connectionId, branch: "main", sha: headSha, trigger: "initial", requestedBy: "local developer", requestedAt: expect.any(String) }]);

    // Read-only at once.
    const write = await host.fetch("/api/workspace/files/new.ts", { method: "PUT", body: "x" });
    expect(write.status).toBe(409);
    expect(await write.json()).toMatchObject({ error: "read_only" });

    // And only one connection at a time.
    const again = await connect({ token: adminToken, acknowledgeOverwrite: true });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "already_connected" });
  });

  it.each([
    {
      name: "a fine-grained token without Webhooks: write",
      token: fineGrainedToken(),
      grant: { type: "fine-grained", repositories: ["octo-user/private-site"], permissions: { contents: "read" } } satisfies TokenGrant,
      reason: "webhook not created: the token lacks Webhooks: write; checking for changes every 5 minutes",
    },
    {
      name: "a classic token of a user who is not a repository admin",
      token: classicToken(),
      grant: { type: "classic", login: "write-user", scopes: ["repo", "admin:repo_hook"] } satisfies TokenGrant,
      reason:
        "webhook not created: the token's user is not an admin of the repository (or the token lacks the admin:repo_hook scope); checking for changes every 5 minutes",
    },
  ])("connects in polling mode with $name, and says why", async ({ token, grant, reason }) => {
    github.addToken(token, grant);
    const response = await connect({ token, acknowledgeOverwrite: true });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ deliveryMode: "polling", deliveryModeReason: reason });
    const record = (await host.services.connections.get())?.record as ConnectionRecord;
    expect(record).toMatchObject({ deliveryMode: "polling", deliveryModeReason: reason });
    expect(record.webhookId).toBeUndefined();
    expect(record.webhookSecretName).toBeUndefined();
    expect(Object.keys(await secretFile())).toEqual([patSecretName(record.connectionId)]);
    expect(await hooksOf()).toEqual([]);
    expect(await queuedJobs()).toHaveLength(1);
  });

  it("is for admins only", async () => {
    const swa = await startTestHost({ enableQueues: false, env: { AUTH_MODE: "swa", GITHUB_API_URL: github.apiUrl } });
    try {
      for (const [method, route] of [["POST", "/api/github/connection"], ["PUT", "/api/github/connection/token"], ["DELETE", "/api/github/connection"]] as const) {
        const response = await swa.fetch(route, { method, headers: { "content-type": "application/json" }, body: method === "DELETE" ? undefined : JSON.stringify({ kind: "pat", token: adminToken }) });
        expect(response.status).toBe(401);
      }
    } finally {
      await swa.close();
    }
  });
});
