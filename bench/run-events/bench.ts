// bench/run-events: how soon a line a workflow logs reaches someone watching the run, and what watchers cost.
//  1. A run logs a line every LINE_MS; one watcher on the same instance (woken by the writer) and one on another
//     instance (reading storage every 250 ms) note each line's lateness: now − the line's own time. p50/p99,
//     next to the run's total duration. Goal: p50 < 100 ms, p99 < 500 ms (same instance).
//  2. The same run with 0 and with 50 watchers on the host, in alternating pairs: the host process's CPU (user +
//     system, this process: the watchers live in a child process, Azurite in its own) over the run. Goal: the 50
//     watchers' extra CPU < 5% of one core over the run's duration.
// One Azurite, two local hosts in this process (services of their own), the runner as in production.
import { fork, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServices } from "../../functions/services.js";
import { triggers } from "../../functions/triggers.js";
import { startAzurite } from "../../local/azurite.js";
import { startLocalHost } from "../../local/local-host.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import type { RunRecord } from "../../src/engine/run-record.js";
import { machineLine, median, percentile, round, shouldWrite, table, writeSection } from "../support/report.js";

const LINES = Number(process.env.BENCH_LINES ?? 200);
const LINE_MS = Number(process.env.BENCH_LINE_MS ?? 20);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 50);

const root = await mkdtemp(path.join(tmpdir(), "fs-bench-run-events-"));
await chmod(root, 0o711);
const azurite = await startAzurite();
const workspaceDir = path.join(root, "workspace");
await mkdir(path.join(workspaceDir, "workflows"), { recursive: true });
await writeFile(
  path.join(workspaceDir, "workflows/emit.ts"),
  `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "emit",
  parameters: { lines: { type: "number" }, everyMs: { type: "number" } },
  async run({ lines, everyMs }, { log }) {
    for (let i = 1; i <= lines; i++) {
      log.info("line " + i);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    return { lines };
  },
});
`,
);

async function startHost(name: string) {
  const config = loadConfig(
    {
      AzureWebJobsStorage: azurite.connectionString,
      WORKSPACE_DIR: workspaceDir,
      TEMP_DIR: path.join(root, `tmp-${name}`),
      LOCAL_SECRETS_FILE: path.join(root, "secrets.json"),
      LOG_LEVEL: "warn",
    },
    { profile: "local" },
  );
  await mkdir(config.tempDir, { recursive: true });
  const services = createServices(config, { logger: createLogger({ level: "warn" }) });
  await ensureStorageResources(services.storage);
  const host = await startLocalHost({ triggers, services, port: 0, enableQueues: false, enableTimers: false });
  return { host, services };
}

const a = await startHost("a");
const b = await startHost("b");
async function startWatchers(): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL("./watchers.ts", import.meta.url)), { execArgv: ["--import", "tsx"] });
  await new Promise((resolve) => child.once("message", resolve));
  return child;
}
const watchers = await startWatchers();
const otherWatchers = await startWatchers();

function watch(child: ChildProcess, url: string, count: number): Promise<{ lateness: number[]; lines: number[] }> {
  return new Promise((resolve, reject) => {
    child.once("message", (answer: { lateness: number[]; lines: number[]; failure?: string }) =>
      answer.failure ? reject(new Error(answer.failure)) : resolve(answer),
    );
    child.send({ url, watchers: count });
  });
}

