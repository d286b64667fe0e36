// The API's shapes that the server answers and the web UI reads, written once: the server's handlers return
// these types and web/src/api/ imports them (type-only, so nothing of the server reaches the bundle). The
// compiler then holds both sides to one contract. Only plain types here: no imports of Node or the runtime.
//
// Request bodies are written here too. The server reads a body as `Unchecked<T>` (every field of T, each
// `unknown` until its check), so a field the UI sends and the server reads is named once.

/** A request body as the server receives it: the fields of `T` (of any member of a union), none checked yet. */
export type Unchecked<T> = { [K in T extends unknown ? keyof T : never]?: unknown };

/** Every refusal's body (src/errors.ts maps errors to it): a stable code, a sentence for the user, details by code. */
export interface ApiErrorBody {
  /** Stable and machine-readable: `invalid_params`, `read_only`, `not_found`… */
  error: string;
  message: string;
  [detail: string]: unknown;
}

/** One thing wrong with a run's parameters: a 400 `invalid_params` lists them all as `problems`. */
export interface ParameterProblem {
  /** `params.<name>`, or `params` for the whole object. */
  field: string;
  reason: string;
}

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

/** `POST /api/auth/setup` (github mode): the one-time setup code from the log; answered 201 `SetupCodeAnswer` + a session cookie. */
export interface SetupCodeRequest {
  code: string;
}

export interface SetupCodeAnswer {
  signedIn: true;
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
  /** GITHUB_WEB_URL, for links the UI builds (a token to create, the App's settings). */
  githubWebUrl?: string;
  /** Whether GitHub can deliver webhooks to PUBLIC_URL, said before the App is created with it. */
  delivery?: PublicUrlCheck;
}

/** Whether GitHub can deliver webhooks to PUBLIC_URL (github-app/describe-public-url.ts). */
export interface PublicUrlCheck {
  publicUrl: string;
  /** Where GitHub would deliver: PUBLIC_URL/api/github/webhooks. */
  webhookUrl: string;
  reachable: boolean;
  /** Why GitHub cannot deliver there, a phrase each ("127.0.0.1 is a loopback address (this machine): …"). */
  problems: string[];
  /** The command that forwards webhooks to this machine instead (a smee.io channel). */
  relayCommand: string;
}

/** `POST /api/github/app/manifest`: the form the UI posts to GitHub (GitHub's manifest flow). */
export interface AppRegistrationForm {
  action: string;
  /** The manifest JSON, as the form field `manifest`. */
  manifest: string;
}

