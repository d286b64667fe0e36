// Webhook intake (issue 5): the most verified push deliveries per second through the local host with
// Azurite (signature check, dedupe insert, queue send; the connection read is shared by the deliveries of a
// second), and their p50/p99 latency at the goal's 500/s, next to two floors: the same HTTP round trip to a
// trivial route in the same host, and the delivery's storage work alone. Then
// push → workspace latency: a real `git push` to the GitHub stand-in, its signed webhook, the queue worker
// and the sync, until the file is on disk; next to the `git push` alone.
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/core";
import { defineHttp } from "../../functions/define.js";
import { createServices } from "../../functions/services.js";
import { triggers } from "../../functions/triggers.js";
import { DeliveryLog } from "../../github-app/delivery-log.js";
import { enqueueSync } from "../../github-app/enqueue-sync.js";
import { PushJobs } from "../../github-app/push-jobs.js";
import { readHostSettings, type HostSettings } from "../../local/host-json.js";
import { startAzurite } from "../../local/azurite.js";
import { startLocalHost } from "../../local/local-host.js";
import { QUEUES, TABLES } from "../../src/azure/resources.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startGitHubStandIn } from "../../test/support/github-stand-in/index.js";
import { startHttpLoad } from "../support/http-load.js";
import { prepareSignedPush } from "../support/signed-push.js";
import { closedLoop, openLoop } from "../support/load-loops.js";
import { processCpuMs } from "../support/process-cpu.js";
import { machineLine, median, percentile, round, shouldWrite, table, writeSection } from "../support/report.js";

const run = promisify(execFile);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** The goal's rate: the open-loop rows send one delivery every 1/RATE s and time each from when it was due. */
const RATE = Number(process.env.BENCH_RATE ?? 500);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 15);

const root = await mkdtemp(path.join(tmpdir(), "fs-bench-webhooks-"));
// mkdtemp makes it 0700; the workflow runner's user (nobody, when the bench runs as root) must pass through it.
await chmod(root, 0o711);
// Each part, and each host of part 2, gets an Azurite of its own (see pushLatency).
let azurite = await startAzurite();
const github = await startGitHubStandIn({ root: path.join(root, "github") });

async function startHost(settings: HostSettings, enableQueues: boolean) {
  const config = loadConfig(
    {
      AzureWebJobsStorage: azurite.connectionString,
      WORKSPACE_DIR: path.join(root, `workspace-${randomUUID()}`),
      TEMP_DIR: path.join(root, `tmp-${randomUUID()}`),
      LOCAL_SECRETS_FILE: path.join(root, "secrets.json"),
      GITHUB_API_URL: github.apiUrl,
      GITHUB_WEB_URL: github.webUrl,
      LOG_LEVEL: "warn",
    },
    { profile: "local" },
  );
  const { mkdir } = await import("node:fs/promises");
  await mkdir(config.workspaceDir, { recursive: true });
  await mkdir(config.tempDir, { recursive: true });
  const services = createServices(config, { logger: createLogger({ level: "warn" }) });
  await ensureStorageResources(services.storage);
  // The baseline: same host, same body, nothing but reading it and answering 202.
  const trivial = defineHttp({
    name: "benchTrivial",
    methods: ["POST"],
    route: "bench/trivial",
    role: "anonymous",
    handler: async (request) => {
      await request.arrayBuffer();
      return { status: 202, jsonBody: { outcome: "accepted" } };
    },
  });
  const host = await startLocalHost({ triggers: [...triggers, trivial], services, port: 0, settings, enableQueues, enableTimers: false });
  return { host, services, config };
}

// --- 1. Verified deliveries through the host ---------------------------------------------------------------
const hostSettings = readHostSettings();
/** The interval host.json had before issue 23, measured in the same run for comparison. */
const SLOW_POLL_MS = 500;

