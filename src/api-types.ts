// The API's shapes that the server answers and the web UI reads, written once: the server's handlers return
// these types and web/src/api/ imports them (type-only, so nothing of the server reaches the bundle). The
// compiler then holds both sides to one contract. Only plain types here: no imports of Node or the runtime.

/** `local`: npm start on loopback; `swa`: behind Azure Static Web Apps; `github`: sign in with the platform's App. */
export type AuthMode = "local" | "swa" | "github";

/** Roles a person can be invited with, weakest first; they nest (admin ⊃ operator ⊃ reader). */
export type InvitedRole = "reader" | "operator" | "admin";

/** `GET /api/auth/me`: who the caller is (anyone may ask; it tells only about the caller). */
export interface AuthMe {
  authMode: AuthMode;
  signedIn: boolean;
  /** The name people see (a GitHub login; "local developer" under npm start). */
  user?: string;
  /** `local`, `setup` (the one-time setup code), `github`, or SWA's provider as `swa:github`. */
  provider?: string;
  /** Expanded: an admin also holds operator and reader. Empty for a signed-in person nobody invited. */
  roles: InvitedRole[];
  /** The strongest role, or null. */
  role: InvitedRole | null;
  /** `github` mode, for a visitor who is not signed in, while no GitHub App exists: the setup code is the way in. */
  setupRequired?: boolean;
}

/** `POST /api/auth/sign-in` and `POST /api/github/connect`: where to send the browser (the answer also sets the flow cookie). */
export interface RedirectAnswer {
  location: string;
}

/** `GET /api/github/app`: whether a GitHub App is registered, and which (never a secret). */
export interface AppRegistration {
  registered: boolean;
  appId?: number;
  slug?: string;
  htmlUrl?: string;
  /** Who registered (or last replaced) it, and when. */
  registeredBy?: string;
  registeredAt?: string;
}

/** `POST /api/github/app/manifest`: the form the UI posts to GitHub (GitHub's manifest flow). */
export interface AppRegistrationForm {
  action: string;
  /** The manifest JSON, as the form field `manifest`. */
  manifest: string;
}

/** A workflow secret as the API describes it: never its value. `GET /api/secrets` lists them; `PUT` answers one. */
export interface WorkflowSecretInfo {
  name: string;
  /** The last 4 characters (only for values of 12 characters or more: shorter ones would give too much away). */
  last4?: string;
  updatedBy?: string;
  updatedAt?: string;
}

/** `GET /api/secrets` (admins). */
export interface WorkflowSecretList {
  secrets: WorkflowSecretInfo[];
}

/** `PUT /api/secrets/{name}` (admins): the value, sent once; the answer is a WorkflowSecretInfo (201 created, 200 replaced). */
export interface WorkflowSecretValue {
  value: string;
}

/** A log line of a run: from `ctx.log.*` or `console.*` in the workflow. */
export interface RunLogLine {
  time: string;
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields?: Record<string, unknown>;
}

/**
 * One thing that happened in a run, as `GET /api/runs/{id}/events` streams it (server-sent events: the event's
 * `id:` is `seq`, its `event:` the kind, its `data:` this object). `seq` counts from 1 within a run with no gaps,
 * so a client that reconnects with `Last-Event-ID` (or `?after=`) gets each event exactly once.
 */
export type RunEvent =
  | ({ seq: number; kind: "log" } & RunLogLine)
  | { seq: number; kind: "progress"; time: string; done: number; total: number; message?: string }
  | { seq: number; kind: "status"; time: string; status: RunEventStatus; by?: string; message?: string }
  /** Lines past the run's event budget were not kept (the count); the final record's logs say the same. */
  | { seq: number; kind: "truncated"; time: string; dropped: number };

export type RunEventStatus = "running" | "cancelling" | "succeeded" | "failed" | "timed_out" | "cancelled" | "interrupted";

/** `GET /api/runs/{id}/events?after=N&format=json` (long polling, where a stream cannot pass): events after N. */
export interface RunEventPage {
  events: RunEvent[];
  /** The cursor for the next call (the last event's seq, or `after` when none came). */
  after: number;
  /** The run has finished and every event was sent: stop asking. */
  done: boolean;
}

