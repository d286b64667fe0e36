// Finds sync runs left `running` by a worker that stopped (crash, restart) and marks them `interrupted`, and a
// connection left `Syncing` by such a run `Failed` with the reason. The owner is judged gone by the deadline:
// no queue invocation outlives the host's functionTimeout, so a run still `running` that long after it started
// has nobody left to finish it. (The workspace itself needs nothing: the next run re-converges it.)
import type { ConnectionStore } from "../azure/connection-store.js";
import type { SyncRunStore } from "../azure/sync-run-store.js";
import { FUNCTION_TIMEOUT_MS } from "../host-limits.js";
import type { Logger } from "../logger.js";

/** Time past the host's limit before a run is judged abandoned (the final record write, clock skew). */
export const SYNC_SWEEP_MARGIN_IN_MS = 5 * 60 * 1000;

export interface SweepSyncsDeps {
  workspaceId: string;
  syncRuns: SyncRunStore;
  connections: ConnectionStore;
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
  const swept: string[] = [];
  let live = false;
  let reason = "";
  for await (const run of deps.syncRuns.listRunning(deps.workspaceId, { abortSignal })) {
    const startedAt = Date.parse(run.startedAt);
    if (!(startedAt + limit < now.getTime())) {
      live = true;
      continue;
    }
    reason =
      `The sync of ${run.repository}@${run.branch} started at ${run.startedAt} was interrupted: the worker running it stopped ` +
      "before it finished. The next push, poll or Sync now runs it again.";
    await deps.syncRuns.update(run.workspaceId, run.runId, {
      result: "interrupted",
      finishedAt: now.toISOString(),
      errorCode: "interrupted",
      errorMessage: reason,
    }, { abortSignal });
    swept.push(run.runId);
    deps.logger.warn({ runId: run.runId, repository: run.repository, startedAt: run.startedAt }, "sync run interrupted");
  }
  // The connection says Syncing only while some run goes on: with none left alive, it says why it stopped.
  if (swept.length > 0 && !live) {
    await deps.connections.update((record) => (record.state === "Syncing" ? { ...record, state: "Failed", stateReason: reason } : undefined), { abortSignal });
  }
  return swept;
}
