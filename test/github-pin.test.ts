// Pin and roll back (issue 21, item 3), end to end on a real host: Azurite queues and tables, the sync worker,
// real git behind the GitHub stand-in, and a real repository webhook. The workspace is compared with
// `git archive` of the commit it should hold, file by file.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getGitHubRuntime } from "../functions/github-runtime.js";
import { getConnectionToken } from "../github-app/get-connection-token.js";
import { reconcileConnection } from "../github-app/reconcile-connection.js";
import { runSyncJob } from "../github-app/run-sync-job.js";
import { readHostSettings } from "../local/host-json.js";
import type { ConnectionStatus, SyncRun } from "../src/api-types.js";
import { connectPatWithRepoHook, removeRepoHooks, resetGitHubState } from "./support/github-app-fixtures.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { archiveState, diffWorkspace } from "./support/sync-fixtures.js";
import { createTempDir } from "./support/temp-dir.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";

const run = promisify(execFile);
const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };

let github: GitHubStandIn;
let repo: StandInRepository;
let scratch: { path: string; cleanup(): Promise<void> };
let host: TestHost | undefined;
let token: string | undefined;
let connectionId: string | undefined;
/** c1 → c2 → c3 on main, before each test's own commits. */
let c1: string;
let c2: string;
let c3: string;

beforeAll(async () => {
  github = await startGitHubStandIn();
  repo = await github.createRepository("octo-user/pinned", { private: true });
  c1 = await repo.commit({ "README.md": "# v1\n", "flows/hello.ts": "export default () => 'v1';\n", "flows/old.ts": "export default () => 'old';\n" }, { message: "v1" });
  c2 = await repo.commit({ "flows/hello.ts": "export default () => 'v2';\n", "flows/old.ts": null, "flows/new.ts": "export default () => 'new';\n" }, { message: "v2" });
  c3 = await repo.commit({ "README.md": "# v3\n", "bin/tool.sh": { content: "#!/bin/sh\necho v3\n", executable: true } }, { message: "v3" });
  scratch = await createTempDir("pin-archives-");
});
afterAll(async () => {
  await github?.close();
  await scratch?.cleanup();
});
afterEach(async () => {
  github.faults.reset();
  if (token) await removeRepoHooks(github, repo.fullName, token);
  token = undefined;
  await host?.close();
  host = undefined;
});

async function startConnectedHost(): Promise<TestHost> {
  host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, settings });
  await resetGitHubState(host);
  const connected = await connectPatWithRepoHook(host, github, repo.fullName);
  ({ token } = connected);
  connectionId = connected.record.connectionId;
  return host;
}

const status = async (): Promise<ConnectionStatus> => (await host!.fetch("/api/github/connection")).json() as Promise<ConnectionStatus>;
/** This test's connection's history, newest first (the table outlives each test's host). */
const history = async (): Promise<SyncRun[]> =>
  ((await (await host!.fetch("/api/github/sync-runs?limit=200")).json()) as { runs: SyncRun[] }).runs.filter((r) => r.connectionId === connectionId);
const pin = (sha: string) => host!.fetch("/api/github/pin", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sha }) });
const unpin = () => host!.fetch("/api/github/pin", { method: "DELETE" });

/** Waits until the workspace holds `sha` by the record, the connection is Ready and no run is left running. */
async function settledAt(sha: string): Promise<ConnectionStatus> {
  return waitFor(`the workspace at ${sha.slice(0, 7)}`, async () => {
    const now = await status();
    if (now.appliedSha !== sha || now.state !== "Ready") return undefined;
    const queue = await host!.services.storage.queue("workspace-sync").getProperties();
    if (queue.approximateMessagesCount !== 0 || (await history()).some((r) => r.result === "running")) return undefined;
    return now;
  });
}

/** The workspace equals `git archive` of the commit, file by file (bytes and exec bits), nothing extra. */
async function expectWorkspaceAt(sha: string): Promise<void> {
  expect(await diffWorkspace(host!.workspaceDir, await archiveState(repo, sha, scratch.path))).toEqual([]);
}

