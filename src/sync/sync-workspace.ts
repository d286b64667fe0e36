// The sync worker's whole job, as DESIGN.md draws it: under the workspace's lease, sync the connected
// branch's head (or the commit the workspace is pinned to) into the workspace (syncOnce: resolve → plan →
// fetch → apply) and record the run. A pin or unpin while a run holds the lease marks it pending, and the
// holder runs once more, reading the record anew: the last change of the pin is what ends on disk.
// Nothing is kept in memory between runs: the manifest, the connection record and the run records are the
// state, so a crash or a stale job re-converges next time. A failure is recorded and rethrown: queue
// redelivery is the retry loop.
import type { ConnectionStore } from "../azure/connection-store.js";
import type { LeaseStore } from "../azure/lease-store.js";
import { newSyncRunId, type SyncRunRecord, type SyncRunStore } from "../azure/sync-run-store.js";
import type { ConnectionRecord } from "../connection/connection-record.js";
import type { Logger } from "../logger.js";
import type { FetchMode } from "./fetch-changes.js";
import { LeaseLostError } from "../errors.js";
import { withLease, type LeaseFence } from "./lease.js";
import { measurePinLag } from "./measure-pin-lag.js";
import type { SyncLimits } from "./limits.js";
import type { RepositorySource } from "./repository-source.js";
import { isPermanentSyncFailure, SyncCancelledError, SyncError } from "./sync-error.js";
import type { SyncJob } from "./sync-job.js";
import { recordSyncRun, SyncPhaseClock } from "../telemetry/record-sync-run.js";
import { step, syncOnce, type SyncOutcome, type SyncProgress } from "./sync-once.js";
import { describeSkipped, type SkippedEntry } from "./target-tree.js";

export interface SyncWorkspaceDeps {
  workspaceId: string;
  workspaceDir: string;
  stateDir: string;
  maxFileBytes: number;
  concurrency: number;
  /** Threads for the bulk file-system work (SYNC_FS_THREADS). */
  fsThreads: number;
  connections: ConnectionStore;
  leases: LeaseStore;
  syncRuns: SyncRunStore;
  /** The repository behind a connection (the caller plugs in the App or PAT token). */
  createSource(connection: ConnectionRecord): RepositorySource;
  logger: Logger;
  limits?: Partial<SyncLimits>;
  fetchMode?: FetchMode;
  lease?: { ttlMs?: number; renewEveryMs?: number; renewTimeoutMs?: number };
  /** Least time between two progress writes to the run record. */
  progressEveryMs?: number;
}

export type SyncWorkspaceResult =
  /** The job belongs to an earlier connection (or none): nothing done, nothing recorded. */
  | { status: "stale" }
  /** Another run holds the lease; it will run once more for this job. */
  | { status: "pending" }
  | { status: "ran"; runs: SyncRunRecord[] };

export interface SyncWorkspaceOptions {
  abortSignal?: AbortSignal;
  /** Which delivery of the queue message this is, and how many the host makes before poisoning it (host.json). */
  attempt?: { number: number; max: number };
}

/** The lease that keeps one sync at a time on a workspace. */
export function syncLeaseKey(workspaceId: string): string {
  return `sync-${workspaceId}`;
}

export async function syncWorkspace(job: SyncJob, deps: SyncWorkspaceDeps, options: SyncWorkspaceOptions = {}): Promise<SyncWorkspaceResult> {
  const log = deps.logger.child({ connectionId: job.connectionId, trigger: job.trigger, deliveryId: job.deliveryId, coalesced: job.coalesced });
  if (!(await currentConnection(job, deps, options.abortSignal))) {
    log.info({ requestedSha: job.sha }, "sync skipped: the job belongs to an earlier connection");
    return { status: "stale" };
  }
  const outcome = await withLease(
    syncLeaseKey(deps.workspaceId),
    job,
    { leases: deps.leases, ...deps.lease, logger: log, abortSignal: options.abortSignal },
    (next, abortSignal, fence) => runOnce(next, deps, abortSignal, fence, options.attempt),
  );
  if (outcome.status === "pending") return outcome;
  const runs = outcome.results.filter((r): r is SyncRunRecord => r !== undefined);
  return { status: "ran", runs };
}

