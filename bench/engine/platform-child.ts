// One platform process of the engine bench: a WorkflowEngine built by the app's composition root
// (functions/services.ts) with WORKFLOW_RUNNER set to this process's mode, run records in the bench's Azurite.
// The bench (bench.ts) drives two of these, one per mode, in turn; each answers one request at a time and
// times it itself. Its own process so that its RSS (and, for the runner, the runner's) is that mode's alone.
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createServices, type Services } from "../../functions/services.js";
import { TABLES } from "../../src/azure/resources.js";
import { WorkflowRunStore } from "../../src/azure/workflow-run-store.js";
import { loadConfig } from "../../src/config.js";
import { createRunId, type RunRecord } from "../../src/engine/run-record.js";
import type { FromWorker, ToWorker } from "../../src/engine/worker/protocol.js";
import type { WorkflowEngine } from "../../src/engine/workflow-engine.js";
import { createLogger } from "../../src/logger.js";
import { processCpuMs } from "../support/process-cpu.js";
import { workflowSource, type ColdStart, type CyclesAnswer, type MemorySample, type Mode, type Reply, type Request, type RunsAnswer, type TimedRun } from "./protocol.js";

const mode = process.env.BENCH_MODE as Mode;
const dir = process.env.BENCH_DIR!;
const workspaceDir = path.join(dir, "workspace");
const file = path.join(workspaceDir, "trivial.mts");
const config = loadConfig(
  {
    AzureWebJobsStorage: process.env.BENCH_STORAGE!,
    WORKSPACE_DIR: workspaceDir,
    TEMP_DIR: path.join(dir, "tmp"),
    LOCAL_SECRETS_FILE: path.join(dir, "secrets.json"),
    WORKFLOW_RUNNER: mode,
  },
  { profile: "local" },
);
const logger = createLogger({ level: "silent" });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("platform-child needs --expose-gc");

/** Milliseconds the engine's thread requests (describe, run) waited for their answers, summed since start. */
let threadWaitMs = 0;

/** Times each request the engine sends a thread to its answer, whichever side of the runner the thread is on. */
function timeThreadRequests(services: Services): void {
  const threads = services.engine.threads;
  const spawn = threads.spawn.bind(threads);
  threads.spawn = () => {
    const thread = spawn();
    const sent = new Map<string, number>();
    const post = thread.postMessage.bind(thread);
    thread.postMessage = (message: ToWorker) => {
      if (message.type === "run" || message.type === "describe") sent.set(message.id, performance.now());
      post(message);
    };
    // Registered before the engine's own listener (EngineWorker adds its listeners after spawn returns).
    thread.on("message", (message: FromWorker) => {
      if (message.type !== "finished" && message.type !== "described") return;
      const at = sent.get(message.id);
      sent.delete(message.id);
      if (at !== undefined) threadWaitMs += performance.now() - at;
    });
    return thread;
  };
}

const services = createServices(config, { logger });
timeThreadRequests(services);
const { engine } = services;
/** The same table the engine writes its run records to, for the storage-only baseline. */
const records = new WorkflowRunStore(services.storage.table(TABLES.workflowRuns));

function runnerPid(of: WorkflowEngine): number | undefined {
  const match = /pid (\d+)/.exec(of.threads.description);
  return match ? Number(match[1]) : undefined;
}

