// Who am I, and signing in and out (functions/auth.ts). `me` answers everyone; the sign-in routes exist in
// `github` mode only (behind Static Web Apps, SWA's own /.auth/* signs in and out; under `npm start` the
// loopback developer is admin).
import { ApiError, getJson, sendJson } from "./client.js";

import type { AuthMe, RedirectAnswer, SetupCodeAnswer, SetupCodeRequest } from "../../../src/api-types.js";

export type { AuthMode, InvitedRole } from "../../../src/api-types.js";
export type Me = AuthMe;

export function getMe(): Promise<Me> {
  return getJson<Me>("/api/auth/me", { cache: "no-store" });
}

/** Starts "Sign in with GitHub": where to send the browser (the response also sets the flow cookie). */
export async function startSignIn(): Promise<string> {
  const { location } = await sendJson<RedirectAnswer>("POST", "/api/auth/sign-in");
  return location;
}

/** Redeems the one-time setup code for an hour-long admin session (the first admin creates the App). */
export function redeemSetupCode(code: string): Promise<SetupCodeAnswer> {
  const body: SetupCodeRequest = { code };
  return sendJson<SetupCodeAnswer>("POST", "/api/auth/setup", body);
}

export async function signOut(): Promise<void> {
  try {
    await sendJson("POST", "/api/auth/sign-out");
  } catch (error) {
    // Already signed out (the session lapsed): the goal is reached.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
}