/** One recorded run; undefined when the (pending) job turned out stale. */
async function runOnce(
  job: SyncJob,
  deps: SyncWorkspaceDeps,
  leaseSignal: AbortSignal,
  fence: LeaseFence,
  attempt?: SyncWorkspaceOptions["attempt"],
): Promise<SyncRunRecord | undefined> {
  const connection = await currentConnection(job, deps, leaseSignal);
  if (!connection) return undefined;
  const log = deps.logger.child({ connectionId: job.connectionId, trigger: job.trigger, deliveryId: job.deliveryId, coalesced: job.coalesced });

  // Disconnect cancels: the record disappears (or changes connection), and this run stops before its next file.
  const disconnected = new AbortController();
  const abortSignal = AbortSignal.any([leaseSignal, disconnected.signal]);
  const everyMs = deps.lease?.renewEveryMs ?? 5_000;
  const watch = setInterval(() => {
    void currentConnection(job, deps, abortSignal)
      .then((still) => {
        if (!still) disconnected.abort(new SyncCancelledError("The sync was cancelled: the repository was disconnected."));
      })
      .catch(() => undefined);
  }, everyMs);

  // A pinned workspace gets its pinned commit, whatever the job was queued for: the push is recorded, not applied.
  const pinnedSha = connection.pinnedSha;
  const run: SyncRunRecord = {
    runId: newSyncRunId(),
    workspaceId: deps.workspaceId,
    connectionId: job.connectionId,
    repository: connection.repository,
    branch: connection.branch,
    trigger: job.trigger,
    deliveryId: job.deliveryId,
    ...(job.requestedBy ? { requestedBy: job.requestedBy } : {}),
    coalesced: job.coalesced,
    requestedSha: job.sha,
    ...(pinnedSha ? { pinnedSha } : {}),
    fromSha: connection.appliedSha,
    result: "running",
    added: 0,
    changed: 0,
    deleted: 0,
    skipped: 0,
    bytesDownloaded: 0,
    startedAt: new Date().toISOString(),
    leaseGeneration: fence.generation,
    ...(attempt ? { attempt: attempt.number } : {}),
  };
  const started = performance.now();
  // The run's record and the connection's "Syncing" are written while the engine asks GitHub for the head and
  // the tree (a push reaches the disk one round trip sooner); nothing on disk changes before both are stored:
  // every destructive step passes the fence, which waits for them first.
  const recorded = (async () => {
    await deps.syncRuns.create(run);
    await deps.connections.update((record) => ({ ...record, state: "Syncing" }), { connectionId: job.connectionId });
  })();
  recorded.catch(() => undefined);
  const recordedFence: Pick<LeaseFence, "check"> = {
    check: async (checkOptions) => {
      await recorded;
      await fence.check(checkOptions);
    },
  };
  const progress = throttleProgress(deps, run, deps.progressEveryMs ?? 1_000, log, recorded);
  const clock = new SyncPhaseClock();

  try {
    const source = deps.createSource(connection);
    const outcome = await syncOnce(
      {
        branch: connection.branch,
        commitSha: pinnedSha,
        allowEmpty: job.allowEmpty,
        fetchMode: deps.fetchMode,
        // While connected the engine is the workspace's only writer; "Sync now" still checks every file.
        session: job.connectionId,
        verifyDisk: job.trigger === "manual",
        expectedSha: job.trigger === "webhook" ? job.sha : undefined,
      },
      {
        source,
        workspaceDir: deps.workspaceDir,
        stateDir: deps.stateDir,
        workspaceId: deps.workspaceId,
        maxFileBytes: deps.maxFileBytes,
        concurrency: deps.concurrency,
        fsThreads: deps.fsThreads,
        limits: deps.limits,
        logger: log,
        fence: recordedFence,
        owner: { generation: fence.generation },
      },
      {
        abortSignal,
        onProgress: (report) => {
          clock.mark(report.phase);
          progress.report(report);
        },
      },
    );
    // While pinned the branch is still followed, to say how many commits wait: best effort, the run stands without it.
    const lag = pinnedSha
      ? await measurePinLag(source, pinnedSha, connection.branch, { abortSignal }).catch((error: unknown) => {
          log.warn({ err: error, pinnedSha }, "could not count the commits waiting behind the pin");
          return undefined;
        })
      : undefined;
    await recorded;
    await progress.flush();
    // The connection's state belongs to the lease's holder: a worker taken over meanwhile leaves it alone.
    await step("lease", () => fence.check({ abortSignal: leaseSignal }));
    Object.assign(run, finished(run, started, outcome), lag?.waitingCommits !== undefined ? { waitingCommits: lag.waitingCommits } : {});
    await deps.syncRuns.update(run.workspaceId, run.runId, run);
    recordSyncRun(run, clock);
    await deps.connections.update(
      (record) => ({
        ...record,
        state: "Ready",
        stateReason: skippedSummary(outcome.skipped),
        appliedSha: outcome.toSha,
        headSha: pinnedSha ? (lag?.headSha ?? record.headSha) : outcome.toSha,
        // Only for the pin this run applied: an unpin or another pin meanwhile queued its own run.
        ...(pinnedSha && lag && record.pinnedSha === pinnedSha ? { waitingCommits: lag.waitingCommits, pinOffBranch: lag.onBranch === false || undefined } : {}),
        lastSyncAt: run.finishedAt,
      }),
      { connectionId: job.connectionId },
    );
    log.info(logFields(run), "sync run");
    return run;
  } catch (error) {
    // Without its record there is nothing to mark failed: the storage error is the run's (the queue retries).
    await recorded;
    await progress.flush();
    const leaseLost = error instanceof LeaseLostError || (error instanceof SyncError && error.cause instanceof LeaseLostError) || leaseSignal.reason instanceof LeaseLostError;
    const cancelled = leaseLost || error instanceof SyncCancelledError || (error instanceof SyncError && error.cause instanceof SyncCancelledError);
    const permanent = isPermanentSyncFailure(error);
    Object.assign(run, {
      result: cancelled ? "cancelled" : "failed",
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
      errorStep: error instanceof SyncError ? error.step : undefined,
      errorCode: (error as { code?: string }).code,
      errorMessage: userMessage(error) + retryNote(cancelled, permanent, attempt),
      errorPermanent: permanent || undefined,
    } satisfies Partial<SyncRunRecord>);
    await deps.syncRuns.update(run.workspaceId, run.runId, run);
    recordSyncRun(run, clock);
    // Taken over (or stopped before the lease could expire): the new holder owns the connection's state.
    if (leaseLost) {
      log.warn({ ...logFields(run), err: error }, "sync run stopped: the lease is no longer ours");
      throw error;
    }
    await deps.connections.update(
      (record) => (cancelled ? { ...record, state: record.appliedSha ? "Ready" : "Connecting" } : { ...record, state: "Failed", stateReason: run.errorMessage }),
      { connectionId: job.connectionId },
    );
    log[cancelled ? "info" : "error"]({ ...logFields(run), err: error }, "sync run");
    throw error;
  } finally {
    clearInterval(watch);
  }
}