/** Starts a run on A (waited for in the background) and resolves with its id once it is listed. */
async function startRun(): Promise<{ id: string; done: Promise<RunRecord> }> {
  const before = new Set((await a.services.engine.listRuns({ limit: 200 })).runs.map((r) => r.id));
  const done = a.services.engine.startRun("emit", { lines: LINES, everyMs: LINE_MS }, { wait: true });
  for (;;) {
    const run = (await a.services.engine.listRuns({ limit: 20 })).runs.find((r) => !before.has(r.id));
    if (run) return { id: run.id, done };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// Warm up: the runner, a thread, the workflow compiled.
await (await startRun()).done;

// 1. Latency, same instance and across instances.
const same: number[] = [];
const across: number[] = [];
const durations: number[] = [];
for (let i = 0; i < PAIRS; i++) {
  const run = await startRun();
  const [onA, onB, record] = await Promise.all([
    watch(watchers, `${a.host.url}/api/runs/${run.id}/events`, 1),
    watch(otherWatchers, `${b.host.url}/api/runs/${run.id}/events`, 1),
    run.done,
  ]);
  same.push(...onA.lateness);
  across.push(...onB.lateness);
  durations.push(record.durationMs ?? 0);
}

// 2. CPU of the host with 0 and with WATCHERS watchers, in alternating pairs.
const cpu = { none: [] as number[], many: [] as number[] };
const wall = { none: [] as number[], many: [] as number[] };
for (let i = 0; i < PAIRS; i++) {
  for (const mode of i % 2 ? (["many", "none"] as const) : (["none", "many"] as const)) {
    const start = process.cpuUsage();
    const t0 = performance.now();
    const run = await startRun();
    if (mode === "many") await Promise.all([watch(watchers, `${a.host.url}/api/runs/${run.id}/events`, WATCHERS), run.done]);
    else await run.done;
    const used = process.cpuUsage(start);
    cpu[mode].push((used.user + used.system) / 1000);
    wall[mode].push(performance.now() - t0);
  }
}

watchers.kill();
otherWatchers.kill();
await a.host.close();
await b.host.close();
await a.services.engine.close();
await b.services.engine.close();
await azurite.stop();
await rm(root, { recursive: true, force: true });

const ms = (v: number) => round(v, 1);
const runMs = median(durations);
const extraCpuMs = median(cpu.many) - median(cpu.none);
const extraShare = (extraCpuMs / median(wall.many)) * 100;
const latencyMet = median(same) < 100 && percentile(same, 99) < 500;
const cpuMet = extraShare < 5;
const markdown = [
  "## Live run events (`bench/run-events`)",
  "",
  machineLine(),
  `A run logs ${LINES} lines, one every ${LINE_MS} ms (${ms(runMs)} ms per run, median of ${PAIRS}). Lateness = when the line reached the watcher − the time the line carries (taken in the workflow's thread as it logged). Lines logged before a watcher's stream was open are left out (they arrive in its first batch). One Azurite, two local hosts in one process; watchers in a child process.`,
  "",
  table(
    ["watcher", "lines", "p50 ms", "p90 ms", "p99 ms", "max ms", "run duration ms", "goal"],
    [
      ["same instance as the run (the writer wakes its reader)", same.length, ms(median(same)), ms(percentile(same, 90)), ms(percentile(same, 99)), ms(Math.max(...same)), ms(runMs), `p50 < 100, p99 < 500: ${latencyMet ? "met" : "**not met**"}`],
      ["another instance (reads storage every 250 ms)", across.length, ms(median(across)), ms(percentile(across, 90)), ms(percentile(across, 99)), ms(Math.max(...across)), ms(runMs), "reported"],
    ],
  ),
  "",
  `Host CPU over one run (this process: the platform side of the run, its event writes and the streams; the runner and Azurite are other processes), ${PAIRS} pairs, order alternating: no watcher ${ms(median(cpu.none))} ms, ${WATCHERS} watchers ${ms(median(cpu.many))} ms, so ${ms(extraCpuMs)} ms extra over ${ms(median(wall.many))} ms = **${round(extraShare, 2)}% of one core** (goal < 5%: ${cpuMet ? "met" : "**not met**"}). One reader per run per instance: the ${WATCHERS} watchers add no storage reads, only formatting and writing each event ${WATCHERS} times.`,
  "",
  "Run: `npm run bench run-events` (or `npx tsx bench/run-events/bench.ts`); `--write` updates this section; `BENCH_LINES`, `BENCH_LINE_MS`, `BENCH_PAIRS`, `BENCH_WATCHERS` override the counts.",
].join("\n");
console.log(markdown);
if (shouldWrite) await writeSection("run-events", markdown);
process.exit(0);
