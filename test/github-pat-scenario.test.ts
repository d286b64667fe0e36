// The whole life of PAT connections, end to end through the real local host (HTTP, queue worker, webhook
// intake), the GitHub stand-in (real git pushes, real webhook deliveries) and Azurite: connect in webhook
// mode, push → synced, rotate, revoke → Failed with the reason and a backed-off poll, rotate back to health,
// disconnect → webhook deleted at GitHub, secrets gone, files writable; then polling mode, a poll-driven
// sync, and a disconnect that cancels a running sync. Finally everything the scenario produced — log lines,
// HTTP response bodies, every entity of every table, queue messages — is searched for the tokens and the
// webhook secrets.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Octokit } from "@octokit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getGitHubRuntime } from "../functions/github-runtime.js";
import { reconcileConnection } from "../github-app/reconcile-connection.js";
import { readHostSettings } from "../local/host-json.js";
import { QUEUES, TABLES, poisonQueueName } from "../src/azure/resources.js";
import { SyncRunStore, type SyncRunRecord } from "../src/azure/sync-run-store.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { DEFAULT_WORKSPACE_ID } from "../src/connection/connection-record.js";
import { OWNER_FILE } from "../src/sync/staging.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { classicToken, fineGrainedToken } from "./support/pat-tokens.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";
import { freePort } from "../local/azurite.js";

const REPOSITORY = "octo-user/pat-site";

