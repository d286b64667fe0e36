// A push to the connected repository and branch becomes a sync job; anything else is acknowledged and
// left alone. The handler only enqueues, so GitHub gets its answer in milliseconds.
import type { StoredConnection } from "../src/azure/connection-store.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import type { SyncJob } from "../src/sync/sync-job.js";
import { enqueueSync } from "./enqueue-sync.js";
import type { AbortOptions, GitHubAppDeps } from "./github-app-deps.js";
import type { PushJobs } from "./push-jobs.js";

/** The fields of GitHub's push payload this handler reads. */
export interface PushPayload {
  ref: string;
  after: string;
  deleted?: boolean;
  repository: { full_name: string };
  installation?: { id: number };
}

export type PushOutcome =
  | { action: "enqueued"; job: SyncJob }
  | { action: "ignored"; reason: "not-connected" | "other-repository" | "other-installation" | "not-a-branch" | "other-branch" | "branch-deleted" };

export interface HandlePushOptions extends AbortOptions {
  /**
   * The connection read the intake started for this delivery (at most a second old: see
   * GitHubRuntime.readConnectionForWebhook); without one the record is read here.
   */
  connection?: Promise<StoredConnection | undefined>;
  /** Where the job goes: the intake's PushJobs (coalescing a burst); without one, straight to the queue. */
  jobs?: Pick<PushJobs, "enqueue">;
}

export async function handlePush(
  payload: PushPayload,
  deliveryId: string,
  deps: Pick<GitHubAppDeps, "connections" | "storage">,
  options: HandlePushOptions = {},
): Promise<PushOutcome> {
  const connection = await (options.connection ?? deps.connections.get(options));
  const ignored = checkPush(payload, connection?.record);
  if (ignored) return { action: "ignored", reason: ignored };
  const record = connection!.record;
  const job: SyncJob = {
    connectionId: record.connectionId,
    branch: record.branch,
    sha: payload.after,
    trigger: "webhook",
    deliveryId,
    requestedAt: new Date().toISOString(),
  };
  if (options.jobs) await options.jobs.enqueue(job, options);
  else await enqueueSync(deps.storage, job, options);
  return { action: "enqueued", job };
}

function checkPush(payload: PushPayload, record: ConnectionRecord | undefined): Exclude<PushOutcome, { action: "enqueued" }>["reason"] | undefined {
  if (!record) return "not-connected";
  // GitHub treats owner/name case-insensitively.
  if (payload.repository.full_name.toLowerCase() !== record.repository.toLowerCase()) return "other-repository";
  // An App connection follows its own installation; a PAT connection's repo webhook carries none.
  if (record.kind === "app" && payload.installation?.id !== undefined && payload.installation.id !== record.installationId) {
    return "other-installation";
  }
  if (!payload.ref.startsWith("refs/heads/")) return "not-a-branch";
  if (payload.ref.slice("refs/heads/".length) !== record.branch) return "other-branch";
  if (payload.deleted) return "branch-deleted";
  return undefined;
}
