// Webhook intake (issue 5): verified push deliveries per second and their p50/p99 latency through the local
// host with Azurite (signature check, dedupe insert, queue send; the connection read is shared by the
// deliveries of a second), next to two floors: the
// same HTTP round trip to a trivial route in the same host, and the delivery's storage work alone. Then
// push → workspace latency: a real `git push` to the GitHub stand-in, its signed webhook, the queue worker
// and the sync, until the file is on disk; next to the `git push` alone.
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/core";
import { sign } from "@octokit/webhooks-methods";
import pLimit from "p-limit";
import { defineHttp } from "../../functions/define.js";
import { createServices } from "../../functions/services.js";
import { triggers } from "../../functions/triggers.js";
import { saveAppCredentials } from "../../github-app/app-credentials.js";
import { DeliveryLog } from "../../github-app/delivery-log.js";
import { enqueueSync } from "../../github-app/enqueue-sync.js";
import { readHostSettings, type HostSettings } from "../../local/host-json.js";
import { startAzurite } from "../../local/azurite.js";
import { startLocalHost } from "../../local/local-host.js";
import { QUEUES, TABLES } from "../../src/azure/resources.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startGitHubStandIn } from "../../test/support/github-stand-in/index.js";
import { machineLine, median, percentile, round, shouldWrite, table, writeSection } from "../support/report.js";

const run = promisify(execFile);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 15);

const root = await mkdtemp(path.join(tmpdir(), "fs-bench-webhooks-"));
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
const intake = await startHost(hostSettings, false);
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const webhookSecret = randomBytes(20).toString("hex");
await saveAppCredentials(intake.services.secrets, {
  appId: 1,
  slug: "bench",
  privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  webhookSecret,
  clientId: "Iv1.bench",
  clientSecret: "bench",
});
const now = new Date().toISOString();
await intake.services.connections.delete();
await intake.services.connections.create({
  connectionId: randomUUID(), kind: "app", repository: "octo-user/site", branch: "main", installationId: 42,
  deliveryMode: "webhook", state: "Ready", createdAt: now, updatedAt: now,
});
const body = JSON.stringify({
  ref: "refs/heads/main", before: "0".repeat(40), after: "a".repeat(40), deleted: false,
  repository: { id: 1, name: "site", full_name: "octo-user/site", owner: { login: "octo-user" } },
  installation: { id: 42 }, sender: { login: "octo-user" }, commits: [], head_commit: { id: "a".repeat(40), message: "x".repeat(400) },
});
const signature = await sign(webhookSecret, body);

async function measure(deliver: () => Promise<void>, count: number): Promise<{ latencies: number[]; perSecond: number }> {
  const limit = pLimit(CONCURRENCY);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, () =>
      limit(async () => {
        const t = performance.now();
        await deliver();
        latencies.push(performance.now() - t);
      }),
    ),
  );
  return { latencies, perSecond: (count / (performance.now() - started)) * 1000 };
}

const post = (url: string) => async () => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`${url} answered ${response.status}`);
};
// The second baseline: the storage work of one delivery alone, in-process and without HTTP, through the
// same stores: the delivery-id claim, then the queue send; the connection read once a second, as the intake
// shares it (GitHubRuntime.readConnectionForWebhook).
const deliveries = new DeliveryLog(intake.services.storage.table(TABLES.deliveries));
let sharedConnection: { at: number; read: ReturnType<typeof intake.services.connections.get> } | undefined;
const storageOnly = async () => {
  const deliveryId = randomUUID();
  if (!sharedConnection || performance.now() - sharedConnection.at > 1_000) sharedConnection = { at: performance.now(), read: intake.services.connections.get() };
  const [claimed, connection] = await Promise.all([deliveries.claim(deliveryId), sharedConnection.read]);
  if (!claimed || !connection) throw new Error("the storage baseline lost its claim or its connection");
  await enqueueSync(intake.services.storage, {
    connectionId: connection.record.connectionId, branch: connection.record.branch, sha: "a".repeat(40), trigger: "webhook", deliveryId, requestedAt: new Date().toISOString(),
  });
};
const targets = {
  verified: post(`${intake.host.url}/api/github/webhooks`),
  trivial: post(`${intake.host.url}/api/bench/trivial`),
  storage: storageOnly,
};

