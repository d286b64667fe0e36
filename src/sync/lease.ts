// One sync at a time per workspace, across instances, without queueing many (Kudu's pattern):
// the first job takes the lease and runs; a job that finds it held marks it "pending" and returns at once;
// the holder, before letting go, sees the mark and runs once more (with the newest pending job). A burst of
// 20 pushes thus costs at most two runs, and the last one syncs the newest head. The lease expires unless
// renewed, so a worker that dies holding it blocks the next one for one TTL at most.
import { randomUUID } from "node:crypto";
import { LeaseLostError, type LeaseStore } from "../azure/lease-store.js";
import type { Logger } from "../logger.js";
import { SyncCancelledError } from "./sync-error.js";

export interface LeaseOptions {
  leases: LeaseStore;
  /** How long the lease lives without renewal. */
  ttlMs?: number;
  /** How often the holder renews it (well under the TTL). */
  renewEveryMs?: number;
  logger?: Logger;
  abortSignal?: AbortSignal;
}

export type LeaseOutcome<T> = { status: "pending" } | { status: "ran"; results: T[] };

export const DEFAULT_LEASE_TTL_MS = 60_000;

/**
 * Runs `run(job)` under the lease `key`, then again for each job that marked the lease pending meanwhile.
 * `run` gets an abort signal that fires when the caller aborts or the lease is lost. Throws the last run's
 * error when the last run failed (earlier failures were superseded by a later run).
 */
export async function withLease<J, T>(
  key: string,
  job: J,
  options: LeaseOptions,
  run: (job: J, abortSignal: AbortSignal) => Promise<T>,
): Promise<LeaseOutcome<T>> {
  const { leases } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  const holder = randomUUID();
  const request = { abortSignal: options.abortSignal };

  // Acquire, or leave a pending mark for the holder. The holder may let go in between: then try again.
  for (let attempt = 0; ; attempt++) {
    const acquired = await leases.tryAcquire(key, holder, ttlMs, request);
    if (acquired.acquired) break;
    if ((await leases.markPending(key, JSON.stringify(job), request)) === "marked") {
      options.logger?.info({ lease: key, holder: acquired.current.holder }, "sync pending: another run holds the lease");
      return { status: "pending" };
    }
    if (attempt >= 10) throw new Error(`could not acquire or mark the lease "${key}"`);
  }

  const lost = new AbortController();
  const signal = options.abortSignal ? AbortSignal.any([options.abortSignal, lost.signal]) : lost.signal;
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing
      .then(() => leases.renew(key, holder, ttlMs))
      .catch((error: unknown) => {
        if (error instanceof LeaseLostError) {
          lost.abort(new SyncCancelledError("The sync lost its lease (it ran longer than the lease could be renewed)."));
        } else {
          options.logger?.warn({ lease: key, err: error }, "lease renewal failed; will retry");
        }
      });
  }, renewEveryMs);

  const results: T[] = [];
  let lastError: { error: unknown } | undefined;
  try {
    let next: J | undefined = job;
    while (next !== undefined) {
      try {
        results.push(await run(next, signal));
        lastError = undefined;
      } catch (error) {
        lastError = { error };
      }
      next = undefined;
      // Let go; if a job marked the lease pending meanwhile, keep it and run that job (unless cancelled).
      for (;;) {
        const released = await leases.release(key, holder, ttlMs);
        if (released.released) break;
        if (!signal.aborted) {
          next = released.pendingJob ? (JSON.parse(released.pendingJob) as J) : job;
          break;
        }
      }
    }
  } finally {
    clearInterval(timer);
    await renewing;
  }
  if (lastError) throw lastError.error;
  return { status: "ran", results };
}
