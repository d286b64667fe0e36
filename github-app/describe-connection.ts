// The connection as the UI shows it: repository, branch, state and reason, what is applied and what is
// at the head, how changes arrive, and the progress of a running sync. Never a secret: a PAT shows as
// its last four characters only.
import { countPoisonedMessages } from "../src/azure/count-poisoned-messages.js";
import { poisonQueueName, QUEUES, TABLES } from "../src/azure/resources.js";
import { SyncRunStore, type SyncRunRecord } from "../src/azure/sync-run-store.js";
import { DEFAULT_WORKSPACE_ID, type ConnectionRecord } from "../src/connection/connection-record.js";
import type { AbortOptions, GitHubAppDeps } from "./github-app-deps.js";
import { isConnectionEvent } from "./record-connection-event.js";

// The status and the sync runs are the API's shapes (src/api-types.ts), written once for the server and the UI.
export type { ConnectionStatus, SyncRun } from "../src/api-types.js";
import type { ConnectionPin, ConnectionStatus, SyncRun } from "../src/api-types.js";

export async function describeConnection(
  deps: Pick<GitHubAppDeps, "connections" | "storage" | "config">,
  options: AbortOptions & { record?: ConnectionRecord } = {},
): Promise<ConnectionStatus> {
  const record = options.record ?? (await deps.connections.get(options))?.record;
  if (!record) return { connected: false };
  // Counted alongside the run read below, not after it: the UI asks for this status every few seconds.
  const poisonCount = countPoisonedMessages(deps.storage, { queues: [QUEUES.workspaceSync], abortSignal: options.abortSignal }).catch(() => undefined);
  const status: ConnectionStatus = {
    connected: true,
    kind: record.kind,
    repository: record.repository,
    branch: record.branch,
    installationId: record.installationId,
    state: record.state,
    stateReason: record.stateReason,
    appliedSha: record.appliedSha,
    headSha: record.headSha,
    lastSyncAt: record.lastSyncAt,
    deliveryMode: record.deliveryMode,
    deliveryModeReason: record.deliveryModeReason,
    tokenLast4: record.kind === "pat" ? record.tokenLast4 : undefined,
    connectedBy: record.connectedBy,
    tokenRotatedBy: record.kind === "pat" ? record.tokenRotatedBy : undefined,
    tokenRotatedAt: record.kind === "pat" ? record.tokenRotatedAt : undefined,
    createdAt: record.createdAt,
    githubWebUrl: deps.config.githubWebUrl,
    repositoryUrl: `${deps.config.githubWebUrl}/${record.repository}`,
    ...(record.pinnedSha ? { pin: describePin(record, record.pinnedSha) } : {}),
  };
  if (record.state === "Syncing") {
    const run = await latestRun(deps, record, options);
    if (run?.result === "running") {
      status.progress = { phase: run.progressPhase, done: run.progressDone, total: run.progressTotal, runId: run.runId, startedAt: run.startedAt };
    }
  }
  const poisoned = await poisonCount;
  if (poisoned && poisoned.total > 0) {
    status.poisonedSyncJobs = {
      count: poisoned.total,
      message:
        `${poisoned.total} sync job(s) failed every attempt and rest in ${poisonQueueName(QUEUES.workspaceSync)}; ` +
        "the sync history says why. Fix the cause, then use Sync now.",
    };
  }
  return status;
}

/** The newest `limit` sync runs, newest first; a failed run's user-facing message as `error`. */
export async function listSyncRuns(deps: Pick<GitHubAppDeps, "storage">, limit: number, options: AbortOptions = {}): Promise<SyncRun[]> {
  const runs: SyncRun[] = [];
  if (limit <= 0) return runs;
  for await (const run of syncRuns(deps).list(DEFAULT_WORKSPACE_ID, options)) {
    runs.push({ ...run, id: run.runId, ...(run.errorMessage ? { error: run.errorMessage } : {}) });
    if (runs.length >= limit) break;
  }
  return runs;
}

async function latestRun(deps: Pick<GitHubAppDeps, "storage">, record: ConnectionRecord, options: AbortOptions): Promise<SyncRunRecord | undefined> {
  for await (const run of syncRuns(deps).list(DEFAULT_WORKSPACE_ID, options)) {
    // A pin recorded while a run goes on sits above it in the history.
    if (isConnectionEvent(run)) continue;
    return run.connectionId === record.connectionId ? run : undefined;
  }
  return undefined;
}

/** The pin as the status shows it, with its one-line summary ("pinned to abc1234 by alice; 3 newer commits waiting"). */
function describePin(record: ConnectionRecord, sha: string): ConnectionPin {
  const waiting = record.waitingCommits;
  const parts = [`pinned to ${sha.slice(0, 7)}${record.pinnedBy ? ` by ${record.pinnedBy}` : ""}`];
  if (waiting !== undefined) parts.push(waiting === 0 ? "no newer commits" : `${waiting} newer ${waiting === 1 ? "commit" : "commits"} waiting`);
  if (record.pinOffBranch) parts.push(`the branch ${record.branch} no longer contains it`);
  return {
    sha,
    pinnedBy: record.pinnedBy,
    pinnedAt: record.pinnedAt ?? record.updatedAt,
    waitingCommits: waiting,
    headSha: record.headSha,
    onBranch: !record.pinOffBranch,
    summary: parts.join("; "),
  };
}

function syncRuns(deps: Pick<GitHubAppDeps, "storage">): SyncRunStore {
  return new SyncRunStore(deps.storage.table(TABLES.syncRuns));
}
