// Who is calling. Each mode has one source of identity, and nothing else is believed:
// - `local` (npm start, loopback only): the developer, admin.
// - `swa` (behind Azure Static Web Apps): the `x-ms-client-principal` header that SWA's proxy sets; the
//   function app accepts only requests that came through the linked SWA (App Service authentication,
//   checked at start-up: see check-auth-deployment.ts and infra/README.md).
// - `github` (self-hosted): a signed session cookie issued after signing in with the platform's GitHub App.
// Roles are only ever `reader`, `operator`, `admin` (nested); SWA's built-in `authenticated` grants nothing.
import { ForbiddenError, UnauthorizedError } from "../errors.js";
import { expandRoles, INVITED_ROLES, type InvitedRole, type Role } from "./roles.js";

export type { Role } from "./roles.js";

export interface Principal {
  /** `local`, `setup` (the one-time setup code), `github` (funcspace's own sign-in) or SWA's provider (`swa:github`). */
  identityProvider: string;
  userId: string;
  /** The name people see (a GitHub login); what records store as the actor. */
  userDetails: string;
  /** Invited roles, expanded (an admin also holds operator and reader). */
  roles: InvitedRole[];
}

export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  identityProvider: "local",
  userId: "local",
  userDetails: "local developer",
  roles: Object.freeze([...INVITED_ROLES]) as InvitedRole[],
});

export interface HeaderSource {
  get(name: string): string | null;
}

/** The SWA principal, or `undefined` when the header is absent or malformed (treated as anonymous). */
export function readSwaPrincipal(headers: HeaderSource): Principal | undefined {
  const header = headers.get("x-ms-client-principal");
  // One strict base64 value: two headers arrive joined by ", ", and a lenient decoder would splice their halves.
  if (!header || header.length > 16_384 || !/^[A-Za-z0-9+/]+={0,2}$/.test(header)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  return parseSwaPrincipal(parsed);
}

/** A client principal as SWA writes it (the header's JSON, or `/.auth/me`'s `clientPrincipal`). */
export function parseSwaPrincipal(parsed: unknown): Principal | undefined {
  if (!parsed || typeof parsed !== "object") return undefined;
  const value = parsed as Record<string, unknown>;
  const roles = Array.isArray(value.userRoles) ? value.userRoles.filter((r): r is string => typeof r === "string") : [];
  const userId = typeof value.userId === "string" ? value.userId : "";
  if (!userId || !roles.includes("authenticated")) return undefined;
  return {
    identityProvider: `swa:${typeof value.identityProvider === "string" ? value.identityProvider : "unknown"}`,
    userId,
    userDetails: typeof value.userDetails === "string" ? value.userDetails : "",
    roles: expandRoles(roles),
  };
}

/** What records store as "who did it". */
export function actorName(principal: Principal | undefined): string | undefined {
  if (!principal) return undefined;
  return principal.userDetails || principal.userId;
}

export function hasRole(principal: Principal | undefined, role: Role): boolean {
  if (role === "anonymous") return true;
  if (!principal) return false;
  if (role === "signedIn") return true;
  return principal.roles.includes(role);
}

const ROLE_NAMES: Record<InvitedRole, string> = {
  reader: "reader (see the workspace, workflows and runs)",
  operator: "operator (run workflows and sync)",
  admin: "admin (change code, settings and GitHub)",
};

/** Throws 401 when nobody is signed in and the route needs someone, 403 when their roles fall short. */
export function requireRole(principal: Principal | undefined, role: Role): void {
  if (hasRole(principal, role)) return;
  if (!principal) throw new UnauthorizedError("Sign in to use funcspace.");
  const invited = role as InvitedRole;
  throw new ForbiddenError(
    principal.roles.length === 0
      ? `You are signed in as ${actorName(principal)}, but nobody has invited you yet. Ask a funcspace admin to give you a role.`
      : `This needs the ${ROLE_NAMES[invited]} role. Ask a funcspace admin to invite you with it.`,
    { code: principal.roles.length === 0 ? "not_invited" : "forbidden", details: { requiredRole: invited } },
  );
}
