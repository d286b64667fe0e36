// Webhook intake through the local host, against real Azurite and real Probot: signatures (App secret and
// a PAT connection's own secret), dedupe of redeliveries, filtering, and access-removal events.
import { randomBytes, randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppCredentials } from "../github-app/app-credentials.js";
import { TOKEN_REJECTED_REASON } from "../github-app/reconcile-connection.js";
import { ConnectionStore } from "../src/azure/connection-store.js";
import { TABLES } from "../src/azure/resources.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { connect, connectionRecord, deliver, pushPayload, queuedJobs, registerApp, resetGitHubState } from "./support/github-app-fixtures.js";

let host: TestHost;
let app: AppCredentials;

beforeEach(async () => {
  host = await startTestHost({ enableQueues: false });
  await resetGitHubState(host);
  app = await registerApp(host);
});
afterEach(async () => {
  await host.close();
});

describe("POST /api/github/webhooks (App deliveries)", () => {
  it("enqueues one sync job for a valid push to the connected branch, and once only for a redelivery", async () => {
    const connection = await connect(host);
    const id = randomUUID();
    const first = await deliver(host, pushPayload(), { secret: app.webhookSecret, id });
    expect(first.status).toBe(202);
    const again = await deliver(host, pushPayload(), { secret: app.webhookSecret, id });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ outcome: "duplicate" });

    const jobs = await queuedJobs(host);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ connectionId: connection.connectionId, branch: "main", sha: "a".repeat(40), trigger: "webhook", deliveryId: id });
  });

  it("a burst of pushes shares queue messages: every delivery is answered 202 and stands in exactly one job", async () => {
    const connection = await connect(host);
    // 50: a job keeps the ids of its last 50 pushes, and the first push always goes out alone.
    const ids: string[] = Array.from({ length: 50 }, () => randomUUID());
    const answers = await Promise.all(
      ids.map((id, n) => deliver(host, pushPayload({ after: n.toString(16).padStart(40, "0") }), { secret: app.webhookSecret, id })),
    );
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));

    const jobs = await queuedJobs(host, { all: true });
    // Pushes that arrived while a job was being queued rode on the next one (github-app/push-jobs.ts).
    expect(jobs.length).toBeLessThan(ids.length);
    const covered = jobs.flatMap((j) => j.deliveryIds ?? [j.deliveryId!]);
    expect(covered.sort()).toEqual([...ids].sort());
    expect(jobs.reduce((sum, j) => sum + (j.coalesced ?? 1), 0)).toBe(ids.length);
    for (const job of jobs) {
      expect(job).toMatchObject({ connectionId: connection.connectionId, branch: "main", trigger: "webhook" });
      // The job names the newest push of its group, and that push's own commit.
      expect(job.sha).toBe(ids.indexOf(job.deliveryId!).toString(16).padStart(40, "0"));
    }
  });

  it("a push right after a disconnect or a reconnect made by this instance follows the current record", async () => {
    const first = await connect(host);
    expect((await deliver(host, pushPayload(), { secret: app.webhookSecret })).status).toBe(202);
    await host.services.connections.delete();
    expect((await deliver(host, pushPayload(), { secret: app.webhookSecret })).status).toBe(202);
    const second = await connect(host, { branch: "release" });
    expect((await deliver(host, pushPayload(), { secret: app.webhookSecret })).status).toBe(202);
    expect((await deliver(host, pushPayload({ ref: "refs/heads/release", after: "b".repeat(40) }), { secret: app.webhookSecret })).status).toBe(202);

    const jobs = await queuedJobs(host);
    expect(jobs.map((j) => [j.connectionId, j.branch, j.sha])).toEqual([
      [first.connectionId, "main", "a".repeat(40)],
      [second.connectionId, "release", "b".repeat(40)],
    ]);
  });

  it("refuses a wrong secret, a tampered body, a missing or malformed signature; nothing is enqueued or leaked", async () => {
    await connect(host);
    const wrong = await deliver(host, pushPayload(), { secret: "not-the-secret" });
    const tampered = await deliver(host, pushPayload(), {
      secret: app.webhookSecret,
      bodyOverride: JSON.stringify(pushPayload({ after: "b".repeat(40) })),
    });
    const missing = await deliver(host, pushPayload(), { secret: null });
    const malformed = await host.fetch("/api/github/webhooks", {
      method: "POST",
      headers: { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": "sha1=abc" },
      body: JSON.stringify(pushPayload()),
    });
    for (const response of [wrong, tampered, missing, malformed]) {
      expect(response.status).toBe(401);
      const body = await response.text();
      expect(body).toContain("signature is missing or does not match");
      expect(body).not.toContain(app.webhookSecret);
    }
    const noEvent = await host.fetch("/api/github/webhooks", { method: "POST", body: "{}" });
    expect(noEvent.status).toBe(400);
    expect(await queuedJobs(host)).toEqual([]);
    expect(host.logs.join("\n")).not.toContain(app.webhookSecret);
  });

  it("a refused delivery does not use up its delivery id: the correctly signed one still goes through", async () => {
    await connect(host);
    const id = randomUUID();
    expect((await deliver(host, pushPayload(), { secret: "wrong", id })).status).toBe(401);
    expect((await deliver(host, pushPayload(), { secret: app.webhookSecret, id })).status).toBe(202);
    expect(await queuedJobs(host)).toHaveLength(1);
  });

  it("acknowledges and ignores other branches, tags, branch deletions, other repositories, unknown events and ping", async () => {
    await connect(host);
    const ignored = [
      { payload: pushPayload({ ref: "refs/heads/feature" }), event: "push" },
      { payload: pushPayload({ ref: "refs/tags/v1.0.0" }), event: "push" },
      { payload: pushPayload({ deleted: true, after: "0".repeat(40) }), event: "push" },
      { payload: pushPayload({ repository: { full_name: "someone/else" } }), event: "push" },
      { payload: pushPayload({ installation: { id: 999 } }), event: "push" },
      { payload: { action: "opened", issue: { number: 1 } }, event: "issues" },
      { payload: { zen: "Keep it logically awesome.", hook_id: 7 }, event: "ping" },
      { payload: { anything: true }, event: "some_future_event" },
    ];
    for (const { payload, event } of ignored) {
      const response = await deliver(host, payload, { secret: app.webhookSecret, event });
      expect(response.status, event).toBe(202);
    }
    expect(await queuedJobs(host)).toEqual([]);
  });

  it("answers 413 for a body over GitHub's 25 MB cap, before reading it all", async () => {
    const response = await host.fetch("/api/github/webhooks", {
      method: "POST",
      headers: { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
      body: Buffer.alloc(26 * 1024 * 1024, 0x20),
    });
    expect(response.status).toBe(413);
  });

  it("refuses a body that is not JSON even when correctly signed, and enqueues nothing", async () => {
    await connect(host);
    const { sign } = await import("@octokit/webhooks-methods");
    const body = "ref=refs/heads/main";
    const response = await host.fetch("/api/github/webhooks", {
      method: "POST",
      headers: { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": await sign(app.webhookSecret, body) },
      body,
    });
    expect(response.status).toBe(400);
    expect(await queuedJobs(host)).toEqual([]);
  });
});

describe("PAT connections' repository webhooks", () => {
  /** A new PAT connection's record (with a repository webhook) and its webhook secret, stored. */
  async function newPatConnection(): Promise<{ secret: string; connectionId: string; record: Partial<ConnectionRecord> }> {
    const connectionId = randomUUID();
    const secret = randomBytes(32).toString("hex");
    await host.services.secrets.set(`github-webhook-${connectionId}`, secret);
    const record = {
      connectionId,
      kind: "pat" as const,
      installationId: undefined,
      tokenSecretName: `github-pat-${connectionId}`,
      tokenLast4: "abcd",
      webhookId: 5,
      webhookSecretName: `github-webhook-${connectionId}`,
    };
    return { secret, connectionId, record };
  }

  async function connectPat(): Promise<{ secret: string; connectionId: string }> {
    const { secret, connectionId, record } = await newPatConnection();
    await connect(host, record);
    return { secret, connectionId };
  }

  it("verifies with the connection's own secret and enqueues through the same handler", async () => {
    const { secret, connectionId } = await connectPat();
    const repoHookPush = pushPayload({ installation: undefined });
    expect((await deliver(host, repoHookPush, { secret })).status).toBe(202);
    expect((await deliver(host, repoHookPush, { secret: "guess" })).status).toBe(401);
    const jobs = await queuedJobs(host);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ connectionId, trigger: "webhook" });
  });

  it("verifies the first delivery of a connection another instance made a moment ago (its hook's ping)", async () => {
    // This instance's intake reads the connection (none) and shares that read for a second...
    expect((await deliver(host, pushPayload(), { secret: app.webhookSecret })).status).toBe(202);
    expect(await queuedJobs(host)).toEqual([]);
    // ...while another instance (its own store on the same table and state folder) connects with a PAT.
    const otherInstance = new ConnectionStore(host.services.storage.table(TABLES.connections), { stateDir: host.config.stateDir });
    const { secret, connectionId, record } = await newPatConnection();
    await otherInstance.create(connectionRecord(record));
    // GitHub pings the new hook at once: the stale copy knows no secret, so the signature is checked again
    // against a fresh read, and the ping and the next push are accepted.
    expect((await deliver(host, { zen: "Keep it logically awesome.", hook_id: 5 }, { secret, event: "ping" })).status).toBe(202);
    expect((await deliver(host, pushPayload({ installation: undefined }), { secret })).status).toBe(202);
    expect(await queuedJobs(host)).toEqual([expect.objectContaining({ connectionId })]);
  });

  it("works while no GitHub App is registered at all", async () => {
    await host.close();
    host = await startTestHost({ enableQueues: false });
    await resetGitHubState(host);
    const { secret } = await connectPat();
    expect((await deliver(host, pushPayload({ installation: undefined }), { secret })).status).toBe(202);
    expect((await deliver(host, pushPayload({ installation: undefined }), { secret: app.webhookSecret })).status).toBe(401);
    expect(await queuedJobs(host)).toHaveLength(1);
  });
});

