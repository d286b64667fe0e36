// Sessions of `github` mode (and of the one-time setup code): a random id in an HttpOnly cookie, signed with
// an expiry so a forged or tampered cookie is refused before any storage call, and a row in the access table
// (keyed by the id's hash) so signing out ends it on every instance. A new sign-in always gets a new id.
// Roles are resolved at sign-in; a session also ends when the role configuration it was resolved under changes
// (AUTH_ADMINS and the rest, after a restart), so taking someone off a list takes effect at once.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AccessStore, SessionRecord } from "../azure/access-store.js";
import { SECRET_NAMES } from "../azure/secret-names.js";
import type { SecretStore } from "../azure/secret-store.js";
import type { Config } from "../config.js";
import { clearedSessionCookie, readCookie, sessionCookie, sessionCookieName, type ResponseCookie } from "./cookies.js";
import type { HeaderSource, Principal } from "./principal.js";
import { expandRoles, type InvitedRole } from "./roles.js";
import { getSigningKey } from "./signing-key.js";

export interface SessionDeps {
  config: Config;
  secrets: SecretStore;
  access: AccessStore;
}

export interface SessionIdentity {
  userId: string;
  login: string;
  provider: "github" | "setup";
  roles: InvitedRole[];
}

export interface IssueSessionOptions {
  abortSignal?: AbortSignal;
  ttlInMs?: number;
  now?: number;
}

/** Starts a session; returns the cookie to set. */
export async function issueSession(deps: SessionDeps, identity: SessionIdentity, options: IssueSessionOptions = {}): Promise<ResponseCookie> {
  const now = options.now ?? Date.now();
  const ttl = options.ttlInMs ?? deps.config.sessionTtlInMs;
  const sessionId = randomBytes(32).toString("base64url");
  const expires = Math.floor((now + ttl) / 1000);
  const record: SessionRecord = {
    ...identity,
    roles: expandRoles(identity.roles),
    rolesFrom: roleConfigFingerprint(deps.config),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(expires * 1000).toISOString(),
  };
  await deps.access.createSession(sessionId, record, options);
  const key = await getSigningKey(deps.secrets, SECRET_NAMES.sessionSigningKey, options);
  const value = `${sessionId}.${expires}`;
  return sessionCookie(deps.config, `${value}.${sign(key, value)}`, Math.floor(ttl / 1000));
}

/** The session's id when the cookie is well-formed, correctly signed and not expired; else `undefined`. */
async function verifiedSessionId(deps: SessionDeps, headers: HeaderSource, options: { now?: number; abortSignal?: AbortSignal }) {
  const cookie = readCookie(headers, sessionCookieName(deps.config));
  const [sessionId, expires, signature, extra] = cookie?.split(".") ?? [];
  if (!sessionId || !expires || !signature || extra !== undefined || !/^\d{1,12}$/.test(expires)) return undefined;
  if (Number(expires) * 1000 <= (options.now ?? Date.now())) return undefined;
  const key = await getSigningKey(deps.secrets, SECRET_NAMES.sessionSigningKey, options);
  const expected = Buffer.from(sign(key, `${sessionId}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return sessionId;
}

/** The signed-in person of a session cookie, or `undefined` (no cookie, tampered, expired, signed out). */
export async function readSession(
  deps: SessionDeps,
  headers: HeaderSource,
  options: { now?: number; abortSignal?: AbortSignal } = {},
): Promise<Principal | undefined> {
  const sessionId = await verifiedSessionId(deps, headers, options);
  if (!sessionId) return undefined;
  const session = await deps.access.getSession(sessionId, options);
  if (!session || session.rolesFrom !== roleConfigFingerprint(deps.config)) return undefined;
  return { identityProvider: session.provider, userId: session.userId, userDetails: session.login, roles: session.roles };
}

/** Ends the session named by the cookie (if any) and returns the cookie that clears it. */
export async function endSession(deps: SessionDeps, headers: HeaderSource, options: { abortSignal?: AbortSignal } = {}): Promise<ResponseCookie> {
  const sessionId = await verifiedSessionId(deps, headers, options);
  if (sessionId) await deps.access.deleteSession(sessionId, options);
  return clearedSessionCookie(deps.config);
}

/** What the roles of a session depend on in configuration. */
export function roleConfigFingerprint(config: Config): string {
  const { roleRules, authRepositoryRoles } = config;
  return createHash("sha256").update(JSON.stringify({ roleRules, authRepositoryRoles })).digest("base64url").slice(0, 22);
}

function sign(key: string, value: string): string {
  return createHmac("sha256", key).update(value).digest("base64url");
}
