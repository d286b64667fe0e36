// The workflow engine with its runner process (issue 17) side by side with the in-process worker pool (the
// old model, WORKFLOW_RUNNER=in-process) in the same run. Each mode is a platform process of its own
// (platform-child.ts: WorkflowEngine from functions/services.ts, run records in one shared in-memory Azurite),
// driven in turn, the order alternating, so both see the same machine; timings are taken inside each.
// Run as root (this machine), the runner switches to its own user (nobody here): the real setting.
// Figures, against the issue's goals:
//  1. warm run median and p90 (goal: median ≤ 10 ms and ≤ 1.5× in process), in rounds of runs per mode;
//  2. save → result: the file written, then run, its new code's output in hand (goal < 200 ms), in pairs;
//  3. RSS (VmRSS) of the platform process and of the runner over 1,000 edit-and-run cycles (goal: flat);
//  4. cold start-up: a new engine's fork → runner up → first thread → first run's result, in pairs;
//  and, to say where the runner's extra time goes, the bare hop (round-trips.ts) and CPU per run.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { startAzurite } from "../../local/azurite.js";
import { createStorageClients, ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";
import { resolveRunnerUser } from "../../src/runner/runner-user.js";
import { processCpuMs } from "../support/process-cpu.js";
import { machineLine, median, shouldWrite, writeSection } from "../support/report.js";
import { startPlatform, type Platform } from "./platform.js";
import { MODES, type ColdStart, type MemorySample, type Mode, type TimedRun } from "./protocol.js";
import { renderReport, type EngineFigures } from "./report.js";
import { measureRoundTrips } from "./round-trips.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const RUNS_PER_ROUND = Number(process.env.BENCH_RUNS_PER_ROUND ?? 10);
const SAVES = Number(process.env.BENCH_SAVES ?? 30);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 1000);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 5);
const ROUND_TRIPS = 2000;
/** Cycles per turn of the memory phase (the modes alternate) and between RSS samples. */
const CYCLE_BLOCK = Math.min(100, CYCLES);
const SAMPLE_EVERY = Math.max(1, Math.round(CYCLE_BLOCK / 10));
/** A save's pause before it, at an editor's pace (the pool's spare thread has had time to boot). */
const SAVE_PAUSE_MS = 300;