// Warm-up (Probot built from the secrets, connections opened), then interleaved rounds.
const loadBefore = loadavg()[0]!;
for (const deliver of Object.values(targets)) await measure(deliver, 50);
const results = Object.fromEntries(Object.keys(targets).map((name) => [name, { latencies: [] as number[], rates: [] as number[] }])) as Record<keyof typeof targets, { latencies: number[]; rates: number[] }>;
const ROUNDS = 4;
for (let i = 0; i < ROUNDS; i++) {
  for (const name of Object.keys(targets) as (keyof typeof targets)[]) {
    const { latencies, perSecond } = await measure(targets[name], DELIVERIES / ROUNDS);
    results[name].latencies.push(...latencies);
    results[name].rates.push(perSecond);
  }
}
const loadAfter = loadavg()[0]!;
const { verified, trivial, storage } = results;
const queued = (await intake.services.storage.queue(QUEUES.workspaceSync).getProperties()).approximateMessagesCount;
await intake.host.close();

// --- 2. git push → file on disk ---------------------------------------------------------------------------
async function pushLatency(settings: HostSettings): Promise<{ total: number[]; push: number[] }> {
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
  for (let i = 0; i <= PUSHES; i++) {
    const content = `export default ${i};\n`;
    await writeFile(path.join(clone, `flow-${i}.ts`), content);
    await git("add", "-A");
    await git("commit", "-q", "-m", `push ${i}`);
    // Let the worker's poller go idle as it would between real pushes.
    await new Promise((r) => setTimeout(r, 1500));
    const t = performance.now();
    await git("push", "-q", "origin", "HEAD:main");
    const pushed = performance.now() - t;
    await waitFor(`flow-${i}.ts`, content);
    if (i > 0) {
      // Push 0 is the initial sync of the whole repository.
      total.push(performance.now() - t);
      push.push(pushed);
    }
  }
  await host.close();
  return { total, push };
}

const asConfigured = await pushLatency(hostSettings);
const fastPolling = await pushLatency({ ...hostSettings, queues: { ...hostSettings.queues, maxPollingIntervalInMs: 250 } });

await github.close();
await azurite.stop();
await rm(root, { recursive: true, force: true });

const ms = (v: number) => round(v, 1);
const row = (what: string, r: { latencies: number[]; rates: number[] }) =>
  [what, round(median(r.rates), 0), ms(median(r.latencies)), ms(percentile(r.latencies, 99)), round(median(r.rates) / median(verified.rates), 2)];
const rows = [
  row("verified push delivery → 202 (enqueued)", verified),
  row("baseline: trivial route, same body (HTTP only)", trivial),
  row("baseline: its storage work alone, no HTTP (claim, then queue send; connection read once a second)", storage),
];
const met = median(verified.rates) >= 500 && percentile(verified.latencies, 99) < 25;
const pollSeconds = hostSettings.queues.maxPollingIntervalInMs / 1000;
const pushRows = [
  [`git push → file on disk (host.json: maxPollingInterval ${pollSeconds} s)`, ms(median(asConfigured.total)), ms(percentile(asConfigured.total, 90)), ms(Math.max(...asConfigured.total))],
  ["git push → file on disk (maxPollingInterval 0.25 s)", ms(median(fastPolling.total)), ms(percentile(fastPolling.total, 90)), ms(Math.max(...fastPolling.total))],
  ["baseline: `git push` alone (includes the stand-in's post-receive hook)", ms(median([...asConfigured.push, ...fastPolling.push])),
    ms(percentile([...asConfigured.push, ...fastPolling.push], 90)), ms(Math.max(...asConfigured.push, ...fastPolling.push))],
];
const markdown = [
  "## Webhook intake and push → workspace (`bench/webhooks`)",
  "",
  machineLine(),
  `${DELIVERIES} signed push deliveries per row (${ROUNDS} interleaved rounds, ${CONCURRENCY} in flight) through the local host with Azurite: ` +
    `HMAC check, then the delivery-id insert (alongside the connection read, one shared by the deliveries of a second), then the queue send (${queued} jobs were queued: one per verified delivery and per storage-baseline run, warm-ups included). ` +
    `Goals: ≥ 500/s, p99 < 25 ms → ${met ? "met" : "**not met**"}. Ratio = the row's rate ÷ the verified rate. ` +
    `Load average (1 min) ${round(loadBefore, 1)} before, ${round(loadAfter, 1)} after.`,
  "",
  table(["what", "deliveries/s", "p50 ms", "p99 ms", "rate ÷ verified"], rows),
  "",
  `${PUSHES} pushes of one new file each (after an initial sync), the queue poller idle for 1.5 s before each, as between real pushes. ` +
    "The worker polls the queue with the host's back-off, so the wait for the next poll dominates. Goal: p50 < 1 s.",
  "",
  table(["what", "p50 ms", "p90 ms", "max ms"], pushRows),
].join("\n");
console.log(markdown);
if (shouldWrite) await writeSection("webhooks", markdown);
