// End to end through real git and the GitHub stand-in: `git push` → signed push webhook → intake → queue →
// sync worker → file on disk; a redelivery is a no-op; a lost webhook is picked up by the reconcile timer;
// a revoked token makes reconcile back off. The connection uses a repository webhook with its own secret
// (the stand-in's repo hooks); the App path's own delivery is covered in github-app-connect.test.ts.
import { randomUUID } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { pack as createPack } from "tar-stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reconcileConnection } from "../github-app/reconcile-connection.js";
import { getGitHubRuntime } from "../functions/github-runtime.js";
import { readHostSettings } from "../local/host-json.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { connectPatWithRepoHook, queuedJobs, removeRepoHooks, resetGitHubState } from "./support/github-app-fixtures.js";
import { checkHealth } from "../src/health/check-health.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { until } from "./support/wait-for.js";

const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };

let github: GitHubStandIn;
let repo: StandInRepository;
let host: TestHost | undefined;

beforeAll(async () => {
  github = await startGitHubStandIn();
  repo = await github.createRepository("octo-user/site");
  await repo.commit({ "README.md": "# site\n", "flows/hello.ts": "export default () => 'hello';\n" });
});
afterAll(async () => {
  await github.close();
});
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const fileContent = (file: string) => readFile(path.join(host!.workspaceDir, file), "utf8").catch(() => undefined);

/** A PAT connection to octo-user/site with a real repository webhook on the stand-in pointing at the host. */
const connectWithRepoHook = (testHost: TestHost, options: { hook?: boolean } = {}) => connectPatWithRepoHook(testHost, github, "octo-user/site", options);
const removeHooks = (token: string) => removeRepoHooks(github, "octo-user/site", token);

describe("git push → webhook → workspace", () => {
  it("syncs the pushed file into the workspace, records the run, and ignores GitHub's redelivery", async () => {
    host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, settings });
    await resetGitHubState(host);
    const { token } = await connectWithRepoHook(host);
    try {
      expect((await host.fetch("/api/github/sync", { method: "POST" })).status).toBe(202);
      await until(() => fileContent("flows/hello.ts"));

      const started = performance.now();
      const sha = await repo.commit({ "flows/pushed.ts": "export default () => 'pushed';\n" });
      expect(await until(() => fileContent("flows/pushed.ts"))).toBe("export default () => 'pushed';\n");
      const latencyInMs = performance.now() - started;

      const delivery = github.deliveries.findLast((d) => d.event === "push");
      expect(delivery).toMatchObject({ outcome: "delivered", statusCode: 202 });
      const status = await until(async () => {
        const body = await (await host!.fetch("/api/github/connection")).json();
        return body.appliedSha === sha && body.state === "Ready" ? body : undefined;
      });
      expect(status).toMatchObject({ connected: true, kind: "pat", tokenLast4: token.slice(-4), deliveryMode: "webhook" });
      expect(JSON.stringify(status)).not.toContain(token);
      const { runs } = await (await host.fetch("/api/github/sync-runs?limit=5")).json();
      expect(runs[0]).toMatchObject({ trigger: "webhook", toSha: sha, result: "applied", added: 1, deliveryId: delivery!.id });
      expect(runs[1]).toMatchObject({ trigger: "manual", result: "applied" });

      const again = await github.redeliver(delivery!.id);
      expect(again.statusCode).toBe(200);
      expect(await queuedJobs(host)).toEqual([]);
      console.info(`push → file on disk: ${latencyInMs.toFixed(0)} ms`);
    } finally {
      await removeHooks(token);
    }
  });
});