function vmRssMb(pid: number | "self"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/** Context switches (voluntary + not) of every thread of a process so far: each is a thread put to sleep or woken. */
function contextSwitches(pid: number | "self"): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
      for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) total += Number(match[1]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

function memory(cycle: number): MemorySample {
  gc!();
  const pid = runnerPid(engine);
  return { cycle, platformMb: vmRssMb("self"), ...(pid ? { runnerMb: vmRssMb(pid), runnerPid: pid } : {}) };
}

async function runOnce(on: WorkflowEngine, version?: number): Promise<void> {
  const record = await on.startRun("trivial", { n: 1 });
  if (record.status !== "succeeded") throw new Error(`${mode}: run ${record.status}: ${record.error?.message}`);
  const output = record.output as { n: number; version: number };
  if (version !== undefined && output.version !== version) throw new Error(`${mode}: the run after saving version ${version} ran version ${output.version}`);
}

async function timed(work: () => Promise<void>): Promise<TimedRun> {
  const waitedBefore = threadWaitMs;
  const started = performance.now();
  await work();
  return { ms: performance.now() - started, threadMs: threadWaitMs - waitedBefore };
}

const save = (version: number) => writeFile(file, workflowSource(version), { mode: 0o644 });

/** A new engine (and, for the runner, a new runner process) up to its first run's result. */
async function coldStart(): Promise<ColdStart> {
  const cold = createServices(config, { logger }).engine;
  try {
    const started = performance.now();
    let runnerUpMs: number | undefined;
    if (cold.threads.start) {
      await cold.threads.start();
      runnerUpMs = performance.now() - started;
    }
    const worker = await cold.pool.acquire();
    const threadReadyMs = performance.now() - started;
    cold.pool.release(worker);
    await runOnce(cold);
    return { runnerUpMs, threadReadyMs, firstRunMs: performance.now() - started };
  } finally {
    await cold.close();
  }
}

/** A run's storage work alone: its record written as running, then as finished (what executeRun writes). */
async function recordWrites(): Promise<number> {
  const started = performance.now();
  const record: RunRecord = {
    id: createRunId(),
    workflow: "trivial",
    file: "trivial.mts",
    status: "running",
    trigger: "http",
    params: { n: 1 },
    logs: [],
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
  };
  await records.upsert(record);
  await records.upsert({ ...record, status: "succeeded", output: { n: 2, version: 0 }, finishedAt: new Date().toISOString(), durationMs: 1 });
  return performance.now() - started;
}

async function runs(count: number): Promise<RunsAnswer> {
  const pid = runnerPid(engine);
  const cpuBefore = process.cpuUsage();
  const runnerBefore = pid ? processCpuMs(pid) : 0;
  const switchesBefore = contextSwitches("self") + (pid ? contextSwitches(pid) : 0);
  const started = performance.now();
  const timings: TimedRun[] = [];
  for (let i = 0; i < count; i++) timings.push(await timed(() => runOnce(engine)));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const runnerCpu = pid ? processCpuMs(pid) - runnerBefore : 0;
  const switches = contextSwitches("self") + (pid ? contextSwitches(pid) : 0) - switchesBefore;
  if (pid && runnerPid(engine) !== pid) throw new Error(`the runner was replaced during warm runs (pid ${pid} → ${runnerPid(engine)})`);
  return { runs: timings, elapsedMs, cpu: { platformMs: (cpu.user + cpu.system) / 1000, runnerMs: runnerCpu, contextSwitches: switches } };
}

async function cycles(from: number, count: number, sampleEvery: number): Promise<CyclesAnswer> {
  const samples: MemorySample[] = [];
  const started = performance.now();
  let measuring = 0;
  for (let i = 1; i <= count; i++) {
    const version = from + i;
    await save(version);
    await runOnce(engine, version);
    if (i % sampleEvery === 0) {
      const before = performance.now();
      samples.push(memory(version));
      measuring += performance.now() - before;
    }
  }
  return { samples, elapsedMs: performance.now() - started - measuring, threads: engine.pool.size };
}

async function answer(request: Request): Promise<unknown> {
  switch (request.op) {
    case "cold":
      return coldStart();
    case "runs":
      return runs(request.count);
    case "record-writes": {
      const writes: number[] = [];
      for (let i = 0; i < request.count; i++) writes.push(await recordWrites());
      return writes;
    }
    case "save":
      return timed(async () => {
        await save(request.version);
        await runOnce(engine, request.version);
      });
    case "cycles":
      return cycles(request.from, request.count, request.sampleEvery);
    case "memory":
      return memory(request.cycle);
    case "close":
      await engine.close();
      return undefined;
  }
}

process.on("message", (request: Request) => {
  answer(request).then(
    (value) => process.send!({ ok: true, value } satisfies Reply),
    (error: unknown) => process.send!({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply),
  );
});
await save(0);
process.send!({ ok: true, value: { pid: process.pid } } satisfies Reply);
