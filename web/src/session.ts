// Who is signed in, and whether the workspace is managed by GitHub: both shape every page.
// Behind Static Web Apps `/.auth/me` names the user and roles; under `npm start` it does not exist and the
// loopback developer is admin (AUTH_MODE=local), so its absence means "local, admin".
import { getConnection, type ConnectionStatus } from "./api/github.js";
import { createStore } from "./store.js";

export interface Session {
  user: string | undefined;
  isAdmin: boolean;
  /** Signed in through Static Web Apps (a sign-out link makes sense). */
  viaSwa: boolean;
}

export const session = createStore<Session>({ user: undefined, isAdmin: true, viaSwa: false });

export async function loadSession(): Promise<void> {
  try {
    const response = await fetch("/.auth/me", { headers: { accept: "application/json" } });
    if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return;
    const body = (await response.json()) as { clientPrincipal?: { userDetails?: string; userRoles?: string[] } | null };
    const principal = body.clientPrincipal;
    if (!principal) return;
    session.set({ user: principal.userDetails, isAdmin: (principal.userRoles ?? []).includes("admin"), viaSwa: true });
  } catch {
    // No SWA in front: the local developer.
  }
}

/** The GitHub connection as last read; `undefined` until the first answer. */
export const connection = createStore<ConnectionStatus | undefined>(undefined);

export async function refreshConnection(): Promise<ConnectionStatus> {
  const status = await getConnection().catch((): ConnectionStatus => connection.get() ?? { connected: false });
  connection.set(status);
  return status;
}

/** Link to a file (or the repository) on GitHub for the read-only banner. */
export function githubFileUrl(status: ConnectionStatus, path?: string): string | undefined {
  if (!status.connected || !status.repository) return undefined;
  const repositoryUrl = status.repositoryUrl ?? `${status.githubWebUrl ?? "https://github.com"}/${status.repository}`;
  if (!path) return `${repositoryUrl}/tree/${encodeURIComponent(status.branch ?? "")}`;
  return `${repositoryUrl}/blob/${encodeURIComponent(status.branch ?? "")}/${path.split("/").map(encodeURIComponent).join("/")}`;
}

export function githubCommitUrl(status: ConnectionStatus, sha: string): string | undefined {
  if (!status.repository) return undefined;
  const repositoryUrl = status.repositoryUrl ?? `${status.githubWebUrl ?? "https://github.com"}/${status.repository}`;
  return `${repositoryUrl}/commit/${sha}`;
}
