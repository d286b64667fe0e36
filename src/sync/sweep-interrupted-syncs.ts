// Finds sync runs left `running` by a worker that stopped (crash, restart) and marks them `interrupted`, and a
// connection left `Syncing` by such a run `Failed` with the reason. (The workspace itself needs nothing: the
// next run re-converges it.) A run's owner is judged gone by the workspace's lease first, then by the deadline:
// - the lease: a run records the generation of the lease it held. Runs are listed first, the lease read after;
//   if the lease is then free, expired, or held by another generation, the run's holder is gone (a holder stops
//   itself before its lease can expire, lease.ts), so it is swept within one sweep of its lease's TTL;
// - the deadline: no queue invocation outlives the host's functionTimeout, so a run still `running` that long
//   after it started has nobody left to finish it (runs recorded before generations were, a lease unreadable).
// Every mark is ETag-conditional: an outcome the run's own worker records at that moment is kept.
import type { ConnectionStore } from "../azure/connection-store.js";
import type { LeaseStore } from "../azure/lease-store.js";
import type { SyncRunRecord, SyncRunStore } from "../azure/sync-run-store.js";
import { FUNCTION_TIMEOUT_MS } from "../host-limits.js";
import type { Logger } from "../logger.js";
import { syncLeaseKey } from "./sync-workspace.js";

/** Time past the host's limit before a run is judged abandoned (the final record write, clock skew). */
export const SYNC_SWEEP_MARGIN_IN_MS = 5 * 60 * 1000;

export interface SweepSyncsDeps {
  workspaceId: string;
  syncRuns: SyncRunStore;
  connections: ConnectionStore;
  /** The workspace's lease (sync-workspace.ts); without it, only the deadline decides. */
  leases?: Pick<LeaseStore, "get">;
  logger: Logger;
}

export interface SweepSyncsOptions {
  now?: Date;
  marginInMs?: number;
  abortSignal?: AbortSignal;
}

/** Marks abandoned sync runs `interrupted`; resolves with their ids. */
export async function sweepInterruptedSyncs(deps: SweepSyncsDeps, options: SweepSyncsOptions = {}): Promise<string[]> {
  const { abortSignal } = options;
  const now = options.now ?? new Date();
  const limit = FUNCTION_TIMEOUT_MS + (options.marginInMs ?? SYNC_SWEEP_MARGIN_IN_MS);
  const running: SyncRunRecord[] = [];
  for await (const run of deps.syncRuns.listRunning(deps.workspaceId, { abortSignal })) running.push(run);
  if (running.length === 0) return [];
  // Read after the listing: a holder that is live now cannot be the owner of a listed run of another generation.
  const lease = deps.leases ? await deps.leases.get(syncLeaseKey(deps.workspaceId), { abortSignal }) : undefined;
  const leaseKnown = deps.leases !== undefined;

  const swept: string[] = [];
  let live = false;
  let reason = "";
  for (const run of running) {
    const pastDeadline = Date.parse(run.startedAt) + limit < now.getTime();
    const holderGone =
      leaseKnown && run.leaseGeneration !== undefined && (lease === undefined || !lease.live || lease.generation !== run.leaseGeneration);
    if (!pastDeadline && !holderGone) {
      live = true;
      continue;
    }
    reason =
      `The sync of ${run.repository}@${run.branch} started at ${run.startedAt} was interrupted: the worker running it stopped ` +
      "before it finished. The next push, poll or Sync now runs it again.";
    const marked = await deps.syncRuns.updateIfRunning(
      run.workspaceId,
      run.runId,
      { result: "interrupted", finishedAt: now.toISOString(), errorCode: "interrupted", errorMessage: reason },
      { abortSignal },
    );
    if (!marked) continue;
    swept.push(run.runId);
    deps.logger.warn({ runId: run.runId, repository: run.repository, startedAt: run.startedAt, by: holderGone ? "lease" : "deadline" }, "sync run interrupted");
  }
  // The connection says Syncing only while some run goes on: with none left alive, it says why it stopped.
  // A holder that is live (another run) owns the connection's state.
  if (swept.length > 0 && !live && !lease?.live) {
    await deps.connections.update((record) => (record.state === "Syncing" ? { ...record, state: "Failed", stateReason: reason } : undefined), { abortSignal });
  }
  return swept;
}
