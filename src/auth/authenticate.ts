// The one place a request's identity is decided, by mode (see principal.ts for what each mode believes).
import { LOCAL_PRINCIPAL, readSwaPrincipal, type HeaderSource, type Principal } from "./principal.js";
import { readSession, type SessionDeps } from "./sessions.js";
import type { SwaSessionCheck } from "./swa-session-check.js";
import { UnauthorizedError } from "../errors.js";

export interface AuthenticateDeps extends SessionDeps {
  /** `swa` mode: the Static Web App confirms each caller's session (absent only under the SWA CLI emulator). */
  swaSessions?: SwaSessionCheck;
}

export async function authenticate(headers: HeaderSource, deps: AuthenticateDeps, options: { abortSignal?: AbortSignal } = {}): Promise<Principal | undefined> {
  switch (deps.config.authMode) {
    case "local":
      return LOCAL_PRINCIPAL;
    case "swa":
      // The header is believed only where nothing but the SWA CLI on loopback can reach the host.
      if (!deps.swaSessions) return readSwaPrincipal(headers);
      return confirmedSwaPrincipal(headers, deps.swaSessions);
    case "github":
      return readSession(deps, headers, options);
  }
}

async function confirmedSwaPrincipal(headers: HeaderSource, check: SwaSessionCheck): Promise<Principal | undefined> {
  const confirmed = await check.principalFor(headers.get("cookie"));
  if (confirmed || !readSwaPrincipal(headers)) return confirmed;
  // A principal header that SWA's /.auth/me does not back: forged, or the session cookie never reached the API.
  throw new UnauthorizedError(
    "Your sign-in could not be confirmed with Azure Static Web Apps (its /.auth/me knows no session for this request's " +
      "cookies). Sign in again; if this persists, the operator should check infra/README.md, \"Who is calling\".",
  );
}
