// Serialises the commit step of every write in one workspace (check the precondition, then rename or
// delete). Without it two writers holding the same ETag could both pass the check before either renames,
// and one edit would be lost silently. Only the short commit step is serialised: request bodies stream to
// their temp files in parallel.
//
// Two levels: a p-limit(1) per folder within the process (so one instance's writers queue in memory and
// never compete for the table), then, when `deps.writeLocks` is given (every host does), a short lease in
// the `leases` table keyed by workspace, held across instances — a file system offers no compare-and-swap,
// the Table service's ETags do. The lease is fenced like the sync's (src/azure/hold-lease.ts): the commit
// calls `assertHeld()` right before its rename, which throws once the holder's own deadline has passed, so a
// stalled writer cannot commit after another instance took the lock over. Cost: about three Table calls per
// write (acquire, release; a renewal only for a commit slower than a few seconds).
import { randomUUID } from "node:crypto";
import os from "node:os";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry from "p-retry";
import { holdLease } from "../azure/hold-lease.js";
import type { LeaseStore } from "../azure/lease-store.js";
import { LeaseHeldError } from "../errors.js";

/** How long a commit lock lives without renewal: a commit is one hash and one rename. */
export const WRITE_LOCK_TTL_MS = 15_000;
/** How long a writer waits for the lock: past one TTL, so a crashed holder's lock is taken over. */
export const WRITE_LOCK_WAIT_MS = WRITE_LOCK_TTL_MS + 5_000;

export interface WriteLockDeps {
  workspaceDir: string;
  /** The cross-instance lock (the `leases` table). Without it the lock holds within this process only. */
  writeLocks?: Pick<LeaseStore, "tryAcquire" | "renew" | "check" | "release">;
  /** Names the lock; one workspace per deployment today. */
  workspaceId?: string;
}

export interface WriteLock {
  /** Throws LeaseLostError when this writer's hold may be over: call right before the rename or delete. */
  assertHeld(): void;
}

const locks = new Map<string, LimitFunction>();

export function withWriteLock<T>(deps: WriteLockDeps, fn: (lock: WriteLock) => Promise<T>, options: { abortSignal?: AbortSignal } = {}): Promise<T> {
  let limit = locks.get(deps.workspaceDir);
  if (!limit) {
    limit = pLimit(1);
    locks.set(deps.workspaceDir, limit);
  }
  const { writeLocks } = deps;
  if (!writeLocks) return limit(() => fn({ assertHeld: () => undefined }));
  return limit(async () => {
    const key = `files-${deps.workspaceId ?? "default"}`;
    const holder = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    let acquiredAtMs = 0;
    const acquired = await pRetry(
      async () => {
        acquiredAtMs = performance.now();
        const result = await writeLocks.tryAcquire(key, holder, WRITE_LOCK_TTL_MS, { abortSignal: options.abortSignal });
        if (!result.acquired) {
          throw new LeaseHeldError("Another save to this workspace is in progress on another instance; try again in a moment.", {
            details: { retryable: true },
          });
        }
        return result;
      },
      {
        retries: 1_000,
        factor: 1.5,
        minTimeout: 10,
        maxTimeout: 500,
        maxRetryTime: WRITE_LOCK_WAIT_MS,
        signal: options.abortSignal,
        shouldRetry: ({ error }) => error instanceof LeaseHeldError,
      },
    );
    const held = holdLease(writeLocks, { key, holder, generation: acquired.generation }, { ttlMs: WRITE_LOCK_TTL_MS, acquiredAtMs });
    try {
      return await fn({ assertHeld: held.assertHeld });
    } finally {
      await held.stop();
      // A failed release costs the next writer one TTL's wait, nothing worse: the commit's outcome stands.
      await writeLocks.release(held, { abortSignal: AbortSignal.timeout(held.renewTimeoutMs) }).catch(() => undefined);
    }
  });
}
