// Leases in Table storage: one entity per key (PartitionKey "lease") naming its holder and a generation.
// Every change is a read followed by an ETag-conditional write, so two workers on two instances can never
// both take it. The `pending` flag is Kudu's trick: a job that finds the lease held marks it instead of
// waiting, and the holder runs once more before letting go.
//
// Why not a blob lease (what the Functions host's singleton uses): @azure/storage-blob is not among the
// app's dependencies; a Table entity with ETags gives the same guarantees with the client we already have.
//
// Fencing. `generation` goes up by one on every acquire (the entity is never deleted, a release only clears
// the holder), so (holder, generation) names one tenure. A holder checks it (`check`) before each
// destructive step; after a takeover that check fails.
//
// Expiry without comparing instance clocks. The entity's `Timestamp` is set by the storage service on every
// write, and each response's `Date` header is the same service's clock: a lease is expired when
// `Date - Timestamp > ttlMs + SERVICE_CLOCK_MARGIN_MS`. No instance's own clock enters. `Date` has
// whole seconds and is truncated, so the age is only ever underestimated (a takeover comes late, never early).
// The holder, for its part, stops on its own monotonic clock before `ttlMs` has passed since the start of its
// last confirmed write (src/sync/lease.ts): that write's `Timestamp` is later than that start, so the holder
// has stopped before anyone can see its lease expired.
import type { TableClient } from "@azure/data-tables";
import { LeaseLostError } from "../errors.js";

export { LeaseLostError };

const PARTITION = "lease";
/** Conditional writes that lost a race are retried this many times (with a random pause) before giving up. */
const MAX_RACES = 50;
/** Allowance for the storage service's front end and table server not agreeing to the millisecond. */
export const SERVICE_CLOCK_MARGIN_MS = 1_000;

export interface LeaseState {
  /** "" when nobody holds it. */
  holder: string;
  /** Tenure number: one more on every acquire, never reused (the fencing token). */
  generation: number;
  /** The holder's TTL: contenders judge expiry by it. */
  ttlMs: number;
  pending: boolean;
  /** Opaque payload of the newest job that found the lease held (the holder's next run uses it). */
  pendingJob: string | undefined;
  /** Milliseconds since the last write, by the storage service's clock (underestimated by < 1 s). */
  ageMs: number;
  /** Held, and not expired by the storage service's clock. */
  live: boolean;
}

export type AcquireResult = { acquired: true; generation: number } | { acquired: false; current: LeaseState };

export type ReleaseResult = { released: true } | { released: false; pendingJob: string | undefined };

export interface LeaseStoreOptions {
  abortSignal?: AbortSignal;
}

/** One tenure of a lease: who holds it, and which generation. */
export interface LeaseTenure {
  key: string;
  holder: string;
  generation: number;
}

export class LeaseStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  /** The lease as stored (a released one has holder ""), or undefined when it was never taken. */
  async get(key: string, options: LeaseStoreOptions = {}): Promise<(LeaseState & { etag: string }) | undefined> {
    let serverNow: number | undefined;
    try {
      const entity = await this.#table.getEntity<Record<string, unknown>>(PARTITION, key, {
        abortSignal: options.abortSignal,
        onResponse: (response) => {
          const date = response.headers.get("date");
          if (date) serverNow = Date.parse(date);
        },
      });
      const written = Date.parse(String(entity.timestamp));
      if (serverNow === undefined || !Number.isFinite(serverNow) || !Number.isFinite(written)) {
        throw new Error(`the lease "${key}" was read without the storage service's Date header or the entity's Timestamp`);
      }
      const holder = typeof entity.holder === "string" ? entity.holder : "";
      const ttlMs = Number(entity.ttlMs) || 0;
      const ageMs = Math.max(0, serverNow - written);
      return {
        holder,
        generation: Number(entity.generation) || 0,
        ttlMs,
        pending: entity.pending === true,
        pendingJob: typeof entity.pendingJob === "string" && entity.pendingJob !== "" ? entity.pendingJob : undefined,
        ageMs,
        live: holder !== "" && ageMs <= ttlMs + SERVICE_CLOCK_MARGIN_MS,
        etag: entity.etag,
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Takes the lease when it is free or expired; otherwise says who holds it. */
  async tryAcquire(key: string, holder: string, ttlMs: number, options: LeaseStoreOptions = {}): Promise<AcquireResult> {
    if (!holder) throw new TypeError("tryAcquire: holder must be a non-empty string");
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.get(key, options);
      const generation = (current?.generation ?? 0) + 1;
      const entity = { partitionKey: PARTITION, rowKey: key, holder, generation, ttlMs, pending: false, pendingJob: "" };
      try {
        if (!current) {
          await this.#table.createEntity(entity, { abortSignal: options.abortSignal });
          return { acquired: true, generation };
        }
        if (current.live) return { acquired: false, current };
        // Free, or expired (the holder died or stalled): take it, but only if nobody else did first.
        await this.#table.updateEntity(entity, "Replace", { etag: current.etag, abortSignal: options.abortSignal });
        return { acquired: true, generation };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412 && status !== 404) throw error;
      }
      await pause();
    }
    throw new Error(`the lease "${key}" kept changing while acquiring it`);
  }

  /** Pushes the expiry forward (a write: the service stamps it); LeaseLostError when the tenure is over. */
  async renew(tenure: LeaseTenure, options: LeaseStoreOptions = {}): Promise<void> {
    await this.#change(tenure.key, options, (current) => {
      if (!holds(current, tenure)) throw new LeaseLostError(tenure.key);
      return { holder: tenure.holder };
    });
  }

  /** The fence: resolves when `tenure` is still the lease's current one, else LeaseLostError. One read. */
  async check(tenure: LeaseTenure, options: LeaseStoreOptions = {}): Promise<void> {
    if (!holds(await this.get(tenure.key, options), tenure)) throw new LeaseLostError(tenure.key);
  }

  /**
   * Asks the live holder to run once more (with `job`). Returns "free" when there is no live holder (the
   * caller should try to acquire instead).
   */
  async markPending(key: string, job: string, options: LeaseStoreOptions = {}): Promise<"marked" | "free"> {
    let outcome: "marked" | "free" = "free";
    await this.#change(key, options, (current) => {
      if (!current?.live) {
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
   * lease kept (and renewed by that write), and the pending job returned for one more run.
   */
  async release(tenure: LeaseTenure, options: LeaseStoreOptions = {}): Promise<ReleaseResult> {
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.get(tenure.key, options);
      if (!current || !holds(current, tenure)) return { released: true };
      try {
        const patch = current.pending ? { pending: false, pendingJob: "" } : { holder: "", pending: false, pendingJob: "" };
        await this.#table.updateEntity({ partitionKey: PARTITION, rowKey: tenure.key, ...patch }, "Merge", {
          etag: current.etag,
          abortSignal: options.abortSignal,
        });
        return current.pending ? { released: false, pendingJob: current.pendingJob } : { released: true };
      } catch (error) {
        if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
      }
      await pause();
    }
    throw new Error(`the lease "${tenure.key}" kept changing while releasing it`);
  }

  async #change(
    key: string,
    options: LeaseStoreOptions,
    change: (current: (LeaseState & { etag: string }) | undefined) => Record<string, unknown> | undefined,
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

function holds(current: LeaseState | undefined, tenure: LeaseTenure): boolean {
  return current !== undefined && current.holder === tenure.holder && current.generation === tenure.generation;
}

/** A short random pause after a lost race, so contenders spread out instead of colliding again. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 45));
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}
