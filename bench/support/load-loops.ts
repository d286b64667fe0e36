// The two ways a bench drives a system: closed (a fixed number of requests in flight, each sent when one
// returns: how fast can it go) and open (requests sent on a fixed schedule whatever happens to earlier
// ones: how long does a request take at a given rate). Latency in the open loop is counted from when the
// request was *due*, not when it went out, so a stall shows in every request that should have been sent
// during it (no coordinated omission).

export interface LoadResult {
  latencies: number[];
  /** Requests completed per second over the whole run. */
  perSecond: number;
}

/** `count` calls of `send`, `concurrency` at a time. */
export async function closedLoop(count: number, concurrency: number, send: () => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  async function lane(): Promise<void> {
    while (next < count) {
      next++;
      const t = performance.now();
      await send();
      latencies.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { latencies, perSecond: (count / (performance.now() - started)) * 1000 };
}

/** `count` calls of `send`, one due every 1/`ratePerSecond` s from the start; fails with the first failure. */
export async function openLoop(count: number, ratePerSecond: number, send: () => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  const interval = 1000 / ratePerSecond;
  const started = performance.now();
  let sent = 0;
  const pending: Promise<void>[] = [];
  while (sent < count) {
    // Timers fire late and in whole milliseconds: send whatever has fallen due, then sleep to the next.
    for (const now = performance.now(); sent < count && started + sent * interval <= now; sent++) {
      const due = started + sent * interval;
      pending.push(send().then(() => void latencies.push(performance.now() - due)));
    }
    if (sent < count) await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + sent * interval - performance.now())));
  }
  await Promise.all(pending);
  return { latencies, perSecond: (count / (performance.now() - started)) * 1000 };
}
