// The message on the `workspace-sync` queue. Enqueued by the webhook intake, the reconcile timer,
// "Sync now" and the connect flows; consumed by the sync worker.

export type SyncTrigger = "webhook" | "poll" | "manual" | "initial";

export interface SyncJob {
  /** The connection the job was queued for; a job for an earlier connection is a no-op. */
  connectionId: string;
  /** Branch name (not `refs/heads/...`). */
  branch: string;
  /** The commit the job was queued for. The worker syncs the branch head *now* (latest wins). */
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
}
