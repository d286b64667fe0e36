// The GitHub routes (functions/github*.ts): App registration, connect (App or PAT), status, sync, history.
import { ApiError, getJson, sendJson } from "./client.js";

// Shapes shared with the server: src/api-types.ts (type-only, nothing of the server reaches the bundle).
export type {
  AppRegistration,
  AppRegistrationForm,
  ConnectionPin,
  ConnectionState,
  ConnectionStatus,
  ConnectRequest,
  InstallationRepository,
  PublicUrlCheck,
  PullCheck,
  SyncPreview,
  SyncProgress,
  SyncRun,
} from "../../../src/api-types.js";
import type {
  AppRegistration,
  AppRegistrationForm,
  AppRegistrationRequest,
  ConnectionRequest,
  ConnectionStatus,
  ConnectRequest,
  DisconnectResult,
  InstallationRepository,
  InstallationRepositoryList,
  PinRequest,
  PullCheck,
  PullCheckList,
  RedirectAnswer,
  RepositoryBranches,
  SyncPreview,
  SyncPreviewRequest,
  SyncRequested,
  SyncRun,
  SyncRunList,
  TokenReplacement,
} from "../../../src/api-types.js";

export function getAppRegistration(): Promise<AppRegistration> {
  return getJson<AppRegistration>("/api/github/app", { cache: "no-store" });
}

/** Starts registering the App: the form to post to GitHub (the answer also sets the flow cookie). */
export function startAppRegistration(options: AppRegistrationRequest = {}): Promise<AppRegistrationForm> {
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
  const body: ConnectionRequest = { ...request, acknowledgeOverwrite };
  return sendJson<ConnectionStatus>("POST", "/api/github/connection", body);
}

/** What a sync would change: for a connection about to be made, or (no request) for the active one. */
export function previewSync(request?: ConnectRequest): Promise<SyncPreview> {
  const body: SyncPreviewRequest = request ?? {};
  return sendJson<SyncPreview>("POST", "/api/github/sync/preview", body);
}

export function syncNow(): Promise<SyncRequested> {
  return sendJson<SyncRequested>("POST", "/api/github/sync", {});
}

export function rotateToken(token: string): Promise<ConnectionStatus> {
  const body: TokenReplacement = { token };
  return sendJson<ConnectionStatus>("PUT", "/api/github/connection/token", body);
}

export function disconnect(): Promise<DisconnectResult> {
  return sendJson<DisconnectResult>("DELETE", "/api/github/connection");
}

/** Pins the workspace to a commit of the connected branch (one from the sync history): pushes are recorded, not applied, until unpinned. */
export function pinWorkspace(sha: string): Promise<ConnectionStatus> {
  const body: PinRequest = { sha };
  return sendJson<ConnectionStatus>("POST", "/api/github/pin", body);
}

/** The workspace follows its branch again: a sync of the head is queued. */
export function unpinWorkspace(): Promise<ConnectionStatus> {
  return sendJson<ConnectionStatus>("DELETE", "/api/github/pin");
}

export async function listSyncRuns(limit = 20): Promise<SyncRun[]> {
  const { runs } = await getJson<SyncRunList>(`/api/github/sync-runs?limit=${limit}`, { cache: "no-store" });
  return runs;
}

/** The connected repository's pull requests with their last check (issue 22), newest first. */
export async function listPullChecks(): Promise<PullCheck[]> {
  const { checks } = await getJson<PullCheckList>("/api/github/pull-checks", { cache: "no-store" });
  return checks;
}

export async function listInstallationRepositories(installationId: number): Promise<InstallationRepository[]> {
  const { repositories } = await getJson<InstallationRepositoryList>(`/api/github/installations/${installationId}/repositories`, { cache: "no-store" });
  return repositories;
}

/** The repository's branches, default first; `truncated` when there were more than the server lists. */
export function listRepositoryBranches(installationId: number, repository: string): Promise<RepositoryBranches> {
  return getJson<RepositoryBranches>(
    `/api/github/installations/${installationId}/repositories/${repository.split("/").map(encodeURIComponent).join("/")}/branches`,
    { cache: "no-store" },
  );
}
