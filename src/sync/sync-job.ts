// The message on the `workspace-sync` queue. Enqueued by the webhook intake, the reconcile timer,
// "Sync now" and the connect flows; consumed by the sync worker.

/** `pin`/`unpin`: queued by pinning the workspace to a commit or unpinning it (github-app/pin-workspace.ts). */
export type SyncTrigger = "webhook" | "poll" | "manual" | "initial" | "pin" | "unpin";

/** Every trigger, for checking a message off the queue. */
export const SYNC_TRIGGERS: readonly SyncTrigger[] = ["webhook", "poll", "manual", "initial", "pin", "unpin"];

export interface SyncJob {
  /** The connection the job was queued for; a job for an earlier connection is a no-op. */
  connectionId: string;
  /** Branch name (not `refs/heads/...`). */
  branch: string;
  /** The commit the job was queued for. The worker syncs the branch head *now* (latest wins), or the pinned commit. */
  sha?: string;
  trigger: SyncTrigger;
  /** `X-GitHub-Delivery` of the webhook that caused it (the newest, when pushes were coalesced). */
  deliveryId?: string;
  /** How many pushes this job stands for, when the intake coalesced several (github-app/push-jobs.ts). */
  coalesced?: number;
  /** Their delivery ids (the last 50). */
  deliveryIds?: string[];
  /** Who asked for it ("Sync now", connect), for the run record; absent for webhooks and polls. */
  requestedBy?: string;
  /** ISO time of enqueueing. */
  requestedAt: string;
  /** Apply even if the target tree is empty while the workspace is not. */
  allowEmpty?: boolean;
  /** W3C traceparent of the operation that queued it (a webhook delivery), set by sendJsonMessage when telemetry is on. */
  traceparent?: string;
}
