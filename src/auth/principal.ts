// Who is calling. Behind Azure Static Web Apps the platform trusts the `x-ms-client-principal` header
// that SWA sets on every proxied request (base64 JSON with the user's roles). Under `npm start` on
// loopback there is one user, the developer, and they are admin.
import type { AuthMode } from "../config.js";
import { ForbiddenError, UnauthorizedError } from "../errors.js";

/** What a route requires. Ordered: admin ⊃ authenticated ⊃ anonymous. */
export type Role = "anonymous" | "authenticated" | "admin";

export interface Principal {
  /** `local` for the loopback developer, otherwise the SWA identity provider (github, aad, ...). */
  identityProvider: string;
  userId: string;
  userDetails: string;
  roles: string[];
}

export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  identityProvider: "local",
  userId: "local",
  userDetails: "local developer",
  roles: Object.freeze(["anonymous", "authenticated", "admin"]) as string[],
});

export interface HeaderSource {
  get(name: string): string | null;
}

/** The caller, or `undefined` when anonymous. A malformed principal header is treated as anonymous. */
export function getPrincipal(headers: HeaderSource, mode: AuthMode): Principal | undefined {
  if (mode === "local") return LOCAL_PRINCIPAL;
  const header = headers.get("x-ms-client-principal");
  if (!header) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object") return undefined;
  const value = parsed as Record<string, unknown>;
  const roles = Array.isArray(value.userRoles) ? value.userRoles.filter((r): r is string => typeof r === "string") : [];
  const userId = typeof value.userId === "string" ? value.userId : "";
  if (!userId || !roles.includes("authenticated")) return undefined;
  return {
    identityProvider: typeof value.identityProvider === "string" ? value.identityProvider : "unknown",
    userId,
    userDetails: typeof value.userDetails === "string" ? value.userDetails : "",
    roles,
  };
}

/** Throws 401 when a signed-in user is needed and there is none, 403 when their roles fall short. */
export function requireRole(principal: Principal | undefined, role: Role): void {
  if (role === "anonymous") return;
  if (!principal) throw new UnauthorizedError("Sign in to use funcspace.");
  if (role === "admin" && !principal.roles.includes("admin")) {
    throw new ForbiddenError("This action needs the admin role. Ask an administrator to invite you with it.");
  }
}
