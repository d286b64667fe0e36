// The workflow engine (functions/workflows.ts, functions/run-events.ts): discovery, runs, their records, cancel.
// Shapes shared with the server: src/api-types.ts (type-only, nothing of the server reaches the bundle).
import { getJson, sendJson } from "./client.js";

import type { RunList, RunListQuery, RunRecord, RunRequest, WorkflowList } from "../../../src/api-types.js";

export type {
  RunEvent,
  RunEventPage,
  RunEventStatus,
  RunFilter,
  RunList,
  RunLogEntry,
  RunRecord,
  RunStatus,
  RunSummary,
  WorkflowList,
  WorkflowLoadError,
  WorkflowParameter,
  WorkflowSummary,
  WorkspaceError,
} from "../../../src/api-types.js";

export function listWorkflows(): Promise<WorkflowList> {
  return getJson<WorkflowList>("/api/workflows", { cache: "no-store" });
}

/** Runs a workflow and waits for its end (the final record). */
export function startRun(name: string, params: Record<string, unknown>): Promise<RunRecord> {
  const body: RunRequest = { params };
  return sendJson<RunRecord>("POST", `/api/workflows/${encodeURIComponent(name)}/runs`, body);
}

/** Queues a run and answers at once (202, status `queued`): watch it with watchRun. */
export function queueRun(name: string, params: Record<string, unknown>): Promise<RunRecord> {
  const body: RunRequest = { params };
  return sendJson<RunRecord>("POST", `/api/workflows/${encodeURIComponent(name)}/runs?wait=false`, body);
}

export function getRun(id: string): Promise<RunRecord> {
  return getJson<RunRecord>(`/api/runs/${encodeURIComponent(id)}`, { cache: "no-store" });
}

/**
 * Runs that match every filter given (the server filters), newest first, a page of `limit`; the answer's
 * `nextCursor`, passed back as `cursor` with the same filters, reads the next page.
 */
export function listRuns(query: RunListQuery = {}): Promise<RunList> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query) as [keyof RunListQuery, string | number | undefined][]) {
    if (value !== undefined && value !== "") search.set(name, String(value));
  }
  return getJson<RunList>(`/api/runs?${search.toString()}`, { cache: "no-store" });
}

/** Asks the run to stop: a queued run is cancelled at once, a running one within a few seconds (409 when finished). */
export function cancelRun(id: string): Promise<RunRecord> {
  return sendJson<RunRecord>("POST", `/api/runs/${encodeURIComponent(id)}/cancel`);
}

export const FINISHED: ReadonlySet<string> = new Set(["succeeded", "failed", "timed_out", "cancelled", "interrupted"]);

export function isFinished(status: string): boolean {
  return FINISHED.has(status);
}