// ---- Workflows and runs (`/api/workflows`, `/api/runs`): the engine's records as the API answers them. ----

/** A workflow parameter's declared type. */
export type WorkflowParameterType = "string" | "number" | "integer" | "boolean" | "json";

/** A parameter as discovery reports it: what a run form needs to ask for it. */
export interface WorkflowParameter {
  name: string;
  type: WorkflowParameterType;
  required: boolean;
  default?: unknown;
  /** What a form shows (the name when the definition gives none). */
  label: string;
  help?: string;
  /** Strings only: the allowed values (a form shows a select). */
  options?: string[];
}

/** A workflow as discovery reports it (`GET /api/workflows`). */
export interface WorkflowSummary {
  name: string;
  description: string;
  /** Workspace-relative path of the file that defines it. */
  file: string;
  parameters: WorkflowParameter[];
  timeoutMs?: number;
}

/** An error from workspace code as the author needs it: workspace-relative stack, and the file and line at fault. */
export interface WorkspaceError {
  name: string;
  message: string;
  stack?: string;
  /** Workspace-relative file of the first stack frame (or compiler message) inside the workspace. */
  file?: string;
  line?: number;
  column?: number;
}

/** A workspace file that could not be loaded as a workflow. */
export interface WorkflowLoadError {
  file: string;
  /** What went wrong; `error.file`/`error.line` point at the line at fault (possibly in a helper it imports). */
  error: WorkspaceError;
}

/** `GET /api/workflows`: one broken file is listed in `errors`, never fatal to the list. */
export interface WorkflowList {
  workflows: WorkflowSummary[];
  errors: WorkflowLoadError[];
}

/**
 * `interrupted`: the process running it stopped (crash, restart) before it ended; set by the sweeper
 * (src/engine/sweep-interrupted-runs.ts). Not final for the queue: a redelivered job runs it again.
 * `cancelled`: someone stopped it (POST /api/runs/{id}/cancel; `cancelledBy`).
 */
export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "timed_out" | "cancelled" | "interrupted";

/** A log line kept with a run record (the same line its `log` event carried). */
export type RunLogEntry = RunLogLine;

/** `GET /api/runs/{id}`, and the answer of `POST /api/workflows/{name}/runs` (202 + `queued` with `?wait=false`). */
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
  logs: RunLogEntry[];
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

/** `GET /api/runs?workflow=&limit=`: newest first. */
export interface RunList {
  runs: RunSummary[];
}

/** A file in `GET /api/workspace/tree`. */
export interface FileNode {
  type: "file";
  name: string;
  /** Workspace-relative, forward slashes. */
  path: string;
  size: number;
  modified: string;
  mode: number;
  /** Content hash, the same value GET and PUT return; absent when listed without ETags (zip). */
  etag?: string;
}

/** A folder in `GET /api/workspace/tree`. */
export interface FolderNode {
  type: "folder";
  name: string;
  path: string;
  modified: string;
  mode: number;
  children: TreeNode[];
}

export type TreeNode = FileNode | FolderNode;

/** `GET /api/workspace/tree` (readers). */
export interface WorkspaceTree {
  root: FolderNode;
  files: number;
  folders: number;
  bytes: number;
}

export type HealthCheckStatus = "pass" | "fail" | "not_configured";

/** One dependency's check in the readiness report. */
export interface HealthCheck {
  name: string;
  status: HealthCheckStatus;
  latencyMs: number;
  message: string;
  details?: Record<string, unknown>;
}

/** `GET /api/health/details` (readers): 200 healthy, 503 unhealthy, the same body either way. */
export interface HealthReport {
  status: "healthy" | "unhealthy";
  checks: HealthCheck[];
  /** When the checks ran (ISO 8601): the report is made at most every 20 s per instance. */
  checkedAt?: string;
  /** How old the report was when it was answered. */
  ageMs?: number;
}