describe("reconcile timer", () => {
  it("picks up a push whose webhook was lost", async () => {
    host = await startTestHost({
      env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, RECONCILE_SCHEDULE: "*/1 * * * * *" },
      settings,
      enableTimers: true,
    });
    await resetGitHubState(host);
    const { record, token } = await connectWithRepoHook(host);
    try {
      await until(() => fileContent("flows/hello.ts"));
      github.faults.loseWebhooks({ count: 1, event: "push" });
      const sha = await repo.commit({ "flows/lost.ts": "export default () => 'lost';\n" });
      expect(github.deliveries.findLast((d) => d.event === "push")?.outcome).toBe("lost");
      expect(await until(() => fileContent("flows/lost.ts"))).toBe("export default () => 'lost';\n");
      // Ticks keep coming, so a later (no-op) poll run may already be listed above the one that applied it.
      // The file lands before the run's record is finished: wait for the record too.
      type Run = { result: string; toSha?: string; trigger: string };
      const applied = await until(async () => {
        const { runs } = (await (await host!.fetch("/api/github/sync-runs?limit=10")).json()) as { runs: Run[] };
        return runs.find((r) => r.result === "applied" && r.toSha === sha);
      });
      expect(applied).toMatchObject({ trigger: "poll", connectionId: record.connectionId });
      // The branch head is recorded with its ETag, so the next ticks are 304s.
      const stored = (await host.services.connections.get())!.record;
      expect(stored.headSha).toBe(sha);
      expect(stored.headEtag).toBeTruthy();
    } finally {
      await removeHooks(token);
    }
  });

  it("backs off while GitHub rejects the token, marks the connection, and recovers when it is accepted again", async () => {
    host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, enableQueues: false });
    await resetGitHubState(host);
    const { record, token } = await connectWithRepoHook(host, { hook: false });
    const runtime = getGitHubRuntime(host.services);
    github.revokeToken(token);
    const commitsPath = "/api/v3/repos/octo-user/site/commits/main";
    const asked = () => github.requests.filter((r) => r.path === commitsPath && r.status === 401).length;
    const before = asked();
    const outcomes = [];
    for (let tick = 0; tick < 10; tick++) outcomes.push((await reconcileConnection(runtime)).action);
    // Tried on ticks 0, 2 and 5; the other seven ticks are skipped.
    expect(asked() - before).toBe(3);
    expect(outcomes.filter((o) => o === "skipped")).toHaveLength(7);
    const broken = (await host.services.connections.get())!.record;
    expect(broken).toMatchObject({ state: "Failed", connectionId: record.connectionId });
    expect(broken.stateReason).toMatch(/^GitHub rejected the token/);

    // The user replaces the token: the next try gets through and the connection is usable again.
    github.addToken(token, { type: "classic", scopes: ["repo"] });
    let outcome;
    do outcome = await reconcileConnection(runtime);
    while (outcome.action === "skipped");
    expect(outcome.action).toBe("enqueued");
    expect((await host.services.connections.get())!.record.state).toBe("Connecting");
    expect(await queuedJobs(host)).toEqual([expect.objectContaining({ trigger: "poll", connectionId: record.connectionId })]);
  });
});

