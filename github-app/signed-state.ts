// The `state` of the manifest and connect redirects: an HMAC-signed, expiring token that carries its
// purpose, the user who started the flow and a little data. GitHub hands it back unchanged, so the
// callback knows the round trip started here, for this purpose, recently, by this user.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { SECRET_NAMES } from "../src/azure/secret-names.js";
import type { SecretStore } from "../src/azure/secret-store.js";
import { BadRequestError } from "../src/errors.js";
import type { AbortOptions } from "./github-app-deps.js";

export type StatePurpose = "manifest" | "connect" | "authorize";

export interface StateClaims<D> {
  purpose: StatePurpose;
  /** The user who started the flow (principal user id). */
  user: string;
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
  expected: { purpose: StatePurpose; user: string },
  options: AbortOptions & { now?: number } = {},
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
  let parsed: { p?: unknown; u?: unknown; d?: unknown; exp?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    throw refused;
  }
  if (parsed.p !== expected.purpose || parsed.u !== expected.user) throw refused;
  if (typeof parsed.exp !== "number" || parsed.exp < (options.now ?? Date.now())) throw refused;
  return parsed.d as D;
}

function sign(key: string, body: string): string {
  return createHmac("sha256", key).update(body).digest("base64url");
}

async function getStateKey(secrets: SecretStore, options: AbortOptions): Promise<string> {
  const existing = await secrets.get(SECRET_NAMES.stateSigningKey, options);
  if (existing) return existing;
  await secrets.set(SECRET_NAMES.stateSigningKey, randomBytes(32).toString("base64url"), options);
  // Read back: if another instance created one at the same moment, both use whichever was stored last.
  const stored = await secrets.get(SECRET_NAMES.stateSigningKey, options);
  if (!stored) throw new Error("the state signing key could not be stored");
  return stored;
}
