// DELETE /api/github/pin: the workspace follows its branch again. The pin is removed from the connection
// record, the event recorded in the sync history, and a sync of the branch head queued (trigger `unpin`).
// Unpinning a workspace that is not pinned succeeds and changes nothing (a delete of what is absent).
import { TABLES } from "../src/azure/resources.js";
import { SyncRunStore } from "../src/azure/sync-run-store.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { NotFoundError } from "../src/errors.js";
import { enqueueSync } from "./enqueue-sync.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { recordConnectionEvent } from "./record-connection-event.js";

export async function unpinWorkspace(runtime: GitHubRuntime, input: { unpinnedBy?: string } = {}, options: AbortOptions = {}): Promise<ConnectionRecord> {
  const { deps } = runtime;
  const stored = await deps.connections.get(options);
  if (!stored) throw new NotFoundError("The workspace is not connected to GitHub.");
  const record = stored.record;
  if (!record.pinnedSha) return record;
  const updated = await deps.connections.update(
    (current) => ({ ...current, pinnedSha: undefined, pinnedBy: undefined, pinnedAt: undefined, waitingCommits: undefined, pinOffBranch: undefined }),
    { ...options, connectionId: record.connectionId },
  );
  if (!updated) throw new NotFoundError("The workspace was disconnected meanwhile.");

  const log = deps.logger.child({ connectionId: record.connectionId, repository: record.repository, branch: record.branch });
  await recordConnectionEvent(
    new SyncRunStore(deps.storage.table(TABLES.syncRuns)),
    record,
    { trigger: "unpin", result: "unpinned" },
    { requestedBy: input.unpinnedBy, toSha: record.headSha, pinnedSha: record.pinnedSha, waitingCommits: record.waitingCommits },
    log,
  );
  const requestedAt = new Date().toISOString();
  await enqueueSync(
    deps.storage,
    { connectionId: record.connectionId, branch: record.branch, trigger: "unpin", ...(input.unpinnedBy ? { requestedBy: input.unpinnedBy } : {}), requestedAt },
    options,
  );
  log.info({ pinnedSha: record.pinnedSha, unpinnedBy: input.unpinnedBy }, "workspace unpinned");
  return updated;
}
