// Things that happen to a connection but are not syncs — disconnect, pin, unpin — are kept in the sync-run
// history beside the runs, as one finished entry each, so the history tells the whole story of the workspace.
import { newSyncRunId, type SyncRunRecord, type SyncRunStore } from "../src/azure/sync-run-store.js";
import { DEFAULT_WORKSPACE_ID, type ConnectionRecord } from "../src/connection/connection-record.js";
import type { Logger } from "../src/logger.js";

export type ConnectionEvent = { trigger: "disconnect"; result: "disconnected" } | { trigger: "pin"; result: "pinned" } | { trigger: "unpin"; result: "unpinned" };

const EVENT_RESULTS: ReadonlySet<string> = new Set(["disconnected", "pinned", "unpinned"]);

/** Whether a history entry is such an event rather than a sync run. */
export function isConnectionEvent(run: Pick<SyncRunRecord, "result">): boolean {
  return EVENT_RESULTS.has(run.result);
}

export interface ConnectionEventDetails {
  requestedBy?: string;
  /** The commit the event moves the workspace to (pin), when known. */
  toSha?: string;
  pinnedSha?: string;
  waitingCommits?: number;
  /** Things that went wrong along the way (each a sentence); the event itself happened. */
  problems?: string[];
}

/** Records the event (a failure to record it is logged, not thrown: the event has happened) and returns it. */
export async function recordConnectionEvent(
  runs: SyncRunStore,
  record: ConnectionRecord,
  event: ConnectionEvent,
  details: ConnectionEventDetails,
  log: Logger,
): Promise<SyncRunRecord> {
  const now = new Date().toISOString();
  const entry: SyncRunRecord = {
    runId: newSyncRunId(),
    workspaceId: DEFAULT_WORKSPACE_ID,
    connectionId: record.connectionId,
    repository: record.repository,
    branch: record.branch,
    trigger: event.trigger,
    ...(details.requestedBy ? { requestedBy: details.requestedBy } : {}),
    result: event.result,
    fromSha: record.appliedSha,
    ...(details.toSha ? { toSha: details.toSha } : {}),
    ...(details.pinnedSha ? { pinnedSha: details.pinnedSha } : {}),
    ...(details.waitingCommits !== undefined ? { waitingCommits: details.waitingCommits } : {}),
    added: 0,
    changed: 0,
    deleted: 0,
    skipped: 0,
    bytesDownloaded: 0,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    ...(details.problems?.length ? { errorMessage: details.problems.join(" ").slice(0, 4000) } : {}),
  };
  try {
    await runs.create(entry);
  } catch (error) {
    log.warn({ err: error, trigger: event.trigger }, "could not record the connection event in the sync history");
  }
  return entry;
}
