// A push to the connected repository and branch becomes a sync job; anything else is acknowledged and
// left alone. The handler only enqueues, so GitHub gets its answer in milliseconds.
import type { StoredConnection } from "../src/azure/connection-store.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import type { SyncJob } from "../src/sync/sync-job.js";
import { annotateActiveSpan, currentTraceparent } from "../src/telemetry/telemetry.js";
import { ATTRIBUTES } from "../src/telemetry/telemetry-names.js";
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
  /** `joinedTraceId`: the push shared a job queued by another delivery (push-jobs.ts), whose operation this is. */
  | { action: "enqueued"; job: SyncJob; joinedTraceId?: string }
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
  // "What happened to push abc1234?": the delivery's request carries the commit it announced.
  annotateActiveSpan({ [ATTRIBUTES.commit]: payload.after, [ATTRIBUTES.deliveryId]: deliveryId });
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
  // The job continues this delivery's operation (functions/define.ts invokeQueue reads it).
  const traceparent = currentTraceparent();
  if (traceparent) job.traceparent = traceparent;
  if (!options.jobs) {
    await enqueueSync(deps.storage, job, options);
    return { action: "enqueued", job };
  }
  const sent = await options.jobs.enqueue(job, options);
  const joinedTraceId = sent.traceparent && sent.traceparent !== job.traceparent ? sent.traceparent.split("-")[1] : undefined;
  return { action: "enqueued", job, ...(joinedTraceId ? { joinedTraceId } : {}) };
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
