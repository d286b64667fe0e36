// Two platform instances as two real processes (test/support/instance-main.ts) on one Azurite account, one
// workspace folder and one TEMP_DIR, as scaled-out Azure runs them: concurrent If-Match saves of one file
// (exactly one wins per round), a burst of pushes (each queue message handled once, one sync at a time,
// the exact final commit), a holder stalled by SIGSTOP past its lease (the other takes over; the stalled one,
// resumed, writes nothing), and a holder killed by SIGKILL mid-sync (the other finishes after the lease
// expired, not before).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../local/azurite.js";
import { ConnectionStore } from "../src/azure/connection-store.js";
import { LeaseStore } from "../src/azure/lease-store.js";
import { QUEUES, TABLES } from "../src/azure/resources.js";
import { createStorageClients, type StorageClients } from "../src/azure/storage.js";
import { SyncRunStore, type SyncRunRecord } from "../src/azure/sync-run-store.js";
import { sweepInterruptedSyncs } from "../src/sync/sweep-interrupted-syncs.js";
import { createLogger } from "../src/logger.js";
import { DEFAULT_WORKSPACE_ID } from "../src/connection/connection-record.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { classicToken } from "./support/pat-tokens.js";
import { useTestStorage } from "./support/storage.js";
import { archiveState, diffWorkspace } from "./support/sync-fixtures.js";
import { createTempDir } from "./support/temp-dir.js";
import { waitFor } from "./support/wait-for.js";

const ENTRY = fileURLToPath(new URL("./support/instance-main.ts", import.meta.url));
const REPOSITORY = "octo-user/two-instances";
const LEASE_TTL_MS = 4_000;
const SYNC_LEASE = `sync-${DEFAULT_WORKSPACE_ID}`;

interface Instance {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** Every JSON log line the process wrote. */
  logs: Record<string, unknown>[];
  exited: Promise<void>;
}

async function startInstance(name: string, env: NodeJS.ProcessEnv): Promise<Instance> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const logs: Record<string, unknown>[] = [];
  let output = "";
  let buffered = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<{ url: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start:\n${output.slice(-4000)}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const match = /^READY (\S+) (\d+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve({ url: match[1]!, pid: Number(match[2]) });
        } else if (line.startsWith("{")) {
          try {
            logs.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            output += `${line}\n`;
          }
        } else output += `${line}\n`;
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("exit", (code, signal) => reject(new Error(`instance ${name} exited (${signal ?? code}):\n${output.slice(-4000)}`)));
  });
  const { url, pid } = await ready;
  return { name, url, pid, child, logs, exited };
}

