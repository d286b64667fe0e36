// The GitHub routes (functions/github*.ts): App registration, connect (App or PAT), status, sync, history.
import { ApiError, getJson, sendJson } from "./client.js";

// Shapes shared with the server: src/api-types.ts.
export type { AppRegistration, AppRegistrationForm } from "../../../src/api-types.js";
import type { AppRegistration, AppRegistrationForm, RedirectAnswer } from "../../../src/api-types.js";

export type ConnectionState = "Connecting" | "Ready" | "Syncing" | "Failed" | "Broken";

export interface SyncProgress {
  phase?: string;
  done?: number;
  total?: number;
  message?: string;
}

export interface ConnectionStatus {
  connected: boolean;
  kind?: "app" | "pat";
  repository?: string;
  branch?: string;
  state?: ConnectionState;
  stateReason?: string;
  appliedSha?: string;
  headSha?: string;
  lastSyncAt?: string;
  deliveryMode?: "webhook" | "polling";
  deliveryModeReason?: string;
  tokenLast4?: string;
  installationId?: number;
  progress?: SyncProgress;
  connectedBy?: string;
  /** When the connection was made. */
  createdAt?: string;
  /** PAT only: who last replaced the token, and when. */
  tokenRotatedBy?: string;
  tokenRotatedAt?: string;
  /** Base of links to the repository (GITHUB_WEB_URL), when the server tells. */
  githubWebUrl?: string;
  repositoryUrl?: string;
}

export interface SyncRun {
  id?: string;
  trigger: string;
  /** Pushes the run stood for, when a burst of them shared one sync. */
  coalesced?: number;
  /** Who asked for it ("Sync now", connect, disconnect); absent for webhooks and polling. */
  requestedBy?: string;
  fromSha?: string;
  toSha?: string;
  sha?: string;
  result?: string;
  status?: string;
  added?: number;
  changed?: number;
  deleted?: number;
  /** Entries of the commit the workspace cannot hold (names, case twins, symlinks, submodules). */
  skipped?: number;
  /** One `kind:path — reason` per line. */
  skippedPaths?: string;
  counts?: { added?: number; changed?: number; deleted?: number; unchanged?: number };
  bytes?: number;
  durationMs?: number;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface SyncPreview {
  repository: string;
  branch: string;
  toSha: string;
  upToDate: boolean;
  added: string[];
  changed: string[];
  deleted: string[];
}

export interface InstallationRepository {
  fullName: string;
  defaultBranch?: string;
  private?: boolean;
}

export type ConnectRequest =
  | { kind: "pat"; token: string; repository: string; branch: string }
  | { kind: "app"; installationId: number; repository: string; branch: string };

export function getAppRegistration(): Promise<AppRegistration> {
  return getJson<AppRegistration>("/api/github/app", { cache: "no-store" });
}

/** Starts registering the App: the form to post to GitHub (the answer also sets the flow cookie). */
export function startAppRegistration(options: { organization?: string; name?: string; overwrite?: boolean } = {}): Promise<AppRegistrationForm> {
  return sendJson<AppRegistrationForm>("POST", "/api/github/app/manifest", options);
}

/** Starts "Connect with GitHub" (installing the App): where to send the browser. */
export async function startInstallation(): Promise<string> {
  const { location } = await sendJson<RedirectAnswer>("POST", "/api/github/connect");
  return location;
}

export async function getConnection(): Promise<ConnectionStatus> {
  try {
    return await getJson<ConnectionStatus>("/api/github/connection", { cache: "no-store" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { connected: false };
    throw error;
  }
}

export function connect(request: ConnectRequest, acknowledgeOverwrite: boolean): Promise<ConnectionStatus> {
  return sendJson<ConnectionStatus>("POST", "/api/github/connection", { ...request, acknowledgeOverwrite });
}

export function previewSync(request?: ConnectRequest): Promise<SyncPreview> {
  return sendJson<SyncPreview>("POST", "/api/github/sync/preview", request ?? {});
}

export function syncNow(): Promise<unknown> {
  return sendJson("POST", "/api/github/sync", {});
}

export function rotateToken(token: string): Promise<unknown> {
  return sendJson("PUT", "/api/github/connection/token", { token });
}

export function disconnect(): Promise<unknown> {
  return sendJson("DELETE", "/api/github/connection");
}

export async function listSyncRuns(limit = 20): Promise<SyncRun[]> {
  const body = await getJson<{ runs: SyncRun[] } | SyncRun[]>(`/api/github/sync-runs?limit=${limit}`, { cache: "no-store" });
  return Array.isArray(body) ? body : body.runs;
}

export async function listInstallationRepositories(installationId: number): Promise<InstallationRepository[]> {
  const body = await getJson<{ repositories: InstallationRepository[] } | InstallationRepository[]>(
    `/api/github/installations/${installationId}/repositories`,
    { cache: "no-store" },
  );
  return Array.isArray(body) ? body : body.repositories;
}

/** The repository's branches, default first; `truncated` when there were more than the server lists. */
export async function listRepositoryBranches(installationId: number, repository: string): Promise<{ branches: { name: string; sha?: string }[]; truncated: boolean }> {
  const body = await getJson<{ branches: { name: string; sha?: string }[]; truncated?: boolean }>(
    `/api/github/installations/${installationId}/repositories/${repository.split("/").map(encodeURIComponent).join("/")}/branches`,
    { cache: "no-store" },
  );
  return { branches: body.branches, truncated: body.truncated === true };
}
