// The first admin of a self-hosted funcspace (AUTH_MODE=github), before any GitHub App exists to sign in
// with: a one-time code printed in the server log (as Jenkins and Grafana do). Every instance derives the same
// code from the session key and the current generation (a row in the access table), so whichever log the
// operator reads, the code works; using it marks the generation used (an ETag-conditional write, so two
// requests cannot both win). A used code is replaced at the next start while no App is registered.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { getSigningKey } from "../../src/auth/signing-key.js";
import { issueSession } from "../../src/auth/sessions.js";
import type { ResponseCookie } from "../../src/auth/cookies.js";
import { SECRET_NAMES } from "../../src/azure/secret-names.js";
import { ConflictError, ForbiddenError } from "../../src/errors.js";
import { getAppCredentials } from "../app-credentials.js";
import type { AbortOptions, GitHubAppDeps } from "../github-app-deps.js";

/** A setup session lasts an hour: long enough to create the App, short for an admin nobody can name. */
const SETUP_SESSION_TTL_IN_MS = 60 * 60_000;
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Setup is needed while no App is registered (nobody could sign in with GitHub). Reads only. */
export async function isSetupRequired(deps: GitHubAppDeps, options: AbortOptions = {}): Promise<boolean> {
  return (await getAppCredentials(deps.secrets, options)) === undefined;
}

/**
 * While no App is registered: the current setup code (a new one when there is none or it was used), for the
 * log. `undefined` once an App exists (sign in with GitHub instead).
 */
export async function getSetupCode(deps: GitHubAppDeps, options: AbortOptions = {}): Promise<string | undefined> {
  if (await getAppCredentials(deps.secrets, options)) return undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.access.getSetupGeneration(options);
    if (current && !current.usedAt) return deriveCode(deps, current.generation, options);
    const generation = randomBytes(16).toString("base64url");
    if (await deps.access.putSetupGeneration(generation, current?.etag, options)) return deriveCode(deps, generation, options);
  }
  throw new Error("the setup code could not be created: another instance keeps replacing it");
}

/** Exchanges the setup code for a one-hour admin session; the code then stops working. */
export async function redeemSetupCode(deps: GitHubAppDeps, code: unknown, options: AbortOptions = {}): Promise<ResponseCookie> {
  if (await getAppCredentials(deps.secrets, options)) {
    throw new ConflictError("Setup is done: the GitHub App exists. Sign in with GitHub.", { code: "setup_done" });
  }
  const refused = new ForbiddenError("That setup code is not valid (or was used already). Copy the current one from the server log.", {
    code: "invalid_setup_code",
  });
  if (typeof code !== "string" || code.length > 64) throw refused;
  const current = await deps.access.getSetupGeneration(options);
  if (!current || current.usedAt) throw refused;
  const expected = Buffer.from(normalize(await deriveCode(deps, current.generation, options)));
  const given = Buffer.from(normalize(code));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused;
  if (!(await deps.access.useSetupGeneration(current.generation, options))) throw refused;
  deps.logger.info({}, "setup code used: a one-hour admin session started");
  return issueSession(deps, { userId: "setup", login: "setup (one-time code)", provider: "setup", roles: ["admin"] }, {
    ...options,
    ttlInMs: SETUP_SESSION_TTL_IN_MS,
  });
}

async function deriveCode(deps: GitHubAppDeps, generation: string, options: AbortOptions): Promise<string> {
  const key = await getSigningKey(deps.secrets, SECRET_NAMES.sessionSigningKey, options);
  const digest = createHmac("sha256", key).update(`setup-code:${generation}`).digest();
  let code = "";
  for (let i = 0; i < 12; i++) code += ALPHABET[digest[i]! % ALPHABET.length];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

function normalize(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, "");
}