/** Both modes, the order alternating with `turn`: whichever goes first pays for what the other left behind. */
const inTurn = (turn: number) => (turn % 2 === 0 ? MODES : [...MODES].reverse());
const byMode = <T>(make: () => T) => Object.fromEntries(MODES.map((mode) => [mode, make()])) as Record<Mode, T>;

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!;
  const root = await mkdtemp(path.join(tmpdir(), "fs-bench-engine-"));
  // mkdtemp makes it 0700; the runner's user must pass through it (as test/support/temp-dir.ts does).
  await chmod(root, 0o755);
  const azurite = await startAzurite();
  const platforms: Partial<Record<Mode, Platform>> = {};
  try {
    const storageConfig = loadConfig({ AzureWebJobsStorage: azurite.connectionString, WORKSPACE_DIR: path.join(root, "w"), TEMP_DIR: path.join(root, "t") }, { profile: "local" }).storage;
    await ensureStorageResources(createStorageClients(storageConfig));
    for (const mode of MODES) platforms[mode] = await startPlatform(mode, path.join(root, mode), azurite.connectionString);
    const platform = (mode: Mode) => platforms[mode]!;
    const azuriteCpu = () => processCpuMs(azurite.process.pid!);

    // 4 first: each platform's own engine has not started a thread yet, so nothing else of it is warm.
    const cold = byMode<ColdStart[]>(() => []);
    for (let turn = 0; turn < COLD_STARTS; turn++) {
      for (const mode of inTurn(turn)) cold[mode].push(await platform(mode).call({ op: "cold" }));
    }

    // 1. Warm runs, in rounds.
    for (const mode of MODES) await platform(mode).call({ op: "runs", count: 10 });
    const warm = byMode(() => ({ rounds: [] as TimedRun[][], recordWritesMs: [] as number[], elapsedMs: 0, platformCpuMs: 0, runnerCpuMs: 0, azuriteCpuMs: 0, contextSwitches: 0 }));
    for (let turn = 0; turn < ROUNDS; turn++) {
      for (const mode of inTurn(turn)) {
        const azuriteBefore = azuriteCpu();
        const answer = await platform(mode).call({ op: "runs", count: RUNS_PER_ROUND });
        const w = warm[mode];
        w.rounds.push(answer.runs);
        w.elapsedMs += answer.elapsedMs;
        w.platformCpuMs += answer.cpu.platformMs;
        w.runnerCpuMs += answer.cpu.runnerMs;
        w.contextSwitches += answer.cpu.contextSwitches;
        w.azuriteCpuMs += azuriteCpu() - azuriteBefore;
        w.recordWritesMs.push(...(await platform(mode).call({ op: "record-writes", count: RUNS_PER_ROUND })));
      }
    }

    // 2. Save → result, in pairs.
    const saves = byMode<TimedRun[]>(() => []);
    for (let i = 1; i <= SAVES; i++) {
      for (const mode of inTurn(i)) {
        await new Promise((resolve) => setTimeout(resolve, SAVE_PAUSE_MS));
        saves[mode].push(await platform(mode).call({ op: "save", version: i }));
      }
    }

    // 3. Memory over edit-and-run cycles, back to back, the modes taking turns of CYCLE_BLOCK cycles.
    const memory = byMode(() => ({ samples: [] as MemorySample[], elapsedMs: 0, threads: 0 }));
    for (const mode of MODES) {
      await platform(mode).call({ op: "cycles", from: 10_000, count: 20, sampleEvery: 1000 });
      memory[mode].samples.push(await platform(mode).call({ op: "memory", cycle: 0 }));
    }
    for (let turn = 0; turn < CYCLES / CYCLE_BLOCK; turn++) {
      for (const mode of inTurn(turn)) {
        const answer = await platform(mode).call({ op: "cycles", from: 20_000 + turn * CYCLE_BLOCK, count: CYCLE_BLOCK, sampleEvery: SAMPLE_EVERY });
        const m = memory[mode];
        m.samples.push(...answer.samples.map((s) => ({ ...s, cycle: s.cycle - 20_000 })));
        m.elapsedMs += answer.elapsedMs;
        m.threads = answer.threads;
      }
    }
    for (const mode of MODES) await platforms[mode]!.close();

    // The bare hops, with both platforms gone.
    const roundTrips = await measureRoundTrips(ROUND_TRIPS);

    const figures: EngineFigures = {
      counts: { rounds: ROUNDS, runsPerRound: RUNS_PER_ROUND, saves: SAVES, cycles: CYCLES, coldStarts: COLD_STARTS, roundTrips: ROUND_TRIPS, savePauseMs: SAVE_PAUSE_MS },
      warm,
      saves,
      memory,
      cold,
      roundTrips,
      sampleEvery: SAMPLE_EVERY,
      cycleBlock: CYCLE_BLOCK,
      machine: machineLine(),
      load: { start: loadAtStart, end: os.loadavg()[0]! },
      runnerUser: runnerUserText(),
    };
    // Every sample, for a closer look (the RSS series, each run's timing).
    if (process.env.BENCH_ENGINE_JSON) await writeFile(process.env.BENCH_ENGINE_JSON, JSON.stringify(figures, null, 1));
    const { markdown, failures } = renderReport(figures);
    console.log(markdown);
    if (shouldWrite) await writeSection("engine", markdown);
    if (failures.length > 0) console.log(`\nGoals not met: ${failures.join("; ")}.`);
    // A sanity line for a quick look in a terminal.
    console.log(`\nwarm median: ${MODES.map((m) => `${m} ${median(warm[m].rounds.flat().map((r) => r.ms)).toFixed(2)} ms`).join(", ")}`);
  } finally {
    for (const mode of MODES) await platforms[mode]?.close().catch(() => undefined);
    await azurite.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** Who the runner runs as, as functions/services.ts decides it (WORKFLOW_RUNNER_USER unset). */
function runnerUserText(): string {
  const user = resolveRunnerUser(undefined);
  return user ? `user ${user.name} (uid ${user.uid}), the bench running as root` : "the bench's own user (not root: no switch)";
}

await main();