function pushRows(configured: PushTimes, slow: PushTimes): (string | number)[][] {
  const seconds = (ms: number) => `${ms / 1000} s`;
  const rowOf = (what: string, values: number[]) => [what, round(median(values), 1), round(percentile(values, 90), 1), round(Math.max(...values), 1)];
  const configuredPoll = seconds(hostSettings.queues.maxPollingIntervalInMs);
  return [
    rowOf(`git push → file on disk (host.json: maxPollingInterval ${configuredPoll})`, configured.total),
    rowOf(`webhook sent → file on disk (${configuredPoll})`, configured.fromWebhook),
    rowOf(`of which: the stand-in answering the sync's GitHub requests (${configuredPoll})`, configured.standIn),
    rowOf(`git push → file on disk (maxPollingInterval ${seconds(SLOW_POLL_MS)}, the setting before)`, slow.total),
    rowOf(`webhook sent → file on disk (${seconds(SLOW_POLL_MS)})`, slow.fromWebhook),
    rowOf("baseline: `git push` alone (includes the stand-in's post-receive hook, which waits for the webhook's answer)", [...configured.push, ...slow.push]),
  ];
}

// BENCH_WEBHOOKS_ONLY=push: the push → disk rows alone, printed, never written (for quick comparisons).
if (process.env.BENCH_WEBHOOKS_ONLY === "push") {
  const configured = await pushLatency(hostSettings);
  const slow = await pushLatency({ ...hostSettings, queues: { ...hostSettings.queues, maxPollingIntervalInMs: SLOW_POLL_MS } });
  console.log(table(["what", "p50 ms", "p90 ms", "max ms"], pushRows(configured, slow)));
  await github.close();
  await azurite.stop();
  await rm(root, { recursive: true, force: true });
  process.exit(0);
}
const intake = await startHost(hostSettings, false);
const { body, signature } = await prepareSignedPush(intake.services);

/** Closed loop (`CONCURRENCY` in flight: the most it can do) or open loop (`ratePerSecond`: its latency at that rate). */
type Drive = { ratePerSecond?: number };

// The HTTP rows' load comes from another process (bench/support/http-load.ts), as GitHub's would.
const load = startHttpLoad();
const post = (url: string) => (count: number, drive: Drive) =>
  load.run({
    url,
    headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature },
    perRequestUuidHeader: "x-github-delivery",
    body,
    expectStatus: 202,
    count,
    concurrency: CONCURRENCY,
    ratePerSecond: drive.ratePerSecond,
  });

// The second baseline: the storage work of a delivery alone, in this process and without HTTP, through the
// same stores and the same coalescing as the intake: the delivery-id claim, then the job through PushJobs
// (pushes arriving while a job is being sent share the next one); the connection read once a second, as
// the intake shares it (GitHubRuntime.readConnectionForWebhook).
const deliveries = new DeliveryLog(intake.services.storage.table(TABLES.deliveries));
const pushJobs = new PushJobs((job, options) => enqueueSync(intake.services.storage, job, options));
let sharedConnection: { at: number; read: ReturnType<typeof intake.services.connections.get> } | undefined;
const storageOnce = async () => {
  const deliveryId = randomUUID();
  if (!sharedConnection || performance.now() - sharedConnection.at > 1_000) sharedConnection = { at: performance.now(), read: intake.services.connections.get() };
  const [claimed, connection] = await Promise.all([deliveries.claim(deliveryId), sharedConnection.read]);
  if (!claimed || !connection) throw new Error("the storage baseline lost its claim or its connection");
  await pushJobs.enqueue({
    connectionId: connection.record.connectionId, branch: connection.record.branch, sha: "a".repeat(40), trigger: "webhook", deliveryId, requestedAt: new Date().toISOString(),
  });
};
const storageOnly = (count: number, drive: Drive) =>
  drive.ratePerSecond ? openLoop(count, drive.ratePerSecond, storageOnce) : closedLoop(count, CONCURRENCY, storageOnce);

const targets = {
  verified: post(`${intake.host.url}/api/github/webhooks`),
  trivial: post(`${intake.host.url}/api/bench/trivial`),
  storage: storageOnly,
};
type Target = keyof typeof targets;