/** `POST /api/github/app/manifest` (admins): all optional; `overwrite` replaces an App already registered. */
export interface AppRegistrationRequest {
  /** Register the App on this organization instead of the admin's account. */
  organization?: string;
  name?: string;
  overwrite?: boolean;
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
  /**
   * A draft run: the workflow ran with the files of `owner`'s draft changeset (`changes` files added, changed or
   * deleted) over the workspace, not the workspace as it is.
   */
  draft?: RunDraft;
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

/** The draft a run ran (RunRecord.draft). */
export interface RunDraft {
  /** Whose draft. */
  owner: string;
  /** How many files the draft adds, changes or deletes. */
  changes: number;
}

/** A run in a list: everything but the bulky output and logs. */
export type RunSummary = Omit<RunRecord, "output" | "logs">;

/** `POST /api/workflows/{name}/runs` (operators): the parameter values; the body may be empty when none are needed. */
export interface RunRequest {
  params: Record<string, unknown>;
}

/**
 * `GET /api/runs` query: which runs, each filter exact and all of them at once; unknown status → 400
 * `invalid_status`. The list is filtered by the server, so `limit` counts matching runs.
 */
export interface RunFilter {
  workflow?: string;
  status?: RunStatus;
  /** Who started the runs (RunRecord.startedBy). */
  startedBy?: string;
}

/** `GET /api/runs`: the filters, how many runs a page holds (1–200, default 50), and where it starts. */
export interface RunListQuery extends RunFilter {
  limit?: number;
  /** The `nextCursor` of the page before (400 `invalid_cursor` for anything else). */
  cursor?: string;
}

/** `GET /api/runs?workflow=&status=&startedBy=&limit=&cursor=`: matching runs, newest first, `limit` (1–200, default 50) at most. */
export interface RunList {
  runs: RunSummary[];
  /**
   * More runs match: pass it as `cursor` (with the same filters) for the next, older page. Absent on the last
   * page. Opaque to clients; it stays valid while runs are added or pruned (each page starts after the last run shown).
   */
  nextCursor?: string;
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

/** One line of a file that contains the query. */
export interface WorkspaceSearchMatch {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (as editors count). */
  column: number;
  /** The line, cut to its first 240 characters. */
  text: string;
}

/** A file whose path or text contains the query. */
export interface WorkspaceSearchFile {
  path: string;
  /** The path itself contains the query. */
  nameMatch: boolean;
  matches: WorkspaceSearchMatch[];
}

/** `GET /api/workspace/search?q=` (readers): files whose path or text contains `q`, ignoring case, in path order. */
export interface WorkspaceSearchResult {
  query: string;
  files: WorkspaceSearchFile[];
  /** More lines matched than the answer holds (1,000, at most 100 a file): narrow the query. */
  truncated: boolean;
}

/** `PUT /api/workspace/files/{path}` (admins; the body is the file's bytes): 201 created, 200 replaced. */
export interface WorkspaceFileWritten {
  path: string;
  /** The new content hash, also in the `ETag` header. */
  etag: string;
  size: number;
  created: boolean;
}

/** `POST /api/workspace/folders` (admins), answered 201 with the folder's normalised path. */
export interface WorkspaceFolderRequest {
  path: string;
}

export interface WorkspaceFolderCreated {
  path: string;
}

/** `POST /api/workspace/move` (admins): 409 when `to` exists and `overwrite` is not set. */
export interface WorkspaceMoveRequest {
  from: string;
  to: string;
  overwrite?: boolean;
}

export interface WorkspaceMoveResult {
  from: string;
  to: string;
  type: "file" | "folder";
  /** An existing entry at `to` was replaced. */
  replaced: boolean;
}

/** A 412 from the files API (If-Match / If-None-Match): what the server holds now (null: nothing). */
export interface PreconditionFailedBody extends ApiErrorBody {
  currentEtag: string | null;
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

// ---- GitHub (`/api/github/...`): the connection, its sync runs, and connecting. ----

/** `app`: through funcspace's GitHub App installation; `pat`: a personal access token. */
export type ConnectionKind = "app" | "pat";

/**
 * Connecting: created, initial sync not finished. Ready: last sync applied. Syncing: a sync is running.
 * Failed: the last sync failed (the reason says why; the workspace keeps its last good state).
 * Broken: GitHub took access away (installation deleted or suspended, repository removed); needs the user.
 */
export type ConnectionState = "Connecting" | "Ready" | "Syncing" | "Failed" | "Broken";

/** How pushes reach funcspace: a webhook (seconds), or polling the branch head on a timer. */
export type DeliveryMode = "webhook" | "polling";

/** A running sync's progress, as the connection status carries it while the state is Syncing. */
export interface SyncProgress {
  /** The sync's current step (resolve, plan, fetch, apply…). */
  phase?: string;
  done?: number;
  total?: number;
  runId: string;
  startedAt: string;
}

/** `GET /api/github/connection` (readers), and the answer of connecting and of rotating a token. Never a secret. */
export interface ConnectionStatus {
  connected: boolean;
  kind?: ConnectionKind;
  repository?: string;
  branch?: string;
  installationId?: number;
  state?: ConnectionState;
  stateReason?: string;
  appliedSha?: string;
  headSha?: string;
  lastSyncAt?: string;
  deliveryMode?: DeliveryMode;
  /** Why polling, e.g. "webhook not created: the token lacks Webhooks: write". */
  deliveryModeReason?: string;
  /** PAT only: the token's last 4 characters. */
  tokenLast4?: string;
  connectedBy?: string;
  /** PAT only: who last replaced the token, and when. */
  tokenRotatedBy?: string;
  tokenRotatedAt?: string;
  /** When the connection was made. */
  createdAt?: string;
  progress?: SyncProgress;
  /**
   * Sync jobs the host gave up on (in workspace-sync-poison after every attempt failed), with a sentence saying
   * what to do; absent when there are none or they cannot be counted.
   */
  poisonedSyncJobs?: { count: number; message: string };
  /** Base of links to GitHub (GITHUB_WEB_URL), and the repository's page. */
  githubWebUrl?: string;
  repositoryUrl?: string;
  /** The workspace is held at one commit (POST /api/github/pin): pushes are recorded, not applied, until unpinned. */
  pin?: ConnectionPin;
}

/**
 * A pin: the commit the sync engine applies instead of the branch head, who pinned it and when, and how far the
 * branch has moved on since (counted by the sync worker at each push or poll, and when pinning).
 */
export interface ConnectionPin {
  /** The full commit SHA. */
  sha: string;
  pinnedBy?: string;
  pinnedAt: string;
  /** Commits on the branch after the pinned one, waiting to be applied (absent when not counted yet). */
  waitingCommits?: number;
  /** The branch head they were counted against. */
  headSha?: string;
  /** false: the branch no longer contains the pinned commit (force-pushed); it stays applied until unpinned. */
  onBranch: boolean;
  /** One line for the status: "pinned to abc1234 by alice; 3 newer commits waiting". */
  summary: string;
}

/** `POST /api/github/pin` (admins): pin the workspace to this commit of the connected branch (7–40 hex digits). Answers the ConnectionStatus. */
export interface PinRequest {
  sha: string;
}

/**
 * `disconnected`, `pinned`, `unpinned`: not syncs but events kept in the same history: a connection ended
 * (DELETE /api/github/connection), the workspace pinned to a commit (POST /api/github/pin) or unpinned (DELETE).
 * `interrupted`: the worker stopped mid-run (crash, host recycled); set by the sweeper (src/sync/sweep-interrupted-syncs.ts).
 */
export type SyncRunResult = "running" | "noop" | "applied" | "failed" | "cancelled" | "disconnected" | "pinned" | "unpinned" | "interrupted";

/** One sync run as it is stored (the `syncruns` table, src/azure/sync-run-store.ts) and listed. */
export interface SyncRunRecord {
  runId: string;
  workspaceId: string;
  connectionId?: string;
  repository: string;
  branch: string;
  /**
   * `webhook`, `poll`, `manual` (Sync now), `initial` (connecting), `pin`/`unpin` (the pin event, and the sync it
   * queued), or `disconnect` (the event that ended a connection).
   */
  trigger: string;
  deliveryId?: string;
  /** Who started it (Sync now, connect, disconnect); absent for webhooks and polls. */
  requestedBy?: string;
  /** How many pushes the job stood for, when the webhook intake coalesced several. */
  coalesced?: number;
  /** The commit the job was queued for; `toSha` is the one synced (the head at run time, or the pinned commit). */
  requestedSha?: string;
  /** The workspace was pinned to this commit: the run applied it, not the branch head (a push while pinned is recorded so). */
  pinnedSha?: string;
  /** While pinned: commits on the branch after the pinned one, not applied. */
  waitingCommits?: number;
  fromSha?: string;
  toSha?: string;
  result: SyncRunResult;
  added: number;
  changed: number;
  deleted: number;
  /** Entries of the commit the workspace cannot hold (names, case twins, symlinks, submodules). */
  skipped: number;
  bytesDownloaded: number;
  fetchMethod?: string;
  /** Files (and their bytes) adopted from the staging of an interrupted run instead of downloaded again (src/sync/resume-staging.ts). */
  resumedFiles?: number;
  resumedBytes?: number;
  /** The skipped entries, `kind:path — reason` one per line (cut at 16 KB). */
  skippedPaths?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  errorStep?: string;
  errorCode?: string;
  errorMessage?: string;
  /** The failure cannot be fixed by another attempt (src/sync/sync-error.ts): the message was completed, not retried. */
  errorPermanent?: boolean;
  /** The lease generation the run held (sweep-interrupted-syncs.ts: a run whose generation is no longer live has no owner). */
  leaseGeneration?: number;
  /** Which delivery of the queue message this run was (the host's dequeueCount), when it came from the queue. */
  attempt?: number;
  progressPhase?: string;
  progressDone?: number;
  progressTotal?: number;
}

/** A sync run in `GET /api/github/sync-runs`: the record, its id, and a failed run's message as `error`. */
export interface SyncRun extends SyncRunRecord {
  id: string;
  error?: string;
}

/** `GET /api/github/sync-runs?limit=` (readers; 1–200, default 20): newest first. */
export interface SyncRunList {
  runs: SyncRun[];
}

/** `POST /api/github/sync` (operators): 202, a sync of the branch head is queued. */
export interface SyncRequested {
  queued: true;
  trigger: string;
  branch: string;
  requestedAt: string;
}

/** An entry of a commit the workspace cannot hold, so a sync leaves it out. */
export interface SkippedEntry {
  path: string;
  /** `name`: the share cannot hold the name; `case`: another path of the commit is the same name to the share. */
  kind: "symlink" | "submodule" | "name" | "case";
  /** Why, in words (the run record, the UI). */
  reason?: string;
}

export interface SyncCounts {
  added: number;
  changed: number;
  deleted: number;
  skipped: number;
  unchanged: number;
}

/** How a sync downloads what changed: nothing, blob by blob, or one tarball. */
export type SyncFetchMethod = "none" | "blobs" | "tarball";

/** `POST /api/github/sync/preview` (admins): what a sync would change now; nothing is written. */
export interface SyncPreview {
  repository: string;
  branch: string;
  fromSha: string | undefined;
  toSha: string;
  /** Nothing would change on disk. */
  upToDate: boolean;
  added: string[];
  changed: string[];
  deleted: string[];
  skipped: SkippedEntry[];
  counts: SyncCounts;
  bytesToFetch: number;
  fetchMethod: SyncFetchMethod;
}

/** Which repository and branch to connect, and how funcspace reads it. */
export type ConnectRequest =
  | { kind: "pat"; token: string; repository: string; branch: string }
  | { kind: "app"; installationId: number; repository: string; branch: string };

/**
 * `POST /api/github/connection` (admins): 201 `ConnectionStatus`. A workspace holding files is refused with 409
 * `workspace_not_empty` until `acknowledgeOverwrite` says the user saw what the sync replaces.
 */
export type ConnectionRequest = ConnectRequest & { acknowledgeOverwrite?: boolean };

/** `POST /api/github/sync/preview`: a connection about to be made, or an empty body for the active one. */
export type SyncPreviewRequest = ConnectRequest | Record<string, never>;

/** `PUT /api/github/connection/token` (admins; PAT connections): the new token, checked before it is stored. */
export interface TokenReplacement {
  token: string;
}

/** `DELETE /api/github/connection` (admins): what was undone. The workspace files stay. */
export interface DisconnectResult {
  disconnected: true;
  kind: ConnectionKind;
  repository: string;
  branch: string;
  /** PAT connections in webhook mode: whether the repository webhook is gone, and why not. */
  webhook?: { id: number; deleted: boolean; reason?: string };
  /** Things that could not be cleaned up (each a sentence); the disconnect itself succeeded. */
  problems: string[];
  /** The "disconnected" entry in the sync-run history. */
  runId: string;
  /** The sync that was running, and how it ended ("running" if it had not stopped in time). */
  stoppedSync?: { runId: string; result: SyncRunResult };
}

/** A repository the App installation can read. */
export interface InstallationRepository {
  /** `owner/name`. */
  fullName: string;
  defaultBranch: string;
  private: boolean;
}

/** `GET /api/github/installations/{id}/repositories` (admins). */
export interface InstallationRepositoryList {
  repositories: InstallationRepository[];
}

export interface RepositoryBranch {
  name: string;
  sha: string;
}

/** `GET /api/github/installations/{id}/repositories/{owner}/{repo}/branches` (admins). */
export interface RepositoryBranches {
  /** The default branch first (even past the cap), then the rest in GitHub's order (by name). */
  branches: RepositoryBranch[];
  /** The repository has more branches than the listing shows (1,000). */
  truncated: boolean;
}

// ---- Drafts (`/api/drafts/mine/...`): changes proposed from a connected workspace (issue 21). ----
// While GitHub is connected the workspace is read-only; an admin's edits go to their own draft (kept on the
// server, per person), which can be run (POST /api/drafts/mine/runs/{name}) and opened as a pull request.

/** What a draft does to one path, compared with the workspace. */
export type DraftChangeKind = "added" | "modified" | "deleted";

/** One changed path of a draft (never its content: GET /api/drafts/mine/files/{path} reads that). */
export interface DraftChange {
  path: string;
  kind: DraftChangeKind;
  /** Bytes of the draft's content (absent for a deletion). */
  size?: number;
  /** The git blob of the workspace's file when the draft first changed it; absent when the draft adds the file. */
  baseBlobSha?: string;
  /** The change came from a rename: the path it was renamed from (that path is a `deleted` change of the draft). */
  renamedFrom?: string;
  /** Version of this change, for `If-Match` on the next write of the same path. */
  etag: string;
  updatedAt: string;
}

/** A pull request opened from a draft. */
export interface DraftProposal {
  number: number;
  url: string;
  title: string;
  /** The branch created for it (`funcspace/<login>/<time>`), from `baseSha`. */
  branch: string;
  commitSha: string;
  baseSha: string;
  /** Whose name the commit carries: the person (their GitHub token), or the App/PAT with a trailer naming them. */
  author: DraftAuthorMode;
  createdAt: string;
}

/** `GET /api/drafts/mine` (admins): the caller's draft, changes sorted by path. */
export interface Draft {
  changes: DraftChange[];
  /** The commit the workspace was on when the draft's first change was made. */
  baseSha?: string;
  updatedAt?: string;
  /** The last pull request opened from this person's draft (the draft is emptied when it is opened). */
  lastProposal?: DraftProposal;
  /** Limits: bytes per file, and changed paths per draft. */
  limits: { maxFileBytes: number; maxChanges: number };
}

/** `PUT /api/drafts/mine/files/{path}` (raw body; `If-Match` with the change's etag to refuse a lost update). */
export interface DraftFileWritten {
  change: DraftChange;
}

/** `POST /api/drafts/mine/moves`: rename a file in the draft (the old path becomes a deletion). */
export interface DraftMoveRequest {
  from: string;
  to: string;
}

/** `DELETE /api/drafts/mine/files/{path}`: the draft deletes the file (or forgets a file the draft added). */
export interface DraftDeleteResult {
  /** The change now recorded for the path; absent when the path is back to the workspace's state. */
  change?: DraftChange;
}

/**
 * How the commit of a pull request is made: `user` with the person's own GitHub token (they signed in with
 * GitHub; the browser goes through GitHub's authorization once), `app` with the App installation's token, `pat`
 * with the connection's token. With `app` and `pat` the commit names the person in a `Proposed-by:` trailer.
 */
export type DraftAuthorMode = "user" | "app" | "pat";

/** Why a change of the draft cannot be proposed as it is. */
export interface DraftConflict {
  path: string;
  /**
   * `changed_upstream`: the branch head holds another version of the file than the one the draft started from;
   * `changed_in_workspace`: the workspace has moved on (a sync) since the draft started from it.
   */
  reason: "changed_upstream" | "changed_in_workspace";
  message: string;
}

/** `GET /api/drafts/mine/check` (admins): what "Open pull request" would do, before anything is created. */
export interface DraftCheck {
  repository: string;
  branch: string;
  /** The commit the pull request's branch would start from (the workspace's). */
  baseSha: string;
  /** The branch head now. */
  headSha: string;
  conflicts: DraftConflict[];
  author: DraftAuthorMode;
  /** false with `reason` when it cannot be proposed now (conflicts, an empty draft, a token that can only read…). */
  canPropose: boolean;
  reason?: string;
}

/** `POST /api/drafts/mine/pull-request` (admins). */
export interface ProposeRequest {
  title: string;
  body?: string;
}

/**
 * The answer of proposing: `opened` (201) with the pull request; or `authorize` (202): the browser goes to `url`
 * (GitHub's authorization of the person), which comes back to the editor with the pull request opened.
 */
export type ProposeAnswer = ({ kind: "opened" } & DraftProposal) | { kind: "authorize"; url: string };

// ---- Pull request checks (`/api/github/pull-checks`): what each open pull request would do (issue 22). ----

/** The last check of one pull request into the connected branch. */
export interface PullCheck {
  number: number;
  title: string;
  /** The pull request's page on GitHub. */
  url: string;
  headRef: string;
  /** The commit the check is of. */
  headSha: string;
  state: "open" | "closed";
  status: "queued" | "in_progress" | "completed";
  conclusion?: "success" | "failure" | "neutral" | "cancelled";
  /** The check's one-line title ("Ready to sync: 2 added, 1 changed, 0 deleted", "3 problems: …"). */
  summary?: string;
  counts?: { added: number; changed: number; deleted: number };
  /** Where the check's time went (ms): the two trees, the head's blobs, discovery in the runner, the type check, all of it. */
  timings?: { treesMs: number; fetchMs: number; discoveryMs: number; typeCheckMs: number; totalMs: number };
  /** Where GitHub shows it: a check run (App), a commit status (PAT that may write statuses), or only here. */
  reportedVia?: "check-run" | "status" | "funcspace";
  /** Why only here (a PAT without `statuses` write), in a sentence. */
  reportReason?: string;
  checkRunId?: number;
  /** The check run's page on GitHub. */
  checkUrl?: string;
  updatedAt: string;
}

/** `GET /api/github/pull-checks` (readers): the connected repository's pull requests with their last check, newest first. */
export interface PullCheckList {
  checks: PullCheck[];
}
