// Leases in Table storage: one entity per key (PartitionKey "lease"), held by a holder id until an expiry
// the holder keeps pushing forward. Every change is a read followed by an ETag-conditional write, so two
// workers on two instances can never both believe they hold it. A worker that dies stops renewing and the
// lease simply expires. The `pending` flag is Kudu's trick: a job that finds the lease held marks it instead
// of waiting, and the holder runs once more before letting go.
import type { TableClient } from "@azure/data-tables";

const PARTITION = "lease";
/** Conditional writes that lost a race are retried this many times (with a random pause) before giving up. */
const MAX_RACES = 50;

export interface LeaseState {
  holder: string;
  expiresAtMs: number;
  pending: boolean;
  /** Opaque payload of the newest job that found the lease held (the holder's next run uses it). */
  pendingJob: string | undefined;
}

export type AcquireResult = { acquired: true } | { acquired: false; current: LeaseState };

export type ReleaseResult = { released: true } | { released: false; pendingJob: string | undefined };

export interface LeaseStoreOptions {
  abortSignal?: AbortSignal;
}

/** The lease is no longer ours: it expired and someone else took it, or it was deleted. */
export class LeaseLostError extends Error {
  constructor(key: string) {
    super(`the lease "${key}" is no longer held by this worker`);
    this.name = "LeaseLostError";
  }
}

export class LeaseStore {
  readonly #table: TableClient;
  readonly #now: () => number;

  constructor(table: TableClient, options: { now?: () => number } = {}) {
    this.#table = table;
    this.#now = options.now ?? Date.now;
  }

  /** The lease as stored, or undefined when nobody holds it. */
  async get(key: string, options: LeaseStoreOptions = {}): Promise<(LeaseState & { etag: string }) | undefined> {
    try {
      const entity = await this.#table.getEntity<Record<string, unknown>>(PARTITION, key, { abortSignal: options.abortSignal });
      return {
        holder: String(entity.holder),
        expiresAtMs: Number(entity.expiresAtMs),
        pending: entity.pending === true,
        pendingJob: typeof entity.pendingJob === "string" && entity.pendingJob !== "" ? entity.pendingJob : undefined,
        etag: entity.etag,
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Takes the lease when it is free or expired; otherwise says who holds it. */
  async tryAcquire(key: string, holder: string, ttlMs: number, options: LeaseStoreOptions = {}): Promise<AcquireResult> {
    for (let race = 0; race < MAX_RACES; race++) {
      const entity = { partitionKey: PARTITION, rowKey: key, holder, expiresAtMs: this.#now() + ttlMs, pending: false, pendingJob: "" };
      try {
        await this.#table.createEntity(entity, { abortSignal: options.abortSignal });
        return { acquired: true };
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      const current = await this.get(key, options);
      if (!current) continue;
      if (current.expiresAtMs > this.#now()) return { acquired: false, current };
      // Expired: the holder died. Take it over, but only if nobody else did first.
      try {
        await this.#table.updateEntity(entity, "Replace", { etag: current.etag, abortSignal: options.abortSignal });
        return { acquired: true };
      } catch (error) {
        if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
      }
      await pause();
    }
    throw new Error(`the lease "${key}" kept changing while acquiring it`);
  }

  /** Pushes the expiry forward; LeaseLostError when the lease is no longer ours. */
  async renew(key: string, holder: string, ttlMs: number, options: LeaseStoreOptions = {}): Promise<void> {
    await this.#change(key, options, (current) => {
      if (current?.holder !== holder) throw new LeaseLostError(key);
      return { expiresAtMs: this.#now() + ttlMs };
    });
  }

  /**
   * Asks the live holder to run once more (with `job`). Returns "free" when there is no live holder (the
   * caller should try to acquire instead).
   */
  async markPending(key: string, job: string, options: LeaseStoreOptions = {}): Promise<"marked" | "free"> {
    let outcome: "marked" | "free" = "free";
    await this.#change(key, options, (current) => {
      if (!current || current.expiresAtMs <= this.#now()) {
        outcome = "free";
        return undefined;
      }
      outcome = "marked";
      // Already marked: the holder will run once more anyway (it syncs the head, not a job's SHA).
      if (current.pending) return undefined;
      return { pending: true, pendingJob: job };
    });
    return outcome;
  }

  /**
   * Lets go of the lease, unless a job marked it pending meanwhile: then the pending mark is cleared, the
   * lease kept, and the pending job returned for one more run.
   */
  async release(key: string, holder: string, ttlMs: number, options: LeaseStoreOptions = {}): Promise<ReleaseResult> {
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.get(key, options);
      if (!current || current.holder !== holder) return { released: true };
      try {
        if (current.pending) {
          await this.#table.updateEntity(
            { partitionKey: PARTITION, rowKey: key, holder, expiresAtMs: this.#now() + ttlMs, pending: false, pendingJob: "" },
            "Replace",
            { etag: current.etag, abortSignal: options.abortSignal },
          );
          return { released: false, pendingJob: current.pendingJob };
        }
        await this.#table.deleteEntity(PARTITION, key, { etag: current.etag, abortSignal: options.abortSignal });
        return { released: true };
      } catch (error) {
        if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
      }
      await pause();
    }
    throw new Error(`the lease "${key}" kept changing while releasing it`);
  }

  async #change(
    key: string,
    options: LeaseStoreOptions,
    change: (current: (LeaseState & { etag: string }) | undefined) => Partial<LeaseState> | undefined,
  ): Promise<void> {
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.get(key, options);
      const patch = change(current);
      if (!patch || !current) return;
      try {
        await this.#table.updateEntity({ partitionKey: PARTITION, rowKey: key, ...patch }, "Merge", {
          etag: current.etag,
          abortSignal: options.abortSignal,
        });
        return;
      } catch (error) {
        if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
      }
      await pause();
    }
    throw new Error(`the lease "${key}" kept changing while updating it`);
  }
}

/** A short random pause after a lost race, so contenders spread out instead of colliding again. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 45));
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}