describe("two instances on one storage account and one workspace", () => {
  let github: GitHubStandIn;
  let repo: StandInRepository;
  let storage: StorageClients;
  let root: Awaited<ReturnType<typeof createTempDir>>;
  let workspaceDir: string;
  let a: Instance;
  let b: Instance;
  const token = classicToken();

  const call = (instance: Instance, method: string, route: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}) =>
    fetch(new URL(route, instance.url), { method, headers: init.headers, body: init.body });
  const connections = () => new ConnectionStore(storage.table(TABLES.connections), { stateDir: path.join(root.path, "tmp", "funcspace-state") });
  const leases = () => new LeaseStore(storage.table(TABLES.leases));
  const runs = async (): Promise<SyncRunRecord[]> => {
    const list: SyncRunRecord[] = [];
    for await (const run of new SyncRunStore(storage.table(TABLES.syncRuns)).list(DEFAULT_WORKSPACE_ID)) list.push(run);
    return list;
  };
  const waitForApplied = (sha: string, what: string, timeoutInMs = 30_000) =>
    waitFor(
      what,
      async () => {
        const record = (await connections().get())?.record;
        return record?.appliedSha === sha && record.state === "Ready" ? record : undefined;
      },
      { timeoutInMs, intervalInMs: 100 },
    );
  /** The instance whose process holds the sync lease (the holder id starts with host:pid). */
  const holderOf = async (): Promise<Instance> => {
    const lease = await waitFor("a live sync lease", async () => {
      const current = await leases().get(SYNC_LEASE);
      return current?.live ? current : undefined;
    });
    const pid = Number(lease.holder.split(":")[1]);
    const instance = [a, b].find((i) => i.pid === pid);
    if (!instance) throw new Error(`the lease holder ${lease.holder} is neither instance (${a.pid}, ${b.pid})`);
    return instance;
  };
  /** No run running and the connection Ready, twice in a row a second apart (queued jobs drained). */
  const waitForQuiet = async (ignoreRunId?: string) => {
    // No run going, the record Ready, and no sync job left on the queue (visible or not: a "Sync now" sent while
    // polling can still be on its way on a loaded machine, and would make the record Syncing a moment later). A
    // killed holder's run is ignored, and so is its message, which stays invisible until its visibility timeout.
    const queueEmpty = async () => ignoreRunId !== undefined || ((await storage.queue(QUEUES.workspaceSync).getProperties()).approximateMessagesCount ?? 0) === 0;
    const quiet = async () =>
      (await runs()).every((r) => r.result !== "running" || r.runId === ignoreRunId) && (await connections().get())?.record.state === "Ready" && (await queueEmpty());
    await waitFor("the instances to go quiet", async () => (await quiet()) && (await new Promise((r) => setTimeout(r, 1_000)), await quiet()), {
      timeoutInMs: 30_000,
      intervalInMs: 200,
    });
  };
  const expectExactly = async (sha: string) => expect(await diffWorkspace(workspaceDir, await archiveState(repo, sha, root.path))).toEqual([]);

  beforeAll(async () => {
    github = await startGitHubStandIn();
    repo = await github.createRepository(REPOSITORY, { private: true });
    github.addToken(token, { type: "classic", scopes: ["repo", "admin:repo_hook"] });
    const { connectionString } = await useTestStorage();
    storage = createStorageClients({ kind: "connectionString", connectionString });
    root = await createTempDir("funcspace-two-");
    workspaceDir = path.join(root.path, "workspace");
    await mkdir(workspaceDir);
    await mkdir(path.join(root.path, "tmp"));
    const [portA, portB] = [await freePort(), await freePort()];
    const env = (port: number): NodeJS.ProcessEnv => ({
      AzureWebJobsStorage: connectionString,
      WORKSPACE_DIR: workspaceDir,
      TEMP_DIR: path.join(root.path, "tmp"),
      LOCAL_SECRETS_FILE: path.join(root.path, "secrets.json"),
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${portA}`,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_WEB_URL: github.webUrl,
      LOG_LEVEL: "debug",
      SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS),
      IO_CONCURRENCY: "2",
    });
    [a, b] = await Promise.all([startInstance("A", env(portA)), startInstance("B", env(portB))]);
  }, 120_000);

  afterAll(async () => {
    for (const instance of [a, b]) {
      if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) continue;
      instance.child.kill("SIGCONT");
      instance.child.kill("SIGTERM");
      await Promise.race([instance.exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill("SIGKILL");
    }
    await github?.close();
    await root?.cleanup();
  });

  it("concurrent If-Match saves of one file on both instances: exactly one wins each round", async () => {
    // A large file: the winner's hash-and-rename under the lock takes long enough for a race to show.
    const first = randomBytes(2 * 1024 * 1024);
    const created = await call(a, "PUT", "/api/workspace/files/shared.bin", { body: first, headers: { "if-none-match": "*" } });
    expect(created.status).toBe(201);
    let etag = created.headers.get("etag")!;
    for (let round = 0; round < 12; round++) {
      const bodies = [randomBytes(2 * 1024 * 1024), randomBytes(2 * 1024 * 1024)];
      const answers = await Promise.all(
        [a, b].map((instance, i) => call(instance, "PUT", "/api/workspace/files/shared.bin", { body: bodies[i], headers: { "if-match": etag } })),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.slice().sort(), `round ${round}`).toEqual([200, 412]);
      const winner = statuses.indexOf(200);
      etag = answers[winner]!.headers.get("etag")!;
      const stored = await call(b, "GET", "/api/workspace/files/shared.bin");
      expect(Buffer.from(await stored.arrayBuffer()).equals(bodies[winner]!), `round ${round}: the winner's bytes are stored`).toBe(true);
      expect(stored.headers.get("etag")).toBe(etag);
    }
    expect((await call(a, "DELETE", "/api/workspace/files/shared.bin", { headers: { "if-match": etag } })).status).toBe(204);
  }, 120_000);

  it("connects, then a burst of pushes: each message handled once, one sync at a time, the newest commit exactly", async () => {
    const initial = await repo.commit({ "workflows/hello.ts": "export default 'v0';\n", "README.md": "# two\n" });
    const connected = await call(a, "POST", "/api/github/connection", {
      body: JSON.stringify({ kind: "pat", token, repository: REPOSITORY, branch: "main" }),
      headers: { "content-type": "application/json" },
    });
    expect(connected.status, await connected.clone().text()).toBe(201);
    await waitForApplied(initial, "the initial sync");

    const shas: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const changes: Record<string, string | null> = { "workflows/hello.ts": `export default 'v${i}';\n`, [`notes/${i}.md`]: `note ${i}\n` };
      if (i > 1) changes[`notes/${i - 1}.md`] = null;
      shas.push(await repo.commit(changes));
    }
    const newest = shas.at(-1)!;
    await waitForApplied(newest, "the newest pushed commit");
    await github.settleDeliveries();
    await expectExactly(newest);

    // One sync at a time: no two runs' [start, finish] overlap (both processes share this machine's clock).
    await waitFor("every run finished", async () => (await runs()).every((r) => r.result !== "running"));
    const finished = (await runs()).sort((x, y) => x.startedAt.localeCompare(y.startedAt));
    expect(finished.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < finished.length; i++) {
      expect(finished[i]!.startedAt >= finished[i - 1]!.finishedAt!, `run ${finished[i]!.runId} started before ${finished[i - 1]!.runId} finished`).toBe(true);
    }
    // Each queue message went to one instance, once, and none failed.
    const received = [a, b].flatMap((i) => i.logs.filter((l) => l.msg === "queue message received" && l.queue === "workspace-sync").map((l) => ({ messageId: l.messageId, dequeueCount: l.dequeueCount, instance: i.name })));
    expect(received.length).toBeGreaterThanOrEqual(2);
    const ids = received.map((l) => l.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(received.every((l) => l.dequeueCount === 1)).toBe(true);
    expect([a, b].flatMap((i) => i.logs.filter((l) => l.msg === "queue message failed"))).toEqual([]);
  }, 120_000);

  it("a holder stalled past its lease (SIGSTOP): the other takes over and finishes; resumed, the stalled one writes nothing", async () => {
    // Downloads stall while a sync of `older` runs; its holder is then frozen with its requests in flight.
    github.faults.addLatency({ path: /\/git\/blobs\//, ms: 5_000 });
    const older = await repo.commit({ "workflows/hello.ts": "export default 'older';\n", "stale-only.txt": "only in the older commit\n" });
    const stalledRun = await waitFor("the older commit's run in its fetch", async () =>
      (await runs()).find((r) => r.requestedSha === older && r.result === "running" && r.progressPhase === "fetch"),
    );
    const stalled = await holderOf();
    const other = stalled === a ? b : a;
    const generation = (await leases().get(SYNC_LEASE))!.generation;
    stalled.child.kill("SIGSTOP");
    const stoppedAt = performance.now();
    try {
      github.faults.reset();
      github.faults.loseWebhooks({ count: 1 }); // the webhook target may be the frozen one: "Sync now" on the other instead
      const newer = await repo.commit({ "workflows/hello.ts": "export default 'newer';\n", "stale-only.txt": null, "newer-only.txt": "newer\n" });
      // "Sync now" on the live instance until it has applied the newer commit (at first the frozen lease holds it back).
      await waitFor(
        "the live instance to apply the newer commit",
        async () => {
          await call(other, "POST", "/api/github/sync");
          const record = (await connections().get())?.record;
          return record?.appliedSha === newer && record.state === "Ready";
        },
        { timeoutInMs: 40_000, intervalInMs: 500 },
      );
      // The takeover waited for the lease: the holder's last renewal was at most a quarter TTL before it froze.
      expect(performance.now() - stoppedAt).toBeGreaterThan(LEASE_TTL_MS * 0.75);
      expect((await leases().get(SYNC_LEASE))!.generation).toBeGreaterThan(generation);
      await expectExactly(newer);
      const stateBefore = (await connections().get())!.record;

      // Resume the stalled holder: its downloads have arrived meanwhile; it must stop, not apply `older`.
      stalled.child.kill("SIGCONT");
      const ended = await waitFor("the stalled run to end", async () => (await runs()).find((r) => r.runId === stalledRun.runId && r.result !== "running"), {
        timeoutInMs: 30_000,
      });
      expect(ended.result).toBe("cancelled");
      expect(ended.errorMessage).toMatch(/lease/i);
      await waitFor("the stalled instance's fence to be logged", async () => stalled.logs.some((l) => l.msg === "sync run stopped: the lease is no longer ours"));
      // Let its queue message come back and be handled (a no-op now), and the queued "Sync now" jobs too;
      // then look at the disk and the record.
      await waitForQuiet();
      await expectExactly(newer);
      expect((await readdir(workspaceDir)).filter((n) => n.startsWith(".funcspace-sync-"))).toEqual([]);
      const stateAfter = (await connections().get())!.record;
      expect(stateAfter).toMatchObject({ appliedSha: newer, state: "Ready" });
      expect(stateAfter.appliedSha).toBe(stateBefore.appliedSha);
      // Every run after the takeover synced the newer commit; none applied the older one.
      expect((await runs()).filter((r) => r.toSha === older && r.result === "applied")).toEqual([]);
    } finally {
      stalled.child.kill("SIGCONT");
      github.faults.reset();
    }
  }, 120_000);

  it("a holder killed mid-sync (SIGKILL): the other finishes the sync once the lease has expired, not before", async () => {
    github.faults.addLatency({ path: /\/git\/blobs\//, ms: 60_000 });
    const target = await repo.commit({ "workflows/hello.ts": "export default 'after the crash';\n", "crash/one.txt": "1\n" });
    const killedRun = await waitFor("the run in its fetch", async () =>
      (await runs()).find((r) => r.requestedSha === target && r.result === "running" && r.progressPhase === "fetch"),
    );
    const victim = await holderOf();
    const survivor = victim === a ? b : a;
    const lease = (await leases().get(SYNC_LEASE))!;
    victim.child.kill("SIGKILL");
    await victim.exited;
    const killedAt = performance.now();
    github.faults.reset();
    const applied = await waitFor(
      "the survivor to apply the commit",
      async () => {
        const answer = await call(survivor, "POST", "/api/github/sync");
        expect(answer.status).toBe(202);
        const record = (await connections().get())?.record;
        if (record?.appliedSha === target && record.state === "Ready") return performance.now();
        return undefined;
      },
      { timeoutInMs: 40_000, intervalInMs: 500 },
    );
    // Not before the lease expired: a quarter TTL may have passed since the last renewal, no more.
    expect(applied - killedAt).toBeGreaterThan(LEASE_TTL_MS * 0.75);
    expect(survivor.logs.some((l) => l.msg === "sync pending: another run holds the lease")).toBe(true);
    const now = (await leases().get(SYNC_LEASE))!;
    expect(now.generation).toBeGreaterThan(lease.generation);
    expect(now.holder.split(":")[1]).not.toBe(String(victim.pid));
    // The killed process's own run record stays as it left it until the sweeper comes: then it is marked
    // interrupted at once (its generation is no longer the lease's), not 35 minutes later.
    await waitForQuiet(killedRun.runId);
    await expectExactly(target);
    expect((await connections().get())!.record).toMatchObject({ appliedSha: target, state: "Ready" });
    expect((await runs()).find((r) => r.runId === killedRun.runId)).toMatchObject({ result: "running", leaseGeneration: lease.generation });
    const swept = await sweepInterruptedSyncs({
      workspaceId: DEFAULT_WORKSPACE_ID,
      syncRuns: new SyncRunStore(storage.table(TABLES.syncRuns)),
      connections: connections(),
      leases: leases(),
      logger: createLogger({ level: "silent" }),
    });
    expect(swept).toEqual([killedRun.runId]);
    expect((await runs()).find((r) => r.runId === killedRun.runId)).toMatchObject({ result: "interrupted" });
    expect((await connections().get())!.record).toMatchObject({ appliedSha: target, state: "Ready" });
  }, 120_000);
});
