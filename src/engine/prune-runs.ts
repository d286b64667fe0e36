// Retention: run records (and their events) older than the configured age, or beyond the newest N of their
// workflow, are deleted. Runs list newest first (their ids are inverted timestamps), so one pass counts per
// workflow as it goes. A run still going is never deleted. Events first, then the record: a pass cut short leaves
// at worst a record without events (shown from its own logs), never events without a record.
import type { RunEventStore } from "../azure/run-event-store.js";
import type { WorkflowRunStore } from "../azure/workflow-run-store.js";
import { FINISHED_STATUSES } from "./run-record.js";

export interface PruneRunsOptions {
  maxAgeInMs: number;
  keepPerWorkflow: number;
  now?: number;
  abortSignal?: AbortSignal;
}

export async function pruneRuns(stores: { runs: WorkflowRunStore; events?: RunEventStore }, options: PruneRunsOptions): Promise<{ deleted: number; kept: number }> {
  const cutoff = (options.now ?? Date.now()) - options.maxAgeInMs;
  const perWorkflow = new Map<string, number>();
  let deleted = 0;
  let kept = 0;
  for await (const run of stores.runs.list({ abortSignal: options.abortSignal })) {
    const count = (perWorkflow.get(run.workflow) ?? 0) + 1;
    perWorkflow.set(run.workflow, count);
    const expired = Date.parse(run.createdAt) < cutoff || count > options.keepPerWorkflow;
    if (!expired || !FINISHED_STATUSES.includes(run.status)) {
      kept++;
      continue;
    }
    await stores.events?.deleteRun(run.id, { abortSignal: options.abortSignal });
    await stores.runs.delete(run.id, { abortSignal: options.abortSignal });
    deleted++;
  }
  return { deleted, kept };
}
