// Pushes to the connected branch that arrive while a sync job for it is being queued share the *next* job
// (a group commit). The worker syncs the branch head at run time (latest wins, sync-job.ts), so one job
// queued after a push arrived covers it, whatever else it covers; and a burst of pushes costs one queue
// message per queue round trip instead of one each, and one sync run instead of many that would find
// nothing left to do. A lone push is sent at once: no timer, no added latency.
//
// Why never the send already in flight: it may be committed before the push happened on GitHub, and its
// worker may read the head before it too. A send that starts after the delivery arrived cannot.
//
// GitHub waits 10 s for an answer. A delivery waits for at most STALL_AFTER_IN_MS before its group goes
// out (at once if the send ahead of it is slow: groups then overlap), then for its own send, which is
// abandoned after SEND_TIMEOUT_IN_MS: 9 s in all.
import type { SyncJob } from "../src/sync/sync-job.js";
import type { AbortOptions } from "./github-app-deps.js";

/** Ids kept on one job (a queue message holds 64 KB); the job still stands for every push in its group. */
export const MAX_DELIVERY_IDS_PER_JOB = 50;
/** How long a group waits for the send ahead of it before going out alongside it. */
export const STALL_AFTER_IN_MS = 1_000;
/** A send still going after this long helps none of its deliveries: they fail (and are released for redelivery). */
export const SEND_TIMEOUT_IN_MS = 8_000;

export type SendSyncJob = (job: SyncJob, options: { abortSignal: AbortSignal }) => Promise<unknown>;

export interface PushJobsOptions {
  sendTimeoutInMs?: number;
  stallAfterInMs?: number;
}

interface Group {
  jobs: SyncJob[];
  /** Its job has gone to `send`: the group is fixed. */
  sent: boolean;
  settle: { resolve: (sent: SyncJob) => void; reject: (error: unknown) => void };
  /** Resolves with the job that was sent for the group. */
  done: Promise<SyncJob>;
}

interface Lane {
  /** Sends in flight (more than one only when one stalled). */
  sending: number;
  /** Deliveries that arrived since the last send started; sent when a send settles, or on stalling. */
  next?: Group & { stall: NodeJS.Timeout };
}

export class PushJobs {
  readonly #send: SendSyncJob;
  readonly #sendTimeoutInMs: number;
  readonly #stallAfterInMs: number;
  readonly #lanes = new Map<string, Lane>();

  constructor(send: SendSyncJob, options: PushJobsOptions = {}) {
    if (typeof send !== "function") throw new TypeError("PushJobs: send must be a function");
    this.#send = send;
    this.#sendTimeoutInMs = checkDelay("sendTimeoutInMs", options.sendTimeoutInMs ?? SEND_TIMEOUT_IN_MS);
    this.#stallAfterInMs = checkDelay("stallAfterInMs", options.stallAfterInMs ?? STALL_AFTER_IN_MS);
  }

  /**
   * Resolves once a job that covers `job` is on the queue; rejects with the send's error (every delivery of
   * the group then fails together, and each is redelivered on its own). The send is shared by the group:
   * aborting takes this job out of a group not yet sent, or stops waiting for one already sent. Resolves with the
   * job that went to the queue (the merged one when the push was coalesced: its traceparent says which operation).
   */
  enqueue(job: SyncJob, options: AbortOptions = {}): Promise<SyncJob> {
    if (options.abortSignal?.aborted) return Promise.reject(options.abortSignal.reason);
    const key = `${job.connectionId}\0${job.branch}\0${job.trigger}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { sending: 0 };
      this.#lanes.set(key, lane);
    }
    let group: Group;
    if (lane.sending === 0) {
      group = newGroup(job);
      this.#start(key, lane, group);
    } else {
      if (!lane.next) {
        const stalled = lane;
        lane.next = { ...newGroup(), stall: setTimeout(() => this.#flush(key, stalled), this.#stallAfterInMs) };
      }
      group = lane.next;
      group.jobs.push(job);
    }
    return waitFor(group, job, options.abortSignal);
  }

  /** Branches with a send in flight or a group waiting (for tests and diagnostics). */
  get activeLanes(): number {
    return this.#lanes.size;
  }

  #flush(key: string, lane: Lane): void {
    const group = lane.next;
    if (!group) return;
    clearTimeout(group.stall);
    lane.next = undefined;
    // Every caller of the group went away before it was sent: nothing to send.
    if (group.jobs.length === 0) return this.#release(key, lane);
    this.#start(key, lane, group);
  }

  #start(key: string, lane: Lane, group: Group): void {
    lane.sending++;
    group.sent = true;
    // Sent on a later tick, never inside the caller's stack: a send that throws synchronously still
    // settles the group, and the lane's bookkeeping runs in one place.
    Promise.resolve()
      .then(async () => {
        const abortSignal = AbortSignal.timeout(this.#sendTimeoutInMs);
        const merged = mergeJobs(group.jobs);
        await abortable(this.#send(merged, { abortSignal }), abortSignal);
        return merged;
      })
      .then((sent) => group.settle.resolve(sent), (error: unknown) => group.settle.reject(error))
      .finally(() => {
        lane.sending--;
        if (lane.next) this.#flush(key, lane);
        else this.#release(key, lane);
      });
  }

  #release(key: string, lane: Lane): void {
    if (lane.sending === 0 && !lane.next && this.#lanes.get(key) === lane) this.#lanes.delete(key);
  }
}

function checkDelay(name: string, value: number): number {
  // AbortSignal.timeout and setTimeout take whole milliseconds up to 2^31 - 1.
  if (!Number.isInteger(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new RangeError(`PushJobs: ${name} must be a whole number of milliseconds from 1 to 2147483647`);
  }
  return value;
}

function waitFor(group: Group, job: SyncJob, abortSignal: AbortSignal | undefined): Promise<SyncJob> {
  if (!abortSignal) return group.done;
  return abortable(group.done, abortSignal, () => {
    // Still waiting to be sent: leave the group (a sent group's jobs are already fixed).
    const at = group.jobs.indexOf(job);
    if (at >= 0 && !group.sent) group.jobs.splice(at, 1);
  });
}

/**
 * Settles with `promise`, or rejects when `abortSignal` fires first (whether or not the work heeds it),
 * after calling `onAbort`.
 */
function abortable<T>(promise: Promise<T>, abortSignal: AbortSignal, onAbort?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(abortSignal.reason);
    };
    abortSignal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => abortSignal.removeEventListener("abort", abort));
  });
}

function newGroup(first?: SyncJob): Group {
  let settle!: Group["settle"];
  const done = new Promise<SyncJob>((resolve, reject) => (settle = { resolve, reject }));
  // A group whose every waiter went away must not become an unhandled rejection.
  done.catch(() => undefined);
  return { jobs: first ? [first] : [], sent: false, settle, done };
}

/**
 * One job for the group: the last delivery's sha and id (the newest GitHub sent), the group's ids when
 * there were several, and the time of the send as `requestedAt`.
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
