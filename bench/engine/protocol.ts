// Messages between the engine bench (bench.ts) and one platform process of it (platform-child.ts). Each
// platform process holds one WorkflowEngine of one mode, so its RSS is that mode's alone; timings are taken
// inside it, so the bench's own IPC never counts.

export type Mode = "in-process" | "process";

/** Modes in the order of the table's columns: the baseline first. */
export const MODES: readonly Mode[] = ["in-process", "process"];

export const MODE_LABELS: Record<Mode, string> = {
  "in-process": "in-process pool (baseline)",
  process: "runner process",
};

/** One run as the platform saw it. */
export interface TimedRun {
  /** `startRun` called → record with the result in hand (for a save: from the file written). */
  ms: number;
  /** Of which: the engine's requests to its thread (describe, run) → their answers, summed. */
  threadMs: number;
}

export interface MemorySample {
  cycle: number;
  /** VmRSS of the platform process, after a full GC, MB. */
  platformMb: number;
  /** VmRSS of the runner process (no GC: it cannot be asked), MB; undefined in process. */
  runnerMb?: number;
  runnerPid?: number;
}

export interface ColdStart {
  /** fork → the runner's "started" (its Node, tsx loader and main module up); runner only. */
  runnerUpMs?: number;
  /** → the first run thread booted (tsx and the module hooks registered in it). */
  threadReadyMs: number;
  /** → the first run's record (the catalog imports the file in a thread, then the run). */
  firstRunMs: number;
}

export interface CpuUse {
  /** CPU (user + system, all threads) of the platform process, ms. */
  platformMs: number;
  /** CPU of the runner process, ms (10 ms ticks). */
  runnerMs: number;
  /** Context switches of every thread of the platform and the runner (each a thread put to sleep or woken). */
  contextSwitches: number;
}

export type Request =
  | { op: "cold" }
  | { op: "runs"; count: number }
  /** The storage-only baseline: a run record written twice (running, finished) and nothing else, `count` times. */
  | { op: "record-writes"; count: number }
  | { op: "save"; version: number }
  | { op: "cycles"; from: number; count: number; sampleEvery: number }
  | { op: "memory"; cycle: number }
  | { op: "close" };

export interface RunsAnswer {
  runs: TimedRun[];
  elapsedMs: number;
  cpu: CpuUse;
}

export interface CyclesAnswer {
  samples: MemorySample[];
  elapsedMs: number;
  /** Live run threads at the end (busy, idle and the spare). */
  threads: number;
}

export type Answer<R extends Request> = R extends { op: "cold" }
  ? ColdStart
  : R extends { op: "runs" }
    ? RunsAnswer
    : R extends { op: "record-writes" }
      ? number[]
      : R extends { op: "save" }
        ? TimedRun
        : R extends { op: "cycles" }
          ? CyclesAnswer
          : R extends { op: "memory" }
            ? MemorySample
            : undefined;

export type Reply = { ok: true; value: unknown } | { ok: false; error: string };

/** A trivial workflow; TypeScript (a type annotation) so every path pays for the compile. */
export const workflowSource = (version: number) =>
  `export default {\n  name: "trivial",\n  parameters: { n: { type: "integer", default: 0 } },\n  run(params: { n: number }) {\n    return { n: params.n + 1, version: ${version} };\n  },\n};\n`;
