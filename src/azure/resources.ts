// The queues and tables the app uses, named once: the local host creates them, the ARM template
// declares them, and the code addresses them only through these constants.

export const QUEUES = {
  /** Sync jobs: `{ connectionId, sha, ref, trigger, deliveryId }`. */
  workspaceSync: "workspace-sync",
  /** Queued workflow runs (`POST /api/workflows/{name}/runs?wait=false`). */
  workflowRuns: "workflow-runs",
  /** Pull request checks: `{ connectionId, repository, pullNumber, headSha, checkRunId, … }` (github-app/pull-request-checks/). */
  pullRequestChecks: "pull-request-checks",
} as const;

/** Azure Table names: letters and digits only. */
export const TABLES = {
  /** The GitHub connection record (one per workspace). */
  connections: "connections",
  /** One entity per sync run (FR-020). */
  syncRuns: "syncruns",
  /** Webhook delivery ids seen, for replay/redelivery dedupe. */
  deliveries: "deliveries",
  /** GitHub App installations verified by "Connect with GitHub" (ours, and visible to the admin who came back). */
  installations: "installations",
  /** Leases: one sync at a time per workspace. */
  leases: "leases",
  /** Workflow run records. */
  workflowRuns: "workflowruns",
  /** What happened in each run, in order (log lines, progress, status): partition = run id, row = sequence. */
  workflowRunEvents: "workflowrunevents",
  /** Sign-in sessions, role grants, the setup code's state, used redirect nonces (`github` mode and flows). */
  access: "access",
  /** Drafts of proposed changes, per person (partition) and path (src/azure/draft-store.ts). */
  drafts: "drafts",
  /** The last check of each open pull request (partition = connection id, row = pull request number). */
  pullChecks: "pullchecks",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export type TableName = (typeof TABLES)[keyof typeof TABLES];

/** Where the Functions host moves a message after `maxDequeueCount` failed attempts. */
export function poisonQueueName(queue: string): string {
  return `${queue}-poison`;
}
