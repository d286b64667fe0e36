// Who am I, and signing in and out (functions/auth.ts). `me` answers everyone; the sign-in routes exist in
// `github` mode only (behind Static Web Apps, SWA's own /.auth/* signs in and out; under `npm start` the
// loopback developer is admin).
import { ApiError, getJson, sendJson } from "./client.js";

export type AuthMode = "local" | "swa" | "github";
export type InvitedRole = "reader" | "operator" | "admin";

export interface Me {
  authMode: AuthMode;
  signedIn: boolean;
  user?: string;
  /** `local`, `setup` (the one-time setup code), `github`, or SWA's `swa:github`. */
  provider?: string;
  roles: InvitedRole[];
  role: InvitedRole | null;
  /** github mode, for a visitor who is not signed in, while no GitHub App exists: the setup code is the way in. */
  setupRequired?: boolean;
}

export function getMe(): Promise<Me> {
  return getJson<Me>("/api/auth/me", { cache: "no-store" });
}

/** Starts "Sign in with GitHub": where to send the browser (the response also sets the flow cookie). */
export async function startSignIn(): Promise<string> {
  const { location } = await sendJson<{ location: string }>("POST", "/api/auth/sign-in");
  return location;
}

/** Redeems the one-time setup code for an hour-long admin session (the first admin creates the App). */
export function redeemSetupCode(code: string): Promise<unknown> {
  return sendJson("POST", "/api/auth/setup", { code });
}

export async function signOut(): Promise<void> {
  try {
    await sendJson("POST", "/api/auth/sign-out");
  } catch (error) {
    // Already signed out (the session lapsed): the goal is reached.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
}
