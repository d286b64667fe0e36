// Keeps a taken lease (see lease-store.ts) and fences its holder. The holder renews every `renewEveryMs`,
// each call under its own `AbortSignal.timeout` (one hung Table call cannot stall the ones after it), and
// stops itself — `signal` aborts, `assertHeld`/`check` throw LeaseLostError — once
// `ttlMs - stopMarginMs` have passed since the *start* of its last confirmed write, on this process's
// monotonic clock (performance.now; timers use the same). Any renewal that did not confirm success (an
// error, a timeout, a stalled process) counts toward that deadline.
//
// Why that is enough: the storage service stamps a renewal's Timestamp after the call started; a contender
// sees the lease expired only when the service's clock says `ttlMs` have passed since that Timestamp. So the
// holder's deadline comes at least `stopMarginMs` before any takeover, whatever the instances' wall clocks
// say (only their rates must agree, to far better than the margin). The margin covers the file operations
// already in flight when the signal aborts; each destructive phase also calls `check`, which reads the
// lease and fails when the generation moved on (the fencing token), for the case the deadline cannot see.
import type { Logger } from "../logger.js";
import { LeaseLostError } from "../errors.js";
import type { LeaseStore, LeaseTenure } from "./lease-store.js";

export interface HoldLeaseOptions {
  ttlMs: number;
  /** Default: a quarter of the TTL. */
  renewEveryMs?: number;
  /** Per renewal call (and fence read). Default: the larger of renewEveryMs and a quarter of the TTL. */
  renewTimeoutMs?: number;
  /** How long before the lease could expire the holder stops. Default: a quarter of the TTL. */
  stopMarginMs?: number;
  /** performance.now() taken before the call that acquired the lease. */
  acquiredAtMs: number;
  logger?: Logger;
}

export interface HeldLease extends LeaseTenure {
  /** Aborts (with LeaseLostError) when the lease is lost or the holder's deadline passes. */
  readonly signal: AbortSignal;
  /** Each renewal's (and fence read's) own time limit. */
  readonly renewTimeoutMs: number;
  /** Throws LeaseLostError when the deadline passed or the lease was lost. No I/O. */
  assertHeld(): void;
  /** The fence before a destructive step: assertHeld, then one read proving the generation is still current. */
  check(options?: { abortSignal?: AbortSignal }): Promise<void>;
  /** A write of the holder's own that the service stamped (release keeping the lease): moves the deadline. */
  confirm(startedAtMs: number): void;
  /** Stops renewing (the caller releases). */
  stop(): Promise<void>;
}

export function holdLease(leases: Pick<LeaseStore, "renew" | "check">, tenure: LeaseTenure, options: HoldLeaseOptions): HeldLease {
  const { ttlMs } = options;
  if (!(ttlMs > 0)) throw new RangeError("holdLease: options.ttlMs must be > 0");
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 4));
  // At least a quarter TTL: a loaded Table service (or a loaded machine) must not turn every renewal into a
  // timeout just because renewals are frequent; three such attempts still fit before the deadline.
  const renewTimeoutMs = options.renewTimeoutMs ?? Math.max(renewEveryMs, Math.floor(ttlMs / 4));
  const stopMarginMs = options.stopMarginMs ?? Math.floor(ttlMs / 4);
  if (!(stopMarginMs > 0 && renewEveryMs + stopMarginMs < ttlMs)) {
    throw new RangeError(`holdLease: renewEveryMs (${renewEveryMs}) + stopMarginMs (${stopMarginMs}) must be positive and under ttlMs (${ttlMs})`);
  }
  const lost = new AbortController();
  const stopped = new AbortController();
  let deadline = 0;
  let deadlineTimer: NodeJS.Timeout | undefined;

  const lose = (reason: LeaseLostError) => {
    if (!lost.signal.aborted) lost.abort(reason);
    clearTimeout(deadlineTimer);
  };
  const confirm = (startedAtMs: number) => {
    if (lost.signal.aborted || stopped.signal.aborted) return;
    const next = startedAtMs + ttlMs - stopMarginMs;
    if (next <= deadline) return;
    deadline = next;
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(checkDeadline, Math.max(0, deadline - performance.now()));
  };
  const expired = () =>
    new LeaseLostError(tenure.key, {
      message: `The lease "${tenure.key}" could not be renewed in time (no confirmed renewal for ${ttlMs - stopMarginMs} ms); this worker stopped before it could expire.`,
    });
  const checkDeadline = () => {
    if (performance.now() >= deadline) lose(expired());
    else deadlineTimer = setTimeout(checkDeadline, Math.max(0, deadline - performance.now()));
  };
  confirm(options.acquiredAtMs);
  if (performance.now() >= deadline) lose(expired());

  const renewing = (async () => {
    while (!lost.signal.aborted && !stopped.signal.aborted) {
      await sleep(renewEveryMs, stopped.signal);
      if (stopped.signal.aborted || lost.signal.aborted) break;
      const startedAt = performance.now();
      try {
        await leases.renew(tenure, { abortSignal: AbortSignal.any([stopped.signal, AbortSignal.timeout(renewTimeoutMs)]) });
        confirm(startedAt);
      } catch (error) {
        if (error instanceof LeaseLostError) lose(error);
        else if (!stopped.signal.aborted) {
          options.logger?.warn({ lease: tenure.key, err: error, msToDeadline: Math.round(deadline - performance.now()) }, "lease renewal failed; will retry");
        }
      }
    }
  })();

  const assertHeld = () => {
    if (!lost.signal.aborted && performance.now() >= deadline) lose(expired());
    if (lost.signal.aborted) throw lost.signal.reason as LeaseLostError;
  };

  return {
    ...tenure,
    signal: lost.signal,
    renewTimeoutMs,
    assertHeld,
    async check(checkOptions = {}) {
      assertHeld();
      // The read only counts if it answers before the deadline: that long, and no longer, it may take.
      const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now())));
      try {
        await leases.check(tenure, { abortSignal: checkOptions.abortSignal ? AbortSignal.any([checkOptions.abortSignal, timeout]) : timeout });
      } catch (error) {
        if (error instanceof LeaseLostError) lose(error);
        throw error;
      }
      assertHeld();
    },
    confirm,
    async stop() {
      stopped.abort();
      clearTimeout(deadlineTimer);
      await renewing;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
