// "Sync now": enqueue a manual sync of the connected branch's head.
import type { SyncJob } from "../src/sync/sync-job.js";
import { NotFoundError } from "../src/errors.js";
import { enqueueSync } from "./enqueue-sync.js";
import type { AbortOptions, GitHubAppDeps } from "./github-app-deps.js";

export async function requestSync(
  deps: Pick<GitHubAppDeps, "connections" | "storage">,
  options: AbortOptions & { requestedBy?: string } = {},
): Promise<SyncJob> {
  const stored = await deps.connections.get(options);
  if (!stored) throw new NotFoundError("The workspace is not connected to GitHub. Connect a repository first.");
  const job: SyncJob = {
    connectionId: stored.record.connectionId,
    branch: stored.record.branch,
    trigger: "manual",
    ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
    requestedAt: new Date().toISOString(),
  };
  await enqueueSync(deps.storage, job, options);
  return job;
}