/** Every file under `dir`: relative path → content. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full).split(path.sep).join("/")] = await readFile(full, "utf8");
  }
  return files;
}

describe("PAT connections end to end", () => {
  let github: GitHubStandIn;
  let repo: StandInRepository;
  let host: TestHost;
  /** Every HTTP answer the scenario got from the host, for the secret search at the end. */
  const responses: string[] = [];
  /** Every token and webhook secret the scenario handled. */
  const secrets = new Set<string>();
  const tokenA = classicToken();
  const tokenB = classicToken();
  const tokenC = classicToken();
  const pollingToken = fineGrainedToken();

  const api = async (method: string, route: string, body?: unknown) => {
    const response = await host.fetch(route, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    responses.push(text);
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const record = async () => (await host.services.connections.get())?.record;
  const secretFile = async () => JSON.parse(await readFile(host.config.localSecretsFile, "utf8").catch(() => "{}")) as Record<string, string>;
  const runs = async (): Promise<SyncRunRecord[]> => {
    const list: SyncRunRecord[] = [];
    for await (const run of new SyncRunStore(host.services.storage.table(TABLES.syncRuns)).list(DEFAULT_WORKSPACE_ID)) list.push(run);
    return list;
  };
  const hooks = async (token: string) =>
    (await new Octokit({ auth: token, baseUrl: github.apiUrl }).request("GET /repos/{owner}/{repo}/hooks", { owner: "octo-user", repo: "pat-site" })).data;
  const waitForApplied = (sha: string, what: string) =>
    waitFor(what, async () => {
      const current = await record();
      return current?.appliedSha === sha && current.state === "Ready" ? current : undefined;
    });

  beforeAll(async () => {
    github = await startGitHubStandIn();
    repo = await github.createRepository(REPOSITORY, { private: true });
    for (const token of [tokenA, tokenB, tokenC]) github.addToken(token, { type: "classic", scopes: ["repo", "admin:repo_hook"] });
    github.addToken(pollingToken, { type: "fine-grained", repositories: [REPOSITORY], permissions: { contents: "read" } });
    for (const token of [tokenA, tokenB, tokenC, pollingToken]) secrets.add(token);
    const port = await freePort();
    const settings = readHostSettings();
    host = await startTestHost({
      enableQueues: true,
      settings: { ...settings, queues: { ...settings.queues, maxPollingIntervalInMs: 100, visibilityTimeoutInMs: 200 } },
      env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl },
    });
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    await github?.close();
  });

  let connection: ConnectionRecord;
  let lastGoodSha: string;

  it("connects in webhook mode and syncs the initial commit", async () => {
    lastGoodSha = await repo.commit({ "workflows/hello.ts": "export default 'v1';\n", "README.md": "# site\n" });
    const connected = await api("POST", "/api/github/connection", { kind: "pat", token: tokenA, repository: REPOSITORY, branch: "main" });
    expect(connected.status).toBe(201);
    expect(connected.json).toMatchObject({ kind: "pat", deliveryMode: "webhook", tokenLast4: tokenA.slice(-4) });
    connection = await waitForApplied(lastGoodSha, "the initial sync");
    const stored = await secretFile();
    secrets.add(stored[connection.webhookSecretName ?? ""] ?? "missing");
    expect(await readTree(host.workspaceDir)).toEqual({ "workflows/hello.ts": "export default 'v1';\n", "README.md": "# site\n" });
    // GitHub pinged the new hook; our intake verified it with the connection's secret.
    await github.settleDeliveries();
    expect(github.deliveries.find((d) => d.event === "ping")?.statusCode).toBe(202);
  });

  it("follows a real push through the repository webhook", async () => {
    lastGoodSha = await repo.commit({ "workflows/hello.ts": "export default 'v2';\n", "workflows/new.ts": "export default 'new';\n" });
    await waitForApplied(lastGoodSha, "the pushed commit");
    const push = github.deliveries.find((d) => d.event === "push" && (d.payload.after as string) === lastGoodSha);
    expect(push).toMatchObject({ statusCode: 202, hookId: connection.webhookId });
    expect((await runs()).find((run) => run.toSha === lastGoodSha)).toMatchObject({ result: "applied", trigger: "webhook" });
    expect(await readFile(path.join(host.workspaceDir, "workflows/hello.ts"), "utf8")).toBe("export default 'v2';\n");
  });

  it("rotates the token: validated, replaced under the same secret name, used by the next sync at once", async () => {
    const rotated = await api("PUT", "/api/github/connection/token", { token: tokenB });
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ tokenLast4: tokenB.slice(-4), deliveryMode: "webhook" });
    expect((await secretFile())[connection.tokenSecretName ?? ""]).toBe(tokenB);
    github.revokeToken(tokenA); // the old token is now useless: only B can make the next sync work
    lastGoodSha = await repo.commit({ "workflows/after-rotate.ts": "export default 'rotated';\n" });
    await waitForApplied(lastGoodSha, "a sync with the rotated token");

    // A rotation to a token GitHub rejects changes nothing.
    const refused = await api("PUT", "/api/github/connection/token", { token: tokenA });
    expect(refused).toMatchObject({ status: 400, json: { error: "token_rejected" } });
    expect((await secretFile())[connection.tokenSecretName ?? ""]).toBe(tokenB);
  });

  it("a revoked token: the run fails with GitHub's rejection, the connection turns Failed, the workspace keeps its last good state", async () => {
    const before = await readTree(host.workspaceDir);
    github.revokeToken(tokenB);
    const badSha = await repo.commit({ "workflows/hello.ts": "export default 'never synced';\n" });
    const failed = await waitFor("the failed run", async () => (await runs()).find((run) => run.requestedSha === badSha && run.result === "failed"));
    expect(failed.errorMessage).toMatch(/GitHub rejected the token/);
    expect(failed.errorMessage).toMatch(/401/);
    const current = await waitFor("the Failed state", async () => {
      const now = await record();
      return now?.state === "Failed" ? now : undefined;
    });
    expect(current.stateReason).toBe(failed.errorMessage);
    expect(current.appliedSha).toBe(lastGoodSha);
    expect(await readTree(host.workspaceDir)).toEqual(before);
    const status = await api("GET", "/api/github/connection");
    expect(status.json).toMatchObject({ state: "Failed", stateReason: failed.errorMessage });
  });

  it("the reconcile poll backs off while the token is rejected instead of asking GitHub on every tick", async () => {
    const runtime = getGitHubRuntime(host.services);
    const commitsPath = `/api/v3/repos/${REPOSITORY}/commits/main`;
    const asked = () => github.requests.filter((r) => r.path === commitsPath).length;
    const start = asked();
    const outcomes: string[] = [];
    for (let tick = 0; tick < 12; tick++) outcomes.push((await reconcileConnection(runtime)).action);
    // 12 ticks, but GitHub was asked only on ticks 1, 3, 6 and 11 (skipping 1, 2, 4 ticks in between).
    expect(asked() - start).toBe(4);
    expect(outcomes.filter((o) => o === "token-rejected")).toHaveLength(4);
    expect(outcomes.filter((o) => o === "skipped")).toHaveLength(8);
    const current = await record();
    expect(current?.state).toBe("Failed");
    expect(current?.stateReason).toMatch(/^GitHub rejected the token/);
  });

  it("rotating to a good token clears the failure and catches up", async () => {
    const rotated = await api("PUT", "/api/github/connection/token", { token: tokenC });
    expect(rotated.status).toBe(200);
    lastGoodSha = await repo.headSha("main");
    const healthy = await waitForApplied(lastGoodSha, "the catch-up sync after rotation");
    expect(healthy.stateReason).toBeUndefined();
    expect(await readFile(path.join(host.workspaceDir, "workflows/hello.ts"), "utf8")).toBe("export default 'never synced';\n");
    // Polling is back to normal: the next tick asks GitHub again.
    expect((await reconcileConnection(getGitHubRuntime(host.services))).action).toBe("up-to-date");
  });

  it("disconnects: webhook deleted at GitHub, secrets gone, event recorded, workspace writable, files kept", async () => {
    const filesBefore = await readTree(host.workspaceDir);
    expect(await hooks(tokenC)).toHaveLength(1);
    const readOnly = await api("PUT", "/api/workspace/files/workflows/local.ts", undefined);
    expect(readOnly.status).toBe(409);
    // What a failed sync kept to resume from (released), and a staging whose run is not over (not released).
    const released = path.join(host.workspaceDir, ".funcspace-sync-0000aaaa");
    const live = path.join(host.workspaceDir, ".funcspace-sync-0000bbbb");
    for (const [dir, owner] of [[released, { host: "h", pid: 1, generation: 3, released: true }], [live, { host: "h", pid: 1, generation: 3 }]] as const) {
      await mkdir(path.join(dir, "workflows"), { recursive: true });
      await writeFile(path.join(dir, "workflows/staged.ts"), "export default 'staged';\n");
      await writeFile(path.join(dir, OWNER_FILE), JSON.stringify(owner));
    }

    const disconnected = await api("DELETE", "/api/github/connection");
    expect(disconnected.status).toBe(200);
    expect(disconnected.json).toMatchObject({ disconnected: true, kind: "pat", repository: REPOSITORY, webhook: { id: connection.webhookId, deleted: true }, problems: [] });
    expect(await hooks(tokenC)).toEqual([]);
    expect(await secretFile()).toEqual({});
    expect(await record()).toBeUndefined();
    expect((await runs())[0]).toMatchObject({ trigger: "disconnect", result: "disconnected", connectionId: connection.connectionId });
    // Nothing would adopt the released staging now: it is gone; the other is a run's, and stays.
    expect(await readdir(host.workspaceDir)).not.toContain(path.basename(released));
    expect(await readdir(host.workspaceDir)).toContain(path.basename(live));
    await rm(live, { recursive: true });
    expect(await readTree(host.workspaceDir)).toEqual(filesBefore);

    const write = await host.fetch("/api/workspace/files/workflows/local.ts", { method: "PUT", body: "export default 'mine';\n" });
    responses.push(await write.text());
    expect(write.status).toBeLessThan(300);
    expect((await api("GET", "/api/github/connection")).json).toMatchObject({ connected: false });
    expect((await api("DELETE", "/api/github/connection")).status).toBe(404);
  });

  it("connects in polling mode when the token may not create webhooks, and syncs what the poll finds", async () => {
    const connected = await api("POST", "/api/github/connection", {
      kind: "pat",
      token: pollingToken,
      repository: REPOSITORY,
      branch: "main",
      acknowledgeOverwrite: true,
    });
    expect(connected.status).toBe(201);
    expect(connected.json).toMatchObject({
      deliveryMode: "polling",
      deliveryModeReason: "webhook not created: the token lacks Webhooks: write; checking for changes every 5 minutes",
    });
    connection = (await record()) as ConnectionRecord;
    lastGoodSha = await repo.headSha("main");
    await waitForApplied(lastGoodSha, "the initial sync in polling mode");
    expect(await readTree(host.workspaceDir)).not.toHaveProperty(["workflows/local.ts"]); // rsync --delete semantics

    const deliveries = github.deliveries.length;
    lastGoodSha = await repo.commit({ "workflows/polled.ts": "export default 'polled';\n" });
    await github.settleDeliveries();
    expect(github.deliveries.length).toBe(deliveries); // no hook: nothing is pushed to us
    expect(await reconcileConnection(getGitHubRuntime(host.services))).toEqual({ action: "enqueued", sha: lastGoodSha });
    await waitForApplied(lastGoodSha, "the polled commit");
    expect((await runs()).find((run) => run.toSha === lastGoodSha)).toMatchObject({ trigger: "poll", result: "applied" });
  });

  it("disconnecting cancels a running sync at its next safe point and leaves no half-written file", async () => {
    const big: Record<string, string> = {};
    for (let i = 0; i < 40; i++) big[`bulk/file-${String(i).padStart(2, "0")}.txt`] = `content ${i}\n`.repeat(200);
    const bigSha = await repo.commit(big);
    // Slow GitHub down so the run is still busy when the disconnect comes.
    github.faults.addLatency({ path: /\/git\/blobs\/|\/_codeload\/|\/tarball\//, ms: 1_500 });
    await reconcileConnection(getGitHubRuntime(host.services));
    await waitFor("the sync to start", async () => (await record())?.state === "Syncing");

    const disconnected = await api("DELETE", "/api/github/connection");
    expect(disconnected.status).toBe(200);
    if ((disconnected.json.stoppedSync as { result?: string } | undefined)?.result !== "cancelled") {
      console.log(host.logs.slice(-60).map((l) => l.slice(0, 900)).join("\n"));
    }
    // The answer comes once the running sync has stopped, so the user sees it ended.
    expect(disconnected.json).toMatchObject({ disconnected: true, kind: "pat", problems: [], stoppedSync: { result: "cancelled" } });
    expect(disconnected.json.webhook).toBeUndefined();
    github.faults.reset();
    const cancelled = (await runs()).find((r) => r.requestedSha === bigSha);
    expect(cancelled).toMatchObject({ result: "cancelled", runId: (disconnected.json.stoppedSync as { runId: string }).runId });
    // Every bulk file on disk is complete; none is partial, and no temp file is left next to them.
    const files = await readTree(host.workspaceDir);
    for (const [name, content] of Object.entries(files)) {
      if (name.startsWith("bulk/")) expect(content).toBe(big[name]);
    }
    expect(Object.keys(files).filter((name) => !(name in big) && name.startsWith("bulk/"))).toEqual([]);
    expect(await secretFile()).toEqual({});
    expect(await record()).toBeUndefined();
  }, 60_000);

  it("left no token or webhook secret in any log line, response, table entity or queue message", async () => {
    expect(secrets.size).toBe(5);
    expect(host.logs.length).toBeGreaterThan(20);
    expect(responses.length).toBeGreaterThan(10);
    const haystacks: { where: string; text: string }[] = [
      ...host.logs.map((line, i) => ({ where: `log line ${i}`, text: line })),
      ...responses.map((text, i) => ({ where: `response ${i}`, text })),
    ];
    let entities = 0;
    for await (const table of host.services.storage.tableService.listTables()) {
      for await (const entity of host.services.storage.table(table.name ?? "").listEntities()) {
        entities++;
        haystacks.push({ where: `table ${table.name}`, text: JSON.stringify(entity) });
      }
    }
    expect(entities).toBeGreaterThan(5);
    for (const queue of [QUEUES.workspaceSync, poisonQueueName(QUEUES.workspaceSync)]) {
      const { peekedMessageItems } = await host.services.storage.queue(queue).peekMessages({ numberOfMessages: 32 });
      for (const message of peekedMessageItems) {
        haystacks.push({ where: `queue ${queue}`, text: Buffer.from(message.messageText, "base64").toString("utf8") });
      }
    }
    const leaks = haystacks.flatMap(({ where, text }) =>
      [...secrets].filter((secret) => text.includes(secret)).map((secret) => `${where} holds a secret ending …${secret.slice(-4)}`),
    );
    expect(leaks).toEqual([]);
  });
});
