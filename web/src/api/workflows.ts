// The workflow engine (functions/workflows.ts): discovery, runs and their records.
import { getJson, sendJson } from "./client.js";

export interface WorkflowParameter {
  name: string;
  type: string;
  required?: boolean;
  default?: unknown;
  label?: string;
  help?: string;
  /** Allowed values, when the parameter is a choice. */
  options?: unknown[];
}

export interface WorkflowSummary {
  name: string;
  description?: string;
  /** Workspace-relative source file. */
  file: string;
  parameters: WorkflowParameter[];
}

/** An error from workspace code: message, stack with workspace-relative paths, and where it happened. */
export interface WorkspaceError {
  name?: string;
  message: string;
  stack?: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface WorkflowLoadError {
  file: string;
  error: WorkspaceError;
}

export interface WorkflowList {
  workflows: WorkflowSummary[];
  errors: WorkflowLoadError[];
}

export interface RunLogEntry {
  time?: string;
  level?: string;
  message: string;
  fields?: Record<string, unknown>;
}

export interface RunRecord {
  id: string;
  workflow: string;
  status: string;
  params?: Record<string, unknown>;
  output?: unknown;
  logs?: RunLogEntry[];
  error?: WorkspaceError;
  /** Who started it (absent for schedules and other triggers without a person). */
  startedBy?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
}

export function listWorkflows(): Promise<WorkflowList> {
  return getJson<WorkflowList>("/api/workflows", { cache: "no-store" });
}

export function startRun(name: string, params: Record<string, unknown>): Promise<RunRecord> {
  return sendJson<RunRecord>("POST", `/api/workflows/${encodeURIComponent(name)}/runs`, { params });
}

export function getRun(id: string): Promise<RunRecord> {
  return getJson<RunRecord>(`/api/runs/${encodeURIComponent(id)}`, { cache: "no-store" });
}

export async function listRuns(workflow: string, limit = 20): Promise<RunRecord[]> {
  const body = await getJson<{ runs: RunRecord[] } | RunRecord[]>(`/api/runs?workflow=${encodeURIComponent(workflow)}&limit=${limit}`, { cache: "no-store" });
  return Array.isArray(body) ? body : body.runs;
}
