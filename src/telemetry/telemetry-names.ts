// The names an operator queries in Application Insights: one list, read by the code that emits telemetry
// and by the workbook, saved queries and alerts in infra/ (test/infra.test.ts checks they agree).
// Changing a name here breaks an operator's saved views: add a new one instead.

/** Custom metrics (Application Insights `customMetrics.name`); attributes become `customDimensions`. */
export const METRICS = {
  /** ms; attributes: phase (resolve | plan | fetch | apply | total), result (noop | applied | failed | cancelled), trigger. */
  syncDuration: "funcspace.sync.duration",
  /** files per applied sync; attributes: kind (added | changed | deleted | skipped). */
  syncFiles: "funcspace.sync.files",
  /** bytes downloaded per sync; attributes: method (blobs | tarball | none). */
  syncBytes: "funcspace.sync.bytes",
  /** ms from the delivery's arrival to its answer; attributes: event, outcome (enqueued | coalesced | duplicate | ignored | refused | failed). */
  webhookDuration: "funcspace.webhook.duration",
  /** ms from a queue message's insertion to its handler's start; attributes: queue. */
  queueAge: "funcspace.queue.age",
  /** ms; attributes: outcome (succeeded | failed | cancelled | timed_out), trigger. */
  workflowRunDuration: "funcspace.workflow.run.duration",
  /** messages moved to, or found in, a `-poison` queue; attributes: queue. */
  poisonMessages: "funcspace.queue.poison",
  /** 1 while the connection is Failed, 0 otherwise, sampled by the sweep timer; attributes: state, repository. */
  connectionFailed: "funcspace.connection.failed",
} as const;

/** Span and log attributes (Application Insights `customDimensions`) that tie a push to everything it caused. */
export const ATTRIBUTES = {
  /** The full commit SHA a delivery announced or a sync resolved / applied. */
  commit: "funcspace.commit",
  /** GitHub's `X-GitHub-Delivery`. */
  deliveryId: "funcspace.delivery_id",
  /** The sync run's id (syncruns RowKey). */
  syncRunId: "funcspace.sync.run_id",
  /** The sync's result (noop | applied | failed | cancelled | pending | stale). */
  syncResult: "funcspace.sync.result",
  /** The workflow run's id and workflow name. */
  runId: "funcspace.run.id",
  workflow: "funcspace.workflow",
  /** The function (trigger) name, on every invocation span. */
  functionName: "funcspace.function",
} as const;
