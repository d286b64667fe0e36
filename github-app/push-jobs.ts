// Pushes to the connected branch that arrive while a sync job for it is being queued share the *next* job
// (a group commit). The worker syncs the branch head at run time (latest wins, sync-job.ts), so one job
// queued after a push arrived covers it, whatever else it covers; and a burst of pushes costs one queue
// message per queue round trip instead of one each, and one sync run instead of many that would find
// nothing left to do. A lone push is sent at once: no timer, no added latency.
//
// Why never the send already in flight: it may be committed before the push happened on GitHub, and its
// worker may read the head before it too. A send that starts after the delivery arrived cannot.
import type { SyncJob } from "../src/sync/sync-job.js";

/** Ids kept on one job (a queue message holds 64 KB); the job still stands for every push in its group. */
export const MAX_DELIVERY_IDS_PER_JOB = 50;

/**
 * GitHub waits 10 s for an answer: a shared send still going after this long helps none of its deliveries,
 * and would hold back every later push of its branch. It is abandoned (its deliveries fail and are released
 * for redelivery) and the next group goes out on its own.
 */
export const SEND_TIMEOUT_IN_MS = 8_000;

export type SendSyncJob = (job: SyncJob, options: { abortSignal: AbortSignal }) => Promise<unknown>;

export interface PushJobsOptions {
  sendTimeoutInMs?: number;
}

interface Group {
  jobs: SyncJob[];
  settle: { resolve: () => void; reject: (error: unknown) => void };
  done: Promise<void>;
}

interface Lane {
  /** The group whose job is being sent. */
  sending: Group;
  /** Deliveries that arrived since; sent when `sending` settles. */
  next?: Group;
}

export class PushJobs {
  readonly #send: SendSyncJob;
  readonly #sendTimeoutInMs: number;
  readonly #lanes = new Map<string, Lane>();

  constructor(send: SendSyncJob, options: PushJobsOptions = {}) {
    if (typeof send !== "function") throw new TypeError("PushJobs: send must be a function");
    const timeout = options.sendTimeoutInMs ?? SEND_TIMEOUT_IN_MS;
    if (!(timeout > 0)) throw new RangeError("PushJobs: sendTimeoutInMs must be a positive number");
    this.#send = send;
    this.#sendTimeoutInMs = timeout;
  }

  /**
   * Resolves once a job that covers `job` is on the queue; rejects with the send's error (every delivery of
   * the group then fails together, and each is redelivered on its own). The send is shared by the group, so
   * it is not tied to any one request's abort signal.
   */
  enqueue(job: SyncJob): Promise<void> {
    const key = `${job.connectionId}\0${job.branch}\0${job.trigger}`;
    const lane = this.#lanes.get(key);
    if (!lane) {
      const group = newGroup(job);
      this.#lanes.set(key, { sending: group });
      this.#start(key, group);
      return group.done;
    }
    lane.next ??= newGroup();
    lane.next.jobs.push(job);
    return lane.next.done;
  }

  /** Lanes with a send in flight (for tests and diagnostics). */
  get sending(): number {
    return this.#lanes.size;
  }

  #start(key: string, group: Group): void {
    // Sent on a later tick, never inside the caller's stack: a send that fails synchronously still settles
    // the group, and the lane's bookkeeping runs in one place.
    const abortSignal = AbortSignal.timeout(this.#sendTimeoutInMs);
    Promise.resolve()
      .then(() => abortable(this.#send(mergeJobs(group.jobs), { abortSignal }), abortSignal))
      .then(() => group.settle.resolve(), (error: unknown) => group.settle.reject(error))
      .finally(() => {
        const lane = this.#lanes.get(key)!;
        if (!lane.next) {
          this.#lanes.delete(key);
          return;
        }
        lane.sending = lane.next;
        lane.next = undefined;
        this.#start(key, lane.sending);
      });
  }
}

/** Settles with `promise`, or rejects when `abortSignal` fires first (whether or not the send heeds it). */
function abortable<T>(promise: Promise<T>, abortSignal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortSignal.reason);
    abortSignal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => abortSignal.removeEventListener("abort", onAbort));
  });
}

function newGroup(first?: SyncJob): Group {
  let settle!: Group["settle"];
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // A group whose every waiter went away must not become an unhandled rejection.
  done.catch(() => undefined);
  return { jobs: first ? [first] : [], settle, done };
}

/**
 * One job for the group: the last delivery's sha and id (the newest GitHub sent), the group's ids when
 * there were several, and the time of the send.
 */
export function mergeJobs(jobs: readonly SyncJob[]): SyncJob {
  const last = jobs[jobs.length - 1];
  if (!last) throw new RangeError("mergeJobs: jobs must not be empty");
  if (jobs.length === 1) return last;
  const deliveryIds = jobs.flatMap((j) => (j.deliveryId ? [j.deliveryId] : []));
  return {
    ...last,
    requestedAt: new Date().toISOString(),
    coalesced: jobs.length,
    ...(deliveryIds.length ? { deliveryIds: deliveryIds.slice(-MAX_DELIVERY_IDS_PER_JOB) } : {}),
  };
}