describe("GitHub taking access away", () => {
  it("installation.deleted marks the connection Broken; the workspace is untouched and stays read-only", async () => {
    await writeFile(path.join(host.workspaceDir, "flow.ts"), "export default 1;\n");
    await connect(host);
    const response = await deliver(
      host,
      { action: "deleted", installation: { id: 42, account: { login: "octo-user" } }, sender: { login: "octo-admin" } },
      { secret: app.webhookSecret, event: "installation" },
    );
    expect(response.status).toBe(202);

    const status = await (await host.fetch("/api/github/connection")).json();
    expect(status).toMatchObject({ connected: true, state: "Broken", repository: "octo-user/site" });
    expect(status.stateReason).toContain("uninstalled by octo-admin");
    expect(await readFile(path.join(host.workspaceDir, "flow.ts"), "utf8")).toBe("export default 1;\n");
    const write = await host.fetch("/api/workspace/files/flow.ts", { method: "PUT", body: "changed" });
    expect(write.status).toBe(409);
    expect((await write.json()).error).toBe("read_only");
  });

  it("installation.suspend and installation_repositories.removed break only the matching connection", async () => {
    await connect(host);
    const other = await deliver(
      host,
      { action: "suspend", installation: { id: 7 }, sender: { login: "x" } },
      { secret: app.webhookSecret, event: "installation" },
    );
    expect(other.status).toBe(202);
    expect((await host.services.connections.get())?.record.state).toBe("Ready");

    await deliver(
      host,
      {
        action: "removed",
        installation: { id: 42 },
        repository_selection: "selected",
        repositories_added: [],
        repositories_removed: [{ id: 1, name: "site", full_name: "Octo-User/Site" }],
        sender: { login: "octo-admin" },
      },
      { secret: app.webhookSecret, event: "installation_repositories" },
    );
    const record = (await host.services.connections.get())?.record;
    expect(record?.state).toBe("Broken");
    expect(record?.stateReason).toContain("removed the repository");
    expect(record?.stateReason).not.toBe(TOKEN_REJECTED_REASON);
  });
});