describe("pin and roll back", () => {
  it("pins to an older commit exactly, records pushes without applying them, counts them, and unpins to the head", async () => {
    await startConnectedHost();
    expect((await host!.fetch("/api/github/sync", { method: "POST" })).status).toBe(202);
    await settledAt(c3);
    await expectWorkspaceAt(c3);

    // Roll back two commits: the answer carries the pin and says how many commits wait.
    const pinned = await pin(c1);
    expect(pinned.status).toBe(200);
    const answer = (await pinned.json()) as ConnectionStatus;
    expect(answer.pin).toMatchObject({ sha: c1, pinnedBy: "local developer", waitingCommits: 2, headSha: c3, onBranch: true });
    expect(answer.pin!.summary).toBe(`pinned to ${c1.slice(0, 7)} by local developer; 2 newer commits waiting`);
    await settledAt(c1);
    // c1 brings back flows/old.ts, and drops flows/new.ts and bin/tool.sh.
    await expectWorkspaceAt(c1);
    const afterPin = await history();
    expect(afterPin[0]).toMatchObject({ trigger: "pin", result: "applied", requestedBy: "local developer", fromSha: c3, toSha: c1, pinnedSha: c1, added: 1, deleted: 2 });
    expect(afterPin[1]).toMatchObject({ trigger: "pin", result: "pinned", requestedBy: "local developer", fromSha: c3, toSha: c1, waitingCommits: 2 });

    // A push while pinned: the webhook is answered and the run recorded, but nothing is applied.
    const c4 = await repo.commit({ "flows/hello.ts": "export default () => 'v4';\n" }, { message: "v4" });
    const delivery = github.deliveries.findLast((d) => d.event === "push");
    expect(delivery).toMatchObject({ outcome: "delivered", statusCode: 202 });
    const held = await waitFor("the push's run", async () => (await history()).find((r) => r.trigger === "webhook" && r.requestedSha === c4 && r.result !== "running"));
    expect(held).toMatchObject({ result: "noop", deliveryId: delivery!.id, toSha: c1, pinnedSha: c1, waitingCommits: 3, added: 0, changed: 0, deleted: 0 });
    await settledAt(c1);
    await expectWorkspaceAt(c1);
    const whilePinned = await status();
    expect(whilePinned.pin).toMatchObject({ sha: c1, waitingCommits: 3, headSha: c4 });
    expect(whilePinned.pin!.summary).toBe(`pinned to ${c1.slice(0, 7)} by local developer; 3 newer commits waiting`);
    expect(whilePinned.headSha).toBe(c4);

    // The reconcile timer does not queue the held head again at every tick…
    const runtime = getGitHubRuntime(host!.services);
    expect(await reconcileConnection(runtime)).toMatchObject({ action: "up-to-date" });
    // …nor miss a push whose webhook was lost: it is recorded (nothing applied) and counted.
    github.faults.loseWebhooks({ count: 1, event: "push" });
    const c5 = await repo.commit({ "flows/hello.ts": "export default () => 'v5';\n", "flows/five.ts": "export default () => 5;\n" }, { message: "v5" });
    expect(github.deliveries.findLast((d) => d.event === "push")?.outcome).toBe("lost");
    expect(await reconcileConnection(runtime)).toMatchObject({ action: "enqueued", sha: c5 });
    const polled = await waitFor("the poll's run", async () => (await history()).find((r) => r.trigger === "poll" && r.requestedSha === c5 && r.result !== "running"));
    expect(polled).toMatchObject({ result: "noop", toSha: c1, pinnedSha: c1, waitingCommits: 4 });
    await expectWorkspaceAt(c1);
    expect((await status()).pin?.summary).toBe(`pinned to ${c1.slice(0, 7)} by local developer; 4 newer commits waiting`);

    // Unpin: the branch head (c5) is applied.
    const unpinned = await unpin();
    expect(unpinned.status).toBe(200);
    expect(((await unpinned.json()) as ConnectionStatus).pin).toBeUndefined();
    await settledAt(c5);
    await expectWorkspaceAt(c5);
    const afterUnpin = await history();
    expect(afterUnpin[0]).toMatchObject({ trigger: "unpin", result: "applied", fromSha: c1, toSha: c5 });
    expect(afterUnpin[0]!.pinnedSha).toBeUndefined();
    expect(afterUnpin[1]).toMatchObject({ trigger: "unpin", result: "unpinned", requestedBy: "local developer", pinnedSha: c1, toSha: c5 });
    expect((await status()).pin).toBeUndefined();
    // Unpinning again changes nothing and records nothing.
    expect((await unpin()).status).toBe(200);
    expect((await history()).length).toBe(afterUnpin.length);
  });

  it("refuses a commit that is not on the branch, an unknown one and a malformed one, with a clear message", async () => {
    await startConnectedHost();
    await host!.fetch("/api/github/sync", { method: "POST" });
    const head = await repo.headSha();
    await settledAt(head);
    const side = await repo.commit({ "side.txt": "side\n" }, { branch: `side-${Date.now()}`, message: "side" });
    const before = (await history()).length;

    const offBranch = await pin(side);
    expect(offBranch.status).toBe(409);
    const offBody = await offBranch.json();
    expect(offBody).toMatchObject({ error: "not_on_branch" });
    expect(offBody.message).toBe(
      `Commit ${side.slice(0, 7)} is not in the history of branch "main" of octo-user/pinned (it is on another branch, or the branch was rewritten). Pin one of the commits the sync history lists.`,
    );
    const unknown = await pin("0123456789abcdef0123456789abcdef01234567");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: "unknown_commit", message: "octo-user/pinned has no commit 0123456789abcdef0123456789abcdef01234567." });
    const malformed = await pin("HEAD~1");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: "invalid_sha" });
    const noBody = await host!.fetch("/api/github/pin", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(noBody.status).toBe(400);

    // Nothing pinned, nothing recorded, nothing queued.
    expect((await status()).pin).toBeUndefined();
    expect((await host!.services.connections.get())!.record.pinnedSha).toBeUndefined();
    expect((await history()).length).toBe(before);
    // A short SHA of the branch is accepted and stored in full.
    const short = await pin(c2.slice(0, 7));
    expect(short.status).toBe(200);
    expect(((await short.json()) as ConnectionStatus).pin?.sha).toBe(c2);
    await settledAt(c2);
    await expectWorkspaceAt(c2);

    await host!.services.connections.delete();
    expect((await pin(c1)).status).toBe(404);
    expect((await unpin()).status).toBe(404);
  });

  it("ends with the pinned commit on disk, exactly, when the pin comes while a sync runs", async () => {
    await startConnectedHost();
    await host!.fetch("/api/github/sync", { method: "POST" });
    const start = await repo.headSha();
    await settledAt(start);

    // A push whose sync is slow (every blob answer waits): the pin arrives while it runs.
    github.faults.addLatency({ path: /\/git\/blobs\//, ms: 1_500 });
    const files: Record<string, string> = {};
    for (let i = 0; i < 24; i++) files[`slow/f${i}.txt`] = `${i}\n`;
    const slow = await repo.commit(files, { message: "slow" });
    const running = await waitFor("the slow sync to run", async () =>
      (await history()).find((r) => r.trigger === "webhook" && r.requestedSha === slow && r.result === "running"),
    );
    expect((await pin(c1)).status).toBe(200);
    // A second worker (another instance: this host's poller finishes its message first) takes the pin's job
    // now. The lease is held, so the job is left pending for the holder, which runs once more for it.
    const runtime = getGitHubRuntime(host!.services);
    const second = await runSyncJob(
      { connectionId: connectionId!, branch: "main", sha: c1, trigger: "pin", requestedAt: new Date().toISOString() },
      { ...host!.services, getToken: (connection) => getConnectionToken(runtime, connection) },
    );
    expect(second).toEqual({ status: "pending" });
    expect((await history()).find((r) => r.runId === running.runId)?.result).toBe("running");
    github.faults.reset();

    await settledAt(c1);
    await expectWorkspaceAt(c1);
    const runs = await history();
    const slowRun = runs.find((r) => r.runId === running.runId)!;
    const pinRun = runs.find((r) => r.trigger === "pin" && r.result === "applied")!;
    expect(slowRun).toMatchObject({ result: "applied", toSha: slow });
    // One run at a time: the pin's run (the holder's once-more, or the queued job's) started after the slow run ended, and left c1.
    expect(pinRun).toMatchObject({ toSha: c1, pinnedSha: c1, fromSha: slow });
    expect(Date.parse(pinRun.startedAt)).toBeGreaterThanOrEqual(Date.parse(slowRun.finishedAt!));
    const waiting = Number((await run("git", ["rev-list", "--count", `${c1}..${slow}`], { cwd: repo.bareDir })).stdout.trim());
    expect(waiting).toBeGreaterThanOrEqual(3);
    expect((await status()).pin).toMatchObject({ sha: c1, waitingCommits: waiting, headSha: slow });
  });
});

