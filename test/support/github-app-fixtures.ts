// Shared set-up of the GitHub App tests: a registered App in the host's secret store, a connection
// record, signed deliveries sent over HTTP, and the workspace-sync queue read back.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { Octokit } from "@octokit/core";
import { sign } from "@octokit/webhooks-methods";
import { saveAppCredentials, type AppCredentials } from "../../github-app/app-credentials.js";
import { QUEUES } from "../../src/azure/resources.js";
import type { ConnectionRecord } from "../../src/connection/connection-record.js";
import type { SyncJob } from "../../src/sync/sync-job.js";
import type { GitHubStandIn } from "./github-stand-in/index.js";
import type { TestHost } from "./test-host.js";

export function newAppCredentials(overrides: Partial<AppCredentials> = {}): AppCredentials {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    appId: 1234,
    slug: "funcspace-test",
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    webhookSecret: randomBytes(20).toString("hex"),
    clientId: "Iv1.test",
    clientSecret: randomBytes(20).toString("hex"),
    ...overrides,
  };
}

export async function registerApp(host: TestHost, overrides: Partial<AppCredentials> = {}): Promise<AppCredentials> {
  const credentials = newAppCredentials(overrides);
  await saveAppCredentials(host.services.secrets, credentials);
  return credentials;
}

/** A connection record (an App connection unless told otherwise), not stored. */
export function connectionRecord(record: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const now = new Date().toISOString();
  return {
    connectionId: randomUUID(),
    kind: "app",
    repository: "octo-user/site",
    branch: "main",
    installationId: 42,
    deliveryMode: "webhook",
    state: "Ready",
    createdAt: now,
    updatedAt: now,
    ...record,
  };
}

export async function connect(host: TestHost, record: Partial<ConnectionRecord> = {}): Promise<ConnectionRecord> {
  const full = connectionRecord(record);
  await host.services.connections.create(full);
  return full;
}

export function pushPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ref: "refs/heads/main",
    before: "0".repeat(40),
    after: "a".repeat(40),
    created: false,
    deleted: false,
    forced: false,
    repository: { id: 1, name: "site", full_name: "octo-user/site", owner: { login: "octo-user" } },
    installation: { id: 42 },
    sender: { login: "octo-user" },
    commits: [],
    ...overrides,
  };
}

export interface DeliveryOptions {
  event?: string;
  id?: string;
  /** The secret to sign with; `null` sends no signature header. */
  secret: string | null;
  /** Bytes to send instead of the signed ones (tampering). */
  bodyOverride?: string;
}

export async function deliver(host: TestHost, payload: unknown, options: DeliveryOptions): Promise<Response> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": options.event ?? "push",
    "x-github-delivery": options.id ?? randomUUID(),
    "user-agent": "GitHub-Hookshot/test",
  };
  if (options.secret !== null) headers["x-hub-signature-256"] = await sign(options.secret, body);
  return host.fetch("/api/github/webhooks", { method: "POST", headers, body: options.bodyOverride ?? body });
}

/**
 * The jobs on the workspace-sync queue: the first 32, peeked (left in place); or, with `all`, every one,
 * received and hidden for a minute (a peek shows at most 32).
 */
export async function queuedJobs(host: TestHost, options: { all?: boolean } = {}): Promise<SyncJob[]> {
  const queue = host.services.storage.queue(QUEUES.workspaceSync);
  const decode = (text: string) => JSON.parse(Buffer.from(text, "base64").toString("utf8")) as SyncJob;
  if (!options.all) return (await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => decode(m.messageText));
  const jobs: SyncJob[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    if (!receivedMessageItems.length) return jobs;
    jobs.push(...receivedMessageItems.map((m) => decode(m.messageText)));
  }
}

/** The test file's storage account outlives each test's host: start every test disconnected, queue empty. */
export async function resetGitHubState(host: TestHost): Promise<void> {
  await host.services.connections.delete();
  await host.services.storage.queue(QUEUES.workspaceSync).clearMessages();
}

/**
 * A PAT connection to `repository` on the stand-in, with a real repository webhook (its own secret) pointing at
 * the host unless `hook: false` (then polling), the token and the secret in the host's secret store.
 */
export async function connectPatWithRepoHook(
  host: TestHost,
  github: GitHubStandIn,
  repository: string,
  options: { hook?: boolean; events?: string[] } = {},
): Promise<{ record: ConnectionRecord; token: string }> {
  const connectionId = randomUUID();
  const token = `ghp_${randomBytes(12).toString("hex")}`;
  github.addToken(token, { type: "classic", scopes: ["repo", "admin:repo_hook"] });
  await host.services.secrets.set(`github-pat-${connectionId}`, token);
  let hook: Partial<ConnectionRecord> = { deliveryMode: "polling", deliveryModeReason: "test: no webhook" };
  if (options.hook !== false) {
    const secret = randomBytes(32).toString("hex");
    await host.services.secrets.set(`github-webhook-${connectionId}`, secret);
    const [owner = "", repo = ""] = repository.split("/");
    const octokit = new Octokit({ auth: token, baseUrl: github.apiUrl });
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/hooks", {
      owner,
      repo,
      config: { url: `${host.url}/api/github/webhooks`, content_type: "json", secret },
      events: options.events ?? ["push"],
      active: true,
    });
    hook = { deliveryMode: "webhook", webhookId: data.id, webhookSecretName: `github-webhook-${connectionId}` };
  }
  const record = await connect(host, {
    connectionId,
    kind: "pat",
    repository,
    installationId: undefined,
    tokenSecretName: `github-pat-${connectionId}`,
    tokenLast4: token.slice(-4),
    state: "Connecting",
    ...hook,
  });
  return { record, token };
}

/** Deletes every webhook of the repository (the stand-in outlives each test's host). */
export async function removeRepoHooks(github: GitHubStandIn, repository: string, token: string): Promise<void> {
  const [owner = "", repo = ""] = repository.split("/");
  const octokit = new Octokit({ auth: token, baseUrl: github.apiUrl });
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/hooks", { owner, repo });
  for (const hook of data) await octokit.request("DELETE /repos/{owner}/{repo}/hooks/{hook_id}", { owner, repo, hook_id: hook.id });
}
