// One sync at a time per workspace, across instances, without queueing many (Kudu's pattern):
// the first job takes the lease and runs; a job that finds it held marks it "pending" and returns at once;
// the holder, before letting go, sees the mark and runs once more (with the newest pending job). A burst of
// 20 pushes thus costs at most two runs, and the last one syncs the newest head. The lease expires unless
// renewed, so a worker that dies holding it blocks the next one for one TTL at most.
// Fencing (see src/azure/hold-lease.ts and README.md): the holder stops itself before its lease can have
// expired, and `run` gets a fence to check before each destructive step.
import { randomUUID } from "node:crypto";
import os from "node:os";
import { holdLease, type HeldLease } from "../azure/hold-lease.js";
import type { LeaseStore, LeaseTenure } from "../azure/lease-store.js";
import type { Logger } from "../logger.js";

export interface LeaseOptions {
  leases: LeaseStore;
  /** How long the lease lives without renewal. */
  ttlMs?: number;
  /** How often the holder renews it (well under the TTL). */
  renewEveryMs?: number;
  /** Each renewal call's own time limit (default: renewEveryMs). */
  renewTimeoutMs?: number;
  logger?: Logger;
  abortSignal?: AbortSignal;
}

export type LeaseOutcome<T> = { status: "pending" } | { status: "ran"; results: T[] };

/** What a run under the lease checks before each destructive step. */
export interface LeaseFence {
  /** The tenure's generation (the fencing token): recorded with a sync run, so the sweeper can tell a run whose holder is gone. */
  readonly generation: number;
  /** Throws LeaseLostError when this worker's tenure is over (deadline passed, or another generation took it). */
  check(options?: { abortSignal?: AbortSignal }): Promise<void>;
}

export const DEFAULT_LEASE_TTL_MS = 60_000;

/**
 * Runs `run(job)` under the lease `key`, then again for each job that marked the lease pending meanwhile.
 * `run` gets an abort signal that fires when the caller aborts or the lease is lost (or its deadline passes),
 * and the fence to check before each destructive step. Throws the last run's error when the last run failed
 * (earlier failures were superseded by a later run).
 */
export async function withLease<J, T>(
  key: string,
  job: J,
  options: LeaseOptions,
  run: (job: J, abortSignal: AbortSignal, fence: LeaseFence) => Promise<T>,
): Promise<LeaseOutcome<T>> {
  const { leases } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 4));
  // Host and pid first: an operator (and the two-instance test) can tell which process holds it.
  const holder = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const request = { abortSignal: options.abortSignal };

  // Acquire, or leave a pending mark for the holder. The holder may let go in between: then try again.
  let tenure: LeaseTenure | undefined;
  let acquiredAtMs = 0;
  for (let attempt = 0; !tenure; attempt++) {
    acquiredAtMs = performance.now();
    const acquired = await leases.tryAcquire(key, holder, ttlMs, request);
    if (acquired.acquired) {
      tenure = { key, holder, generation: acquired.generation };
      break;
    }
    if ((await leases.markPending(key, JSON.stringify(job), request)) === "marked") {
      options.logger?.info({ lease: key, holder: acquired.current.holder }, "sync pending: another run holds the lease");
      return { status: "pending" };
    }
    if (attempt >= 10) throw new Error(`could not acquire or mark the lease "${key}"`);
  }

  const held: HeldLease = holdLease(leases, tenure, {
    ttlMs,
    renewEveryMs,
    renewTimeoutMs: options.renewTimeoutMs,
    stopMarginMs: Math.min(Math.floor(ttlMs / 4), ttlMs - renewEveryMs - 1),
    acquiredAtMs,
    logger: options.logger,
  });
  const signal = options.abortSignal ? AbortSignal.any([options.abortSignal, held.signal]) : held.signal;
  options.logger?.debug({ lease: key, holder, generation: tenure.generation }, "lease acquired");

  const results: T[] = [];
  let lastError: { error: unknown } | undefined;
  try {
    let next: J | undefined = job;
    while (next !== undefined) {
      try {
        results.push(await run(next, signal, held));
        lastError = undefined;
      } catch (error) {
        lastError = { error };
      }
      next = undefined;
      // Let go; if a job marked the lease pending meanwhile, keep it and run that job (unless cancelled).
      for (;;) {
        const startedAt = performance.now();
        // Not safety-critical (a release that fails leaves a lease that expires): a whole TTL to answer.
        const released = await leases.release(tenure, { abortSignal: AbortSignal.timeout(ttlMs) });
        if (released.released) break;
        // Keeping the lease was a write of ours: the service stamped it, so it counts as a renewal.
        held.confirm(startedAt);
        if (!signal.aborted) {
          next = released.pendingJob ? (JSON.parse(released.pendingJob) as J) : job;
          break;
        }
      }
    }
  } finally {
    await held.stop();
  }
  if (lastError) throw lastError.error;
  return { status: "ran", results };
}
