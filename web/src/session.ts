// Who is signed in, with which role, and whether the workspace is managed by GitHub: all three shape every page.
// `/api/auth/me` answers in every mode (functions/auth.ts): `local` (npm start: the loopback developer is admin),
// `swa` (Static Web Apps signs in; roles come from its invitations) and `github` (funcspace's own sign-in).
// Until it answers no page is shown, so nobody without a role ever makes another API call.
import { ApiError, describeError, onSessionRefused } from "./api/client.js";
import { getMe, type AuthMode, type InvitedRole, type Me } from "./api/auth.js";
import { getConnection, type ConnectionStatus } from "./api/github.js";
import { createStore } from "./store.js";

export type { AuthMode, InvitedRole };

export interface Session {
  /** `loading` until `/api/auth/me` first answers; `error` when it could not be read. */
  status: "loading" | "ready" | "error";
  error?: string;
  authMode: AuthMode;
  signedIn: boolean;
  user: string | undefined;
  provider: string | undefined;
  /** Invited roles, nested (an admin also holds operator and reader); empty for a person nobody invited. */
  roles: InvitedRole[];
  role: InvitedRole | null;
  setupRequired: boolean;
}

export const session = createStore<Session>({
  status: "loading",
  authMode: "local",
  signedIn: false,
  user: undefined,
  provider: undefined,
  roles: [],
  role: null,
  setupRequired: false,
});

/** Why "Sign in with GitHub" failed (`/?signInError=…` from the callback), until dismissed. */
export const signInError = createStore<string | undefined>(new URLSearchParams(location.search).get("signInError") ?? undefined);

export async function loadSession(): Promise<Session> {
  let next: Session;
  try {
    const me: Me = await getMe();
    next = {
      status: "ready",
      authMode: me.authMode,
      signedIn: me.signedIn,
      user: me.user,
      provider: me.provider,
      roles: me.roles ?? [],
      role: me.role ?? null,
      setupRequired: me.setupRequired === true,
    };
  } catch (error) {
    next = { ...session.get(), status: "error", error: describeError(error) };
  }
  session.set(next);
  return next;
}

// A 401 or `not_invited` from any call: the session lapsed or the role was taken away since the page loaded.
onSessionRefused((error: ApiError) => {
  const current = session.get();
  if (error.status === 401 && current.authMode === "swa") {
    // Behind Static Web Apps signing in is SWA's: send the user there and back.
    window.location.assign(`/.auth/login/github?post_login_redirect_uri=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  // github mode: ask again; the answer (signed out, or no role) shows the sign-in or "ask to be invited" page.
  if (current.status === "ready") void loadSession();
});

export function hasRole(current: Session, role: InvitedRole): boolean {
  return current.roles.includes(role);
}

/** Run workflows and "Sync now". */
export function canRun(current: Session): boolean {
  return hasRole(current, "operator");
}

/** Change code, settings and GitHub. */
export function canWrite(current: Session): boolean {
  return hasRole(current, "admin");
}

export const isAdmin = canWrite;

/**
 * Why a control is missing for this person, in one sentence; `undefined` when their role allows it.
 * `action` completes "ask an admin for the operator role to …" (admin controls all read "write access").
 */
export function missingRoleReason(current: Session, needed: "operator" | "admin", action = "run workflows"): string | undefined {
  if (hasRole(current, needed)) return undefined;
  const held = current.role ? `the ${current.role} role` : "no role";
  return needed === "admin" ? `You have ${held}: ask an admin for write access.` : `You have ${held}: ask an admin for the operator role to ${action}.`;
}

/** How a provider is named to people ("GitHub" for both funcspace's sign-in and SWA's). */
export function providerLabel(provider: string | undefined): string {
  if (!provider) return "an unknown provider";
  if (provider === "github" || provider === "swa:github") return "GitHub";
  if (provider === "setup") return "the one-time setup code";
  if (provider === "local") return "this machine";
  return provider.replace(/^swa:/, "");
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
