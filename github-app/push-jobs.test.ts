// PushJobs' ordering and grouping, with a send whose completion the test controls (the integration test
// in test/github-app-webhooks.test.ts runs the real queue). The rule under test: a delivery is answered
// only after a send that *started after it arrived* has completed, and a lone push is sent at once.
import { describe, expect, it } from "vitest";
import type { SyncJob } from "../src/sync/sync-job.js";
import { MAX_DELIVERY_IDS_PER_JOB, PushJobs, mergeJobs, type PushJobsOptions } from "./push-jobs.js";

function job(n: number, overrides: Partial<SyncJob> = {}): SyncJob {
  return { connectionId: "c1", branch: "main", trigger: "webhook", sha: String(n).padStart(40, "0"), deliveryId: `d${n}`, requestedAt: "2026-11-27T00:00:00.000Z", ...overrides };
}

/** A send that records each job and completes only when the test says so. */
function gatedSend() {
  const sends: { job: SyncJob; finish: () => void; fail: (error: Error) => void }[] = [];
  const send = (sent: SyncJob) =>
    new Promise<void>((resolve, reject) => {
      sends.push({ job: sent, finish: resolve, fail: reject });
    });
  return { sends, send };
}

/** Polls `check` every few milliseconds until it holds (at most 2 s). */
async function until(check: () => boolean): Promise<void> {
  for (const started = Date.now(); !check(); ) {
    if (Date.now() - started > 2_000) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<unknown>) {
  const state = { done: false, error: undefined as unknown };
  promise.then(
    () => (state.done = true),
    (error: unknown) => (state.error = error),
  );
  return state;
}

/** A PushJobs over a gated send, with the first push's send out and not yet finished. */
async function withFirstSendInFlight(options?: PushJobsOptions) {
  const { sends, send } = gatedSend();
  const jobs = new PushJobs(send, options);
  const first = track(jobs.enqueue(job(1)));
  await settle();
  return { sends, jobs, first };
}

describe("PushJobs", () => {
  it("sends a lone push at once, unchanged, and answers when the send completes", async () => {
    const { sends, send } = gatedSend();
    const jobs = new PushJobs(send);
    const answered = track(jobs.enqueue(job(1)));
    await settle();
    expect(sends.map((s) => s.job)).toEqual([job(1)]);
    expect(answered.done).toBe(false);
    sends[0]!.finish();
    await settle();
    expect(answered.done).toBe(true);
    expect(jobs.activeLanes).toBe(0);
  });

  it("never adds a push to the send in flight: pushes that arrive meanwhile share the next send", async () => {
    const { sends, jobs, first } = await withFirstSendInFlight();
    const later = [2, 3, 4].map((n) => track(jobs.enqueue(job(n))));
    await settle();
    // Only the first send is out, and it still carries the first push alone.
    expect(sends).toHaveLength(1);
    expect(sends[0]!.job.deliveryId).toBe("d1");
    expect(sends[0]!.job.coalesced).toBeUndefined();

    sends[0]!.finish();
    await settle();
    expect(first.done).toBe(true);
    expect(later.some((s) => s.done)).toBe(false);
    expect(sends).toHaveLength(2);
    expect(sends[1]!.job).toMatchObject({ sha: job(4).sha, deliveryId: "d4", coalesced: 3, deliveryIds: ["d2", "d3", "d4"] });

    // A push arriving during the second send waits for a third.
    const last = track(jobs.enqueue(job(5)));
    sends[1]!.finish();
    await settle();
    expect(later.every((s) => s.done)).toBe(true);
    expect(last.done).toBe(false);
    expect(sends.map((s) => s.job.deliveryId)).toEqual(["d1", "d4", "d5"]);
    sends[2]!.finish();
    await settle();
    expect(last.done).toBe(true);
    expect(jobs.activeLanes).toBe(0);
  });

  it("keeps connections, branches and triggers apart: each has its own sends, in parallel", async () => {
    const { sends, send } = gatedSend();
    const jobs = new PushJobs(send);
    const answered = [job(1), job(2, { branch: "release" }), job(3, { connectionId: "c2" }), job(4, { trigger: "poll" })].map((j) => jobs.enqueue(j));
    await settle();
    expect(sends.map((s) => s.job.deliveryId)).toEqual(["d1", "d2", "d3", "d4"]);
    expect(jobs.activeLanes).toBe(4);
    for (const s of sends) s.finish();
    await Promise.all(answered);
    expect(jobs.activeLanes).toBe(0);
  });

  it("a failed send fails every push of its group, and the next group is still sent", async () => {
    const { sends, jobs, first } = await withFirstSendInFlight();
    const group = [2, 3].map((n) => track(jobs.enqueue(job(n))));
    sends[0]!.finish();
    await settle();
    const next = track(jobs.enqueue(job(4)));
    sends[1]!.fail(new Error("queue unavailable"));
    await settle();
    expect(first.done).toBe(true);
    expect(group.map((s) => (s.error as Error | undefined)?.message)).toEqual(["queue unavailable", "queue unavailable"]);
    expect(next.error).toBeUndefined();
    expect(sends).toHaveLength(3);
    sends[2]!.finish();
    await settle();
    expect(next.done).toBe(true);
    expect(jobs.activeLanes).toBe(0);
  });

  it("a send that throws synchronously rejects its push instead of throwing at the caller", async () => {
    const jobs = new PushJobs(() => {
      throw new Error("boom");
    });
    await expect(jobs.enqueue(job(1))).rejects.toThrow("boom");
    expect(jobs.activeLanes).toBe(0);
  });

  it("gives up on a send that outlasts GitHub's patience; the next group goes out on its own", async () => {
    const signals: AbortSignal[] = [];
    let calls = 0;
    const jobs = new PushJobs(
      (_job, { abortSignal }) => {
        signals.push(abortSignal);
        // The first send never completes, even when aborted (a stuck socket); the second does.
        return ++calls === 1 ? new Promise<void>(() => undefined) : Promise.resolve();
      },
      { sendTimeoutInMs: 50 },
    );
    const stuck = jobs.enqueue(job(1));
    await settle();
    const next = jobs.enqueue(job(2));
    await expect(stuck).rejects.toMatchObject({ name: "TimeoutError" });
    expect(signals[0]!.aborted).toBe(true);
    await expect(next).resolves.toMatchObject({ deliveryId: "d2" }); // the job that was sent for it
    expect(calls).toBe(2);
    expect(jobs.activeLanes).toBe(0);
  });

  it("answers each push with the job that went to the queue: a coalesced push learns the traceparent of the job it joined", async () => {
    const { sends, jobs } = await withFirstSendInFlight();
    const second = jobs.enqueue(job(2, { traceparent: "00-22222222222222222222222222222222-2222222222222222-01" }));
    const third = jobs.enqueue(job(3, { traceparent: "00-33333333333333333333333333333333-3333333333333333-01" }));
    sends[0]!.finish();
    await until(() => sends.length === 2);
    sends[1]!.finish();
    const [sentForSecond, sentForThird] = await Promise.all([second, third]);
    expect(sentForSecond).toBe(sentForThird);
    expect(sentForSecond).toMatchObject({ deliveryIds: ["d2", "d3"], traceparent: "00-33333333333333333333333333333333-3333333333333333-01" });
  });

  it("a group waits for a slow send ahead of it at most stallAfterInMs, then goes out alongside it", async () => {
    const { sends, jobs, first } = await withFirstSendInFlight({ stallAfterInMs: 30 });
    const second = track(jobs.enqueue(job(2)));
    const third = track(jobs.enqueue(job(3)));
    await settle();
    expect(sends).toHaveLength(1);
    await until(() => sends.length === 2);
    // The stalled send still carries the first push alone; the two later ones went out together.
    expect(sends.map((s) => s.job.deliveryIds ?? [s.job.deliveryId])).toEqual([["d1"], ["d2", "d3"]]);
    sends[1]!.finish();
    await settle();
    expect([first.done, second.done, third.done]).toEqual([false, true, true]);
    sends[0]!.finish();
    await settle();
    expect(first.done).toBe(true);
    expect(jobs.activeLanes).toBe(0);
  });

  it("an aborted caller leaves a group not yet sent; a group everyone left is never sent", async () => {
    const { sends, jobs, first } = await withFirstSendInFlight();
    const leaving = new AbortController();
    const left = track(jobs.enqueue(job(2), { abortSignal: leaving.signal }));
    const staying = track(jobs.enqueue(job(3)));
    leaving.abort(new Error("client went away"));
    await settle();
    expect((left.error as Error).message).toBe("client went away");
    sends[0]!.finish();
    await settle();
    expect(sends[1]!.job).toMatchObject({ deliveryId: "d3" });
    expect(sends[1]!.job.coalesced).toBeUndefined();
    sends[1]!.finish();
    await settle();
    expect([first.done, staying.done]).toEqual([true, true]);

    // Everyone leaves the waiting group: no send at all; the lane is released.
    const only = new AbortController();
    const head = track(jobs.enqueue(job(4)));
    await settle();
    const gone = track(jobs.enqueue(job(5), { abortSignal: only.signal }));
    only.abort();
    sends[2]!.finish();
    await settle();
    expect(head.done).toBe(true);
    expect(gone.error).toBeDefined();
    expect(sends).toHaveLength(3);
    expect(jobs.activeLanes).toBe(0);
  });

  it("an aborted caller whose job was already sent only stops waiting: the send and the others go on", async () => {
    const { sends, send } = gatedSend();
    const jobs = new PushJobs(send);
    const controller = new AbortController();
    const aborted = track(jobs.enqueue(job(1), { abortSignal: controller.signal }));
    await settle();
    controller.abort();
    await settle();
    expect(aborted.error).toBeDefined();
    expect(sends).toHaveLength(1);
    sends[0]!.finish();
    await settle();
    expect(jobs.activeLanes).toBe(0);
    await expect(jobs.enqueue(job(2), { abortSignal: AbortSignal.abort() })).rejects.toThrow();
    expect(sends).toHaveLength(1);
  });

  it("checks its arguments", () => {
    expect(() => new PushJobs(undefined as unknown as () => Promise<void>)).toThrow(TypeError);
    for (const bad of [0, -1, 1.5, Infinity, Number.NaN, 2 ** 32]) {
      expect(() => new PushJobs(async () => undefined, { sendTimeoutInMs: bad })).toThrow(RangeError);
      expect(() => new PushJobs(async () => undefined, { stallAfterInMs: bad })).toThrow(RangeError);
    }
  });
});

describe("mergeJobs", () => {
  it("keeps the newest push's sha and id, counts the group and keeps the last ids", () => {
    const many = Array.from({ length: MAX_DELIVERY_IDS_PER_JOB + 10 }, (_, i) => job(i));
    const merged = mergeJobs(many);
    expect(merged).toMatchObject({ connectionId: "c1", branch: "main", trigger: "webhook", sha: job(many.length - 1).sha, deliveryId: `d${many.length - 1}` });
    expect(merged.coalesced).toBe(many.length);
    expect(merged.deliveryIds).toHaveLength(MAX_DELIVERY_IDS_PER_JOB);
    expect(merged.deliveryIds![0]).toBe("d10");
    expect(merged.deliveryIds!.at(-1)).toBe(`d${many.length - 1}`);
    expect(Date.parse(merged.requestedAt)).toBeGreaterThan(Date.parse(job(0).requestedAt));
  });

  it("returns a single job as it is, and refuses none", () => {
    expect(mergeJobs([job(7)])).toEqual(job(7));
    expect(() => mergeJobs([])).toThrow(RangeError);
  });
});
