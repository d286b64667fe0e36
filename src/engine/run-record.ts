// A workflow run as it is stored (Table storage) and returned by the API, and the queue message of a queued run.
import { randomBytes } from "node:crypto";
import type { RunStatus } from "../api-types.js";

export type { LogEntry } from "./worker/protocol.js";

// The record's shapes are the API's (src/api-types.ts), written once for the server and the UI.
export type { RunRecord, RunStatus, RunSummary } from "../api-types.js";

export const FINISHED_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "timed_out", "cancelled"];

// Every status, once: a Record, so the compiler says when RunStatus gains one that is not listed here.
const STATUS_NAMES: Record<RunStatus, true> = {
  queued: true, running: true, succeeded: true, failed: true, timed_out: true, cancelled: true, interrupted: true,
};

/** Every run status, in a run's order (the `status` filter of GET /api/runs accepts these). */
export const RUN_STATUSES = Object.keys(STATUS_NAMES) as readonly RunStatus[];

export function isRunStatus(value: string): value is RunStatus {
  return Object.hasOwn(STATUS_NAMES, value);
}

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
