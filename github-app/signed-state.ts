// The `state` of the manifest and connect redirects: an HMAC-signed, expiring token that carries its
// purpose, the user who started the flow and a little data. GitHub hands it back unchanged, so the
// callback knows the round trip started here, for this purpose, recently, by this user, in this browser
// (the hash of the flow cookie's nonce: a link started in an attacker's browser and finished in the victim's
// is refused), and only once (its nonce is recorded as used).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getSigningKey } from "../src/auth/signing-key.js";
import { SECRET_NAMES } from "../src/azure/secret-names.js";
import type { SecretStore } from "../src/azure/secret-store.js";
import { BadRequestError } from "../src/errors.js";
import type { AbortOptions } from "./github-app-deps.js";

export type StatePurpose = "manifest" | "connect" | "authorize" | "sign-in" | "propose";

export interface StateClaims<D> {
  purpose: StatePurpose;
  /** The user who started the flow (principal user id). */
  user: string;
  /** The flow cookie's nonce of the browser that started it (src/auth/cookies.ts). */
  browser: string;
  data: D;
}

export interface CreateStateOptions extends AbortOptions {
  ttlInMs?: number;
  now?: number;
}

const DEFAULT_TTL_IN_MS = 10 * 60_000;

/** Signs `claims` with the state key (created on first use) and an expiry. */
export async function createSignedState<D>(
  secrets: SecretStore,
  claims: StateClaims<D>,
  options: CreateStateOptions = {},
): Promise<string> {
  const key = await getStateKey(secrets, options);
  const body = Buffer.from(
    JSON.stringify({
      p: claims.purpose,
      u: claims.user,
      b: browserHash(claims.browser),
      d: claims.data,
      n: randomBytes(12).toString("base64url"),
      exp: (options.now ?? Date.now()) + (options.ttlInMs ?? DEFAULT_TTL_IN_MS),
    }),
  ).toString("base64url");
  return `${body}.${sign(key, body)}`;
}

/**
 * Checks signature, purpose, user and expiry; throws a 400 that says what to do (start again) without
 * saying which check failed.
 */
export async function verifySignedState<D>(
  secrets: SecretStore,
  state: string | null | undefined,
  expected: { purpose: StatePurpose; user: string; browser: string | undefined },
  options: AbortOptions & { now?: number; useOnce?: (nonce: string) => Promise<boolean> } = {},
): Promise<D> {
  const refused = new BadRequestError(
    "This GitHub sign-in link is invalid or has expired. Start again from the funcspace settings page.",
    { code: "invalid_state" },
  );
  if (!state || state.length > 4096) throw refused;
  const [body, signature, extra] = state.split(".");
  if (!body || !signature || extra !== undefined) throw refused;
  const key = await getStateKey(secrets, options);
  const expectedSignature = Buffer.from(sign(key, body));
  const given = Buffer.from(signature);
  if (given.length !== expectedSignature.length || !timingSafeEqual(given, expectedSignature)) throw refused;
  let parsed: { p?: unknown; u?: unknown; b?: unknown; n?: unknown; d?: unknown; exp?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    throw refused;
  }
  if (parsed.p !== expected.purpose || parsed.u !== expected.user) throw refused;
  if (!expected.browser || parsed.b !== browserHash(expected.browser)) throw refused;
  if (typeof parsed.exp !== "number" || parsed.exp < (options.now ?? Date.now())) throw refused;
  if (options.useOnce && (typeof parsed.n !== "string" || !(await options.useOnce(parsed.n)))) throw refused;
  return parsed.d as D;
}

/**
 * The purpose a state claims, unverified: only for a callback shared by two flows to pick the one that then
 * verifies it in full (sign-in and proposals share GitHub's one registered callback URL).
 */
export function peekStatePurpose(state: string | null | undefined): string | undefined {
  const body = state?.split(".")[0];
  if (!body || body.length > 4096) return undefined;
  try {
    const purpose = (JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { p?: unknown }).p;
    return typeof purpose === "string" ? purpose : undefined;
  } catch {
    return undefined;
  }
}

function browserHash(nonce: string): string {
  return createHash("sha256").update(nonce).digest("base64url");
}

function sign(key: string, body: string): string {
  return createHmac("sha256", key).update(body).digest("base64url");
}

function getStateKey(secrets: SecretStore, options: AbortOptions): Promise<string> {
  return getSigningKey(secrets, SECRET_NAMES.stateSigningKey, options);
}