// CPU time per delivery of each party (two cores are shared by all three), and queue messages per delivery.
const syncQueue = intake.services.storage.queue(QUEUES.workspaceSync);
const queuedNow = async () => (await syncQueue.getProperties()).approximateMessagesCount ?? 0;
const cpuNow = () => ({ host: process.cpuUsage(), azurite: processCpuMs(azurite.process.pid!), client: processCpuMs(load.pid) });
async function measure(name: Target, count: number, drive: Drive = {}) {
  const [queued, cpu] = [await queuedNow(), cpuNow()];
  const measured = await targets[name](count, drive);
  const host = process.cpuUsage(cpu.host);
  return {
    ...measured,
    hostCpuMs: (host.user + host.system) / 1000,
    azuriteCpuMs: processCpuMs(azurite.process.pid!) - cpu.azurite,
    clientCpuMs: processCpuMs(load.pid) - cpu.client,
    messages: (await queuedNow()) - queued,
  };
}

// Warm-up, then interleaved rounds. An instance serves for hours: the rows measure it warm (Probot built
// from the secrets, connections open, the JIT and Azurite's collections settled). The in-process intake
// measured 368, 665, then 945 deliveries/s over its first three runs of 1,500; 50 left rows half cold.
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 1500);
const loadBefore = loadavg()[0]!;
for (const name of Object.keys(targets) as Target[]) await measure(name, WARM_UP);
const emptyTotals = () => ({
  latencies: [] as number[], rates: [] as number[], count: 0, hostCpuMs: 0, azuriteCpuMs: 0, clientCpuMs: 0, messages: 0,
  /** The open-loop runs at RATE: latency from when each request was due. */
  pacedLatencies: [] as number[], pacedRates: [] as number[],
});
const results: Record<Target, ReturnType<typeof emptyTotals>> = { verified: emptyTotals(), trivial: emptyTotals(), storage: emptyTotals() };
const ROUNDS = 4;
const PER_ROUND = Math.floor(DELIVERIES / ROUNDS);
for (let i = 0; i < ROUNDS; i++) {
  for (const name of Object.keys(targets) as Target[]) {
    const m = await measure(name, PER_ROUND);
    const r = results[name];
    r.latencies.push(...m.latencies);
    r.rates.push(m.perSecond);
    r.count += PER_ROUND;
    r.hostCpuMs += m.hostCpuMs;
    r.azuriteCpuMs += m.azuriteCpuMs;
    r.clientCpuMs += m.clientCpuMs;
    r.messages += m.messages;
    const paced = await measure(name, PER_ROUND, { ratePerSecond: RATE });
    r.pacedLatencies.push(...paced.latencies);
    r.pacedRates.push(paced.perSecond);
  }
}
const loadAfter = loadavg()[0]!;
const { verified, trivial, storage } = results;
await load.close();
await intake.host.close();

// --- 2. git push → file on disk ---------------------------------------------------------------------------
interface PushTimes {
  total: number[];
  push: number[];
  /** From the stand-in sending the webhook (GitHub's part done) to the file on disk: the part that is ours. */
  fromWebhook: number[];
  /** Of that, the stand-in's own time answering the sync's GitHub requests (it runs git per request). */
  standIn: number[];
}

