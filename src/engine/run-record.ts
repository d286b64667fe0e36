// A workflow run as it is stored (Table storage) and returned by the API, and the queue message of a queued run.
import { randomBytes } from "node:crypto";
import type { LogEntry } from "./worker/protocol.js";
import type { WorkspaceError } from "./workspace-error.js";

export type { LogEntry } from "./worker/protocol.js";

/**
 * `interrupted`: the process running it stopped (crash, restart) before it ended; set by the sweeper
 * (sweep-interrupted-runs.ts). Not final for the queue: a redelivered job runs it again.
 * `cancelled`: someone stopped it (POST /api/runs/{id}/cancel; `cancelledBy`).
 */
export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "timed_out" | "cancelled" | "interrupted";

export const FINISHED_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "timed_out", "cancelled"];

export interface RunRecord {
  id: string;
  workflow: string;
  /** Workspace-relative file of the workflow (known once the run is resolved). */
  file?: string;
  status: RunStatus;
  /** `http` (waited for) or `queue` (`?wait=false`). */
  trigger: "http" | "queue";
  /** Who started it (the signed-in person's name), for the audit trail. */
  startedBy?: string;
  params: Record<string, unknown>;
  output?: unknown;
  /** The output was larger than a record can hold and was dropped. */
  outputTruncated?: boolean;
  logs: LogEntry[];
  /** Log lines dropped past the record's size limit. */
  logsDropped?: number;
  error?: WorkspaceError;
  createdAt: string;
  startedAt?: string;
  /** The timeout the run got (ms), stored once it runs: the sweeper's deadline is measured from it. */
  timeoutMs?: number;
  finishedAt?: string;
  durationMs?: number;
  /** Someone asked to cancel the run (its instance stops it within a second or so). */
  cancelRequestedBy?: string;
  /** Who cancelled it (status `cancelled`). */
  cancelledBy?: string;
}

/** A run in a list: everything but the bulky output and logs. */
export type RunSummary = Omit<RunRecord, "output" | "logs">;

/** The `workflow-runs` queue message. */
export interface WorkflowRunJob {
  runId: string;
  workflow: string;
  params: Record<string, unknown>;
  startedBy?: string;
}

export function isWorkflowRunJob(value: unknown): value is WorkflowRunJob {
  const job = value as Partial<WorkflowRunJob> | null;
  return (
    typeof job === "object" &&
    job !== null &&
    typeof job.runId === "string" &&
    typeof job.workflow === "string" &&
    typeof job.params === "object" &&
    job.params !== null
  );
}

const MAX_TIME = 9_999_999_999_999;

/** Run ids sort newest first (an inverted timestamp), so the table lists the latest runs first. */
export function createRunId(now = Date.now()): string {
  return `${String(MAX_TIME - now).padStart(13, "0")}-${randomBytes(5).toString("hex")}`;
}

export const RUN_ID_PATTERN = /^\d{13}-[0-9a-f]{10}$/;