async function currentConnection(job: SyncJob, deps: SyncWorkspaceDeps, abortSignal?: AbortSignal): Promise<ConnectionRecord | undefined> {
  const stored = await deps.connections.get({ abortSignal });
  if (!stored || stored.record.connectionId !== job.connectionId || stored.record.branch !== job.branch) return undefined;
  return stored.record;
}

function finished(run: SyncRunRecord, started: number, outcome: SyncOutcome): Partial<SyncRunRecord> {
  return {
    result: outcome.result,
    fromSha: outcome.fromSha ?? run.fromSha,
    toSha: outcome.toSha,
    added: outcome.counts.added,
    changed: outcome.counts.changed,
    deleted: outcome.counts.deleted,
    skipped: outcome.counts.skipped,
    bytesDownloaded: outcome.bytesDownloaded,
    fetchMethod: outcome.fetchMethod,
    ...(outcome.resumedFiles > 0 ? { resumedFiles: outcome.resumedFiles, resumedBytes: outcome.resumedBytes } : {}),
    skippedPaths: outcome.skipped.length ? outcome.skipped.map(describeSkipped).join("\n").slice(0, 16_384) : undefined,
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    progressPhase: "done",
  };
}

/** The connection's status line after a sync that left entries out: "Synced with 3 files skipped: …". */
function skippedSummary(skipped: readonly SkippedEntry[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const first = skipped.slice(0, 3).map(describeSkipped).join("; ");
  return `Synced with ${skipped.length} ${skipped.length === 1 ? "file" : "files"} skipped: ${first}${skipped.length > 3 ? "; …" : ""} (see the sync history).`;
}

/** What happens next, said on the record and the connection: not retried, retried, or given up. */
function retryNote(cancelled: boolean, permanent: boolean, attempt: SyncWorkspaceOptions["attempt"]): string {
  if (cancelled) return "";
  if (permanent) return " Not retried (another attempt would fail the same way): fix the cause, then use Sync now or push again.";
  if (attempt && attempt.number >= attempt.max) return ` Gave up after ${attempt.number} attempts; the job rests in the poison queue. Use Sync now to try again.`;
  return "";
}

/** The message a user may see: an AppError's own; anything else stays in the log. */
function userMessage(error: unknown): string {
  if (error instanceof SyncError) return error.message;
  if (error instanceof Error && "status" in error) return error.message;
  return "The sync failed; the details are in the server log.";
}

function logFields(run: SyncRunRecord): Record<string, unknown> {
  const { runId, repository, branch, trigger, deliveryId, pinnedSha, fromSha, toSha, result, added, changed, deleted, skipped, bytesDownloaded, fetchMethod, resumedFiles, resumedBytes, durationMs, errorStep, errorMessage } = run;
  return {
    runId, repository, branch, trigger, deliveryId, pinnedSha, fromSha, toSha, result, added, changed, deleted, skipped, bytesDownloaded, fetchMethod, resumedFiles, resumedBytes, durationMs, errorStep, errorMessage,
    // Under the names an operator queries (src/telemetry/log-record-of-line.ts copies them to telemetry-names.ts's).
    syncRunId: runId, syncResult: result, commit: toSha ?? pinnedSha ?? run.requestedSha,
  };
}

/** Progress goes onto the run record at most once per interval (and on each phase change). */
function throttleProgress(deps: SyncWorkspaceDeps, run: SyncRunRecord, everyMs: number, log: Logger, recorded: Promise<void>) {
  // Not before the record exists (a merge onto no entity fails).
  let writing = recorded.catch(() => undefined);
  let lastAt = 0;
  let lastPhase = "";
  const write = (p: SyncProgress) => {
    writing = writing
      .then(() => deps.syncRuns.update(run.workspaceId, run.runId, { progressPhase: p.phase, progressDone: p.done, progressTotal: p.total }))
      .catch((error: unknown) => log.warn({ err: error }, "progress update failed"));
  };
  return {
    report(p: SyncProgress) {
      const now = performance.now();
      if (p.phase === lastPhase && now - lastAt < everyMs) return;
      lastAt = now;
      lastPhase = p.phase;
      write(p);
    },
    flush: () => writing,
  };
}