async function pushLatency(settings: HostSettings): Promise<PushTimes> {
  // A fresh Azurite. Part 1 left thousands of jobs on the queue, for this worker to churn through; cleared,
  // they trip Azurite's queue GC, which runs every minute and blocks the emulator for a time growing with
  // the square of the messages deleted (measured: 4 s after 2,050, 22 s after 4,100): a webhook GitHub gives
  // up on in the middle of the pushes. And the second host on a shared emulator measured ~250 ms slower per
  // push, which would make the rows depend on their order.
  await azurite.stop();
  azurite = await startAzurite();
  const { host, services, config } = await startHost(settings, true);
  const fullName = `octo-user/site-${randomBytes(3).toString("hex")}`;
  const repo = await github.createRepository(fullName);
  await repo.commit({ "README.md": "# bench\n" });
  const token = `ghp_${randomBytes(12).toString("hex")}`;
  github.addToken(token, { type: "classic", scopes: ["repo", "admin:repo_hook"] });
  const connectionId = randomUUID();
  const secret = randomBytes(32).toString("hex");
  await services.secrets.set(`github-pat-${connectionId}`, token);
  await services.secrets.set(`github-webhook-${connectionId}`, secret);
  const [owner, name] = fullName.split("/") as [string, string];
  const { data: hook } = await new Octokit({ auth: token, baseUrl: github.apiUrl }).request("POST /repos/{owner}/{repo}/hooks", {
    owner, repo: name, config: { url: `${host.url}/api/github/webhooks`, content_type: "json", secret }, events: ["push"],
  });
  const stamp = new Date().toISOString();
  await services.connections.delete();
  await services.connections.create({
    connectionId, kind: "pat", repository: fullName, branch: "main", tokenSecretName: `github-pat-${connectionId}`, tokenLast4: token.slice(-4),
    deliveryMode: "webhook", webhookId: hook.id, webhookSecretName: `github-webhook-${connectionId}`, state: "Connecting", createdAt: stamp, updatedAt: stamp,
  });
  const clone = path.join(root, `clone-${randomUUID()}`);
  await run("git", ["clone", "-q", repo.cloneUrl, clone]);
  const git = (...args: string[]) => run("git", ["-C", clone, "-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args]);
  const waitFor = async (file: string, content: string) => {
    for (;;) {
      if ((await readFile(path.join(config.workspaceDir, file), "utf8").catch(() => "")) === content) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const total: number[] = [];
  const push: number[] = [];
  const fromWebhook: number[] = [];
  const standIn: number[] = [];
  for (let i = 0; i <= PUSHES; i++) {
    const content = `export default ${i};\n`;
    await writeFile(path.join(clone, `flow-${i}.ts`), content);
    await git("add", "-A");
    await git("commit", "-q", "-m", `push ${i}`);
    // Let the worker's poller go idle as it would between real pushes, for a random time: a fixed gap would land
    // every push at the same point of the poller's back-off schedule (measured: p50 and p90 within 15 ms).
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
    const requestsBefore = github.requests.length;
    const t = performance.now();
    await git("push", "-q", "origin", "HEAD:main");
    const pushed = performance.now() - t;
    await waitFor(`flow-${i}.ts`, content);
    const onDisk = Date.now();
    if (i > 0) {
      // Push 0 is the initial sync of the whole repository.
      total.push(performance.now() - t);
      push.push(pushed);
      const delivery = github.deliveries.filter((d) => d.event === "push").at(-1);
      if (delivery) fromWebhook.push(onDisk - delivery.deliveredAt.getTime());
      const answered = github.requests.slice(requestsBefore).filter((r) => r.method === "GET" && r.at !== undefined);
      // Requests in flight together count once: the span from the first request's arrival to the last answer.
      if (answered.length > 0) standIn.push(spanOf(answered.map((r) => [r.at!, r.at! + (r.durationMs ?? 0)] as const)));
    }
  }
  await host.close();
  return { total, push, fromWebhook, standIn };
}

/** Milliseconds covered by at least one of the intervals (overlapping requests count once). */
function spanOf(intervals: (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = -Infinity;
  for (const [from, to] of sorted) {
    if (to <= end) continue;
    covered += to - Math.max(from, end);
    end = to;
  }
  return covered;
}

// BENCH_WEBHOOKS_ONLY=intake: the deliveries table alone, for quick comparisons (never written).
const intakeOnly = process.env.BENCH_WEBHOOKS_ONLY === "intake";
const asConfigured = intakeOnly ? undefined : await pushLatency(hostSettings);
const slowPolling = intakeOnly ? undefined : await pushLatency({ ...hostSettings, queues: { ...hostSettings.queues, maxPollingIntervalInMs: SLOW_POLL_MS } });

await github.close();
await azurite.stop();
await rm(root, { recursive: true, force: true });

const ms = (v: number) => round(v, 1);
type Totals = (typeof results)[Target];
const perDelivery = (value: number, r: Totals) => round(value / r.count, 2);
const row = (what: string, r: Totals) => [
  what, round(median(r.rates), 0), ms(percentile(r.latencies, 99)), ms(median(r.pacedLatencies)), ms(percentile(r.pacedLatencies, 99)),
  round(median(r.rates) / median(verified.rates), 2),
  perDelivery(r.hostCpuMs, r), perDelivery(r.azuriteCpuMs, r), r === storage ? "—" : perDelivery(r.clientCpuMs, r), r === trivial ? "—" : perDelivery(r.messages, r),
];
const rows = [
  row("verified push delivery → 202 (enqueued)", verified),
  row("baseline: trivial route, same body (HTTP only)", trivial),
  row("baseline: its storage work alone, no HTTP (claim, then the job through the same coalescing; connection read once a second)", storage),
];
// The goal (issue 18, restated: p99 < 25 ms at 500/s was not reachable on 2 cores with the storage emulator, whose
// own work alone has a higher p99): sustain 500/s (the closed loop's rate), and p99 at 500/s within 2× of the same
// run's storage-only p99 at 500/s (the open loop's latencies).
const p99Ratio = percentile(verified.pacedLatencies, 99) / percentile(storage.pacedLatencies, 99);
const met = median(verified.rates) >= 500 && p99Ratio <= 2;
const markdown = [
  "## Webhook intake and push → workspace (`bench/webhooks`)",
  "",
  machineLine(),
  `${PER_ROUND * ROUNDS} signed push deliveries per row, after ${WARM_UP} to warm up (${ROUNDS} interleaved rounds, ${CONCURRENCY} in flight) through the local host with Azurite: ` +
    `HMAC check, then the delivery-id insert (alongside the connection read, one shared by the deliveries of a second), then the sync job: ` +
    "pushes that arrive while a job for the branch is being sent share the next one (`github-app/push-jobs.ts`). " +
    "The HTTP rows' requests come from a separate load-generator process. " +
    `Each round drives each row twice: closed loop, ${CONCURRENCY} in flight (the most it can do: "most/s", with the p99 latency there), ` +
    `then open loop, one delivery due every ${round(1000 / RATE, 2)} ms (${RATE}/s), each timed from when it was due, so a stall counts against every delivery it held up ` +
    `(achieved: ${round(median(verified.pacedRates), 0)}/s verified). ` +
    "CPU columns (closed loop): milliseconds of CPU per delivery (user + system, all threads) " +
    "of this host process, of the Azurite process, and of the load generator; the three share the two cores. " +
    `Goals: ≥ 500/s, and p99 at 500/s ≤ 2× the storage-only row's (here ${round(p99Ratio, 2)}×) → ${met ? "met" : "**not met**"}. Ratio = the row's most/s ÷ the verified most/s. ` +
    `Load average (1 min) ${round(loadBefore, 1)} before, ${round(loadAfter, 1)} after.`,
  "",
  table(
    ["what", "most/s", "p99 ms at most", `p50 ms at ${RATE}/s`, `p99 ms at ${RATE}/s`, "most ÷ verified", "host CPU ms", "Azurite CPU ms", "client CPU ms", "queue messages"],
    rows,
  ),
  ...(!asConfigured || !slowPolling ? [] : [
  "",
  `${PUSHES} pushes of one new file each (after an initial sync), the queue poller idle for 1.5-2.5 s (random) before each, as between real pushes; ` +
    "the queue is the only way in. \"webhook sent\" is when the stand-in sent the push's webhook (what `git push` did before that is git's and " +
    "GitHub's part: the pack, the ref update, the hook); the stand-in answers each GitHub request by running git (tens of ms each here), " +
    "its share is the row below. Goal (issue 23): p50 < 300 ms, p90 < 500 ms.",
  "",
  table(["what", "p50 ms", "p90 ms", "max ms"], pushRows(asConfigured, slowPolling)),
  ]),
].join("\n");
console.log(markdown);
if (shouldWrite && !intakeOnly) await writeSection("webhooks", markdown);