describe("sync worker", () => {
  it("records a permanent failure (revoked token) once and completes the message: no retry, nothing poisoned", async () => {
    const quick = { ...settings, queues: { ...settings.queues, visibilityTimeoutInMs: 0, maxDequeueCount: 2 } };
    host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, settings: quick });
    await resetGitHubState(host);
    const { token, record } = await connectWithRepoHook(host, { hook: false });
    github.revokeToken(token);
    await host.fetch("/api/github/sync", { method: "POST" });
    const ours = async (): Promise<{ result: string; error?: string }[]> =>
      ((await (await host!.fetch("/api/github/sync-runs?limit=20")).json()).runs as { connectionId: string; result: string; error?: string }[]).filter(
        (r) => r.connectionId === record.connectionId,
      );
    const queue = host.services.storage.queue("workspace-sync");
    const poison = host.services.storage.queue("workspace-sync-poison");
    const failed = await until(async () => {
      const runs = await ours();
      return runs[0]?.result === "failed" && (await queue.getProperties()).approximateMessagesCount === 0 ? runs : undefined;
    });
    // Time for a redelivery, had the message gone back to the queue (visibility timeout 0).
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await ours()).map((r) => r.result)).toEqual(["failed"]);
    expect(failed[0]!.error).toMatch(/token|credentials|401/i);
    expect(failed[0]!.error).toMatch(/Not retried/);
    expect((await poison.peekMessages()).peekedMessageItems).toHaveLength(0);
    expect((await host.services.connections.get())!.record.state).toBe("Failed");
    expect(await stat(path.join(host.workspaceDir, "flows")).catch(() => undefined)).toBeUndefined();
  });

  it("downloads a refused archive once: the permanent failure is recorded, the message completed, no re-download", async () => {
    const quick = { ...settings, queues: { ...settings.queues, visibilityTimeoutInMs: 0, maxDequeueCount: 3 } };
    host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, settings: quick });
    await resetGitHubState(host);
    const files: Record<string, string> = {};
    for (let i = 0; i < 45; i++) files[`bulk/f${i}.txt`] = `${randomUUID()}\n`; // past the blob limit: the tarball
    const sha = await repo.commit(files);
    // An archive with an entry outside its top folder (an attacker's, or a broken one): refused in the fetch step.
    const pack = createPack();
    pack.entry({ name: `octo-user-site-${sha.slice(0, 7)}/ok.txt` }, "ok\n");
    pack.entry({ name: "elsewhere/evil.txt" }, "evil\n");
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    github.faults.serveTarball(repo.fullName, sha, gzipSync(Buffer.concat(chunks)));
    const { record } = await connectWithRepoHook(host, { hook: false });
    const before = github.requests.length;
    await host.fetch("/api/github/sync", { method: "POST" });
    const queue = host.services.storage.queue("workspace-sync");
    const failed = await until(async () => {
      const { runs } = await (await host!.fetch("/api/github/sync-runs?limit=20")).json();
      const ours = (runs as { connectionId: string; result: string }[]).filter((r) => r.connectionId === record.connectionId);
      return ours[0]?.result === "failed" && (await queue.getProperties()).approximateMessagesCount === 0 ? ours : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_000)); // room for redeliveries, had there been any
    const tarballs = github.requests.slice(before).filter((r) => /\/tarball\//.test(r.path) && r.method === "GET");
    expect(tarballs.filter((r) => r.path.includes("/api/v3/"))).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ result: "failed", errorStep: "fetch", errorCode: "unsafe_repository", errorPermanent: true, attempt: 1 });
    const status = await (await host.fetch("/api/github/connection")).json();
    expect(status.state).toBe("Failed");
    expect(status.stateReason).toMatch(/^fetch: The repository archive has an entry outside its top folder: "elsewhere\/evil.txt"\. Not retried/);
    expect(status.poisonedSyncJobs).toBeUndefined();
    github.faults.reset();
  });

  it("retries a transient failure (GitHub's rate limit) and moves the message to poison after maxDequeueCount", async () => {
    const quick = { ...settings, queues: { ...settings.queues, visibilityTimeoutInMs: 0, maxDequeueCount: 2 } };
    host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, settings: quick });
    await resetGitHubState(host);
    await connectWithRepoHook(host, { hook: false });
    github.faults.failNext({ path: /\/branches\//, status: 403, rateLimit: "primary", count: 10 });
    await host.fetch("/api/github/sync", { method: "POST" });
    const poison = host.services.storage.queue("workspace-sync-poison");
    await until(async () => (await poison.peekMessages()).peekedMessageItems[0]);
    const { runs } = await (await host.fetch("/api/github/sync-runs?limit=2")).json();
    expect(runs.map((r: { result: string }) => r.result)).toEqual(["failed", "failed"]);
    expect(runs[0].error).toMatch(/rate limit/i);
    expect((await host.services.connections.get())!.record.state).toBe("Failed");
    // Nothing reads the poison queue by itself: the connection status and the health report say it is there.
    const status = await (await host.fetch("/api/github/connection")).json();
    expect(status.poisonedSyncJobs).toEqual({
      count: 1,
      message: "1 sync job(s) failed every attempt and rest in workspace-sync-poison; the sync history says why. Fix the cause, then use Sync now.",
    });
    const health = await checkHealth(host.services, { timeoutInMs: 5_000 });
    expect(health.checks.find((c) => c.name === "poisonQueues")).toMatchObject({
      status: "pass",
      message: expect.stringMatching(/^1 in workspace-sync-poison: jobs that failed every attempt/),
      details: { total: 1, queues: { "workspace-sync-poison": 1, "workflow-runs-poison": 0 } },
    });
    await poison.clearMessages();
    expect((await (await host.fetch("/api/github/connection")).json()).poisonedSyncJobs).toBeUndefined();
    github.faults.reset();
  });
});
