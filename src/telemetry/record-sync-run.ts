// A finished sync run as telemetry: its duration per phase and in total, its file counts and downloaded bytes
// (metrics of the names contract), and its commit, run id and result on the job's span ("what happened to push
// abc1234?" finds the sync by its commit).
import type { SyncRunRecord } from "../azure/sync-run-store.js";
import type { SyncPhase } from "../sync/sync-once.js";
import { ATTRIBUTES, METRICS } from "./telemetry-names.js";
import { annotateActiveSpan, getTelemetry, recordMetric } from "./telemetry.js";

/** Measures the time spent in each phase from syncOnce's progress reports. */
export class SyncPhaseClock {
  readonly #spent = new Map<SyncPhase, number>();
  #phase: SyncPhase | undefined;
  #since = performance.now();

  /** The progress callback's phase; a change of phase closes the previous one. */
  mark(phase: SyncPhase): void {
    if (phase === this.#phase) return;
    this.#close();
    this.#phase = phase;
  }

  /** Milliseconds per phase (resolve, plan, fetch, apply), the open one closed now. */
  phases(): ReadonlyMap<SyncPhase, number> {
    this.#close();
    this.#phase = undefined;
    return this.#spent;
  }

  #close(): void {
    const now = performance.now();
    if (this.#phase && this.#phase !== "done") this.#spent.set(this.#phase, (this.#spent.get(this.#phase) ?? 0) + now - this.#since);
    this.#since = now;
  }
}

export function recordSyncRun(run: SyncRunRecord, clock: SyncPhaseClock): void {
  if (!getTelemetry().enabled) return;
  const commit = run.toSha ?? run.pinnedSha ?? run.requestedSha;
  annotateActiveSpan({
    [ATTRIBUTES.syncRunId]: run.runId,
    [ATTRIBUTES.syncResult]: run.result,
    ...(commit ? { [ATTRIBUTES.commit]: commit } : {}),
    ...(run.deliveryId ? { [ATTRIBUTES.deliveryId]: run.deliveryId } : {}),
  });
  const common = { result: run.result, trigger: run.trigger };
  for (const [phase, ms] of clock.phases()) recordMetric(METRICS.syncDuration, ms, { ...common, phase });
  if (run.durationMs !== undefined) recordMetric(METRICS.syncDuration, run.durationMs, { ...common, phase: "total" });
  if (run.result === "applied") {
    for (const kind of ["added", "changed", "deleted", "skipped"] as const) recordMetric(METRICS.syncFiles, run[kind], { kind });
  }
  recordMetric(METRICS.syncBytes, run.bytesDownloaded, { method: run.fetchMethod ?? "none" });
}
