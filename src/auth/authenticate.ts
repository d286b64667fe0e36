// The one place a request's identity is decided, by mode (see principal.ts for what each mode believes).
import { LOCAL_PRINCIPAL, readSwaPrincipal, type HeaderSource, type Principal } from "./principal.js";
import { readSession, type SessionDeps } from "./sessions.js";

export async function authenticate(headers: HeaderSource, deps: SessionDeps, options: { abortSignal?: AbortSignal } = {}): Promise<Principal | undefined> {
  switch (deps.config.authMode) {
    case "local":
      return LOCAL_PRINCIPAL;
    case "swa":
      return readSwaPrincipal(headers);
    case "github":
      return readSession(deps, headers, options);
  }
}