describe("who may pin", () => {
  it("refuses readers and operators (403) and lets admins through", async () => {
    host = await startTestHost({ env: { AUTH_MODE: "swa", GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, enableQueues: false });
    await resetGitHubState(host);
    ({ token } = await connectPatWithRepoHook(host, github, repo.fullName, { hook: false }));
    const as = (role: string) => ({ "x-ms-client-principal": swaPrincipalHeader([role], `user-${role}`) });
    for (const role of ["reader", "operator"]) {
      const post = await host.fetch("/api/github/pin", { method: "POST", headers: { ...as(role), "content-type": "application/json" }, body: JSON.stringify({ sha: c1 }) });
      expect(post.status).toBe(403);
      expect(await post.json()).toMatchObject({ error: "forbidden", requiredRole: "admin" });
      expect((await host.fetch("/api/github/pin", { method: "DELETE", headers: as(role) })).status).toBe(403);
    }
    expect((await host.services.connections.get())!.record.pinnedSha).toBeUndefined();
    const admin = await host.fetch("/api/github/pin", { method: "POST", headers: { ...as("admin"), "content-type": "application/json" }, body: JSON.stringify({ sha: c1 }) });
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as ConnectionStatus).pin).toMatchObject({ sha: c1, pinnedBy: "user-admin" });
    expect((await host.services.connections.get())!.record).toMatchObject({ pinnedSha: c1, pinnedBy: "user-admin" });
  });
});
