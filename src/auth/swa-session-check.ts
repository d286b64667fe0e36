// `swa` mode's second witness. The `x-ms-client-principal` header is plain base64 that anything able to reach the
// Functions host's port can write, and in the container workflow code shares that network (App Service
// authentication on Linux runs in front of the container, not inside it). So the header is not believed: the
// caller's cookies are shown to the Static Web App's own `/.auth/me`, which answers with the principal of the
// session they belong to (learn.microsoft.com/azure/static-web-apps/user-information, "Direct-access endpoint").
// SWA's session cookie is sealed by SWA: a workflow can neither read one (it never sees a request) nor make one.
//
// - Only the cookies go out, only to the configured URL (PUBLIC_URL's `/.auth/me` by default: the origin the
//   browser sent them to), never a URL taken from the request.
// - Answers are kept for `ttlMs` (60 s) by a hash of the cookies, so a page's burst of calls costs one check;
//   signing out or losing a role takes effect within that time.
// - At most `concurrency` checks are in flight; a flood of made-up cookies waits in line and caches nothing.
// - SWA unreachable or answering nonsense: 503 with the reason, never a guess.
import { createHash } from "node:crypto";
import pLimit from "p-limit";
import { ServiceUnavailableError } from "../errors.js";
import { parseSwaPrincipal, type Principal } from "./principal.js";

export interface SwaSessionCheckOptions {
  /** `https://<static web app>/.auth/me`. */
  url: string;
  ttlMs?: number;
  maxEntries?: number;
  concurrency?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

interface Entry {
  principal: Principal | undefined;
  expires: number;
}

export class SwaSessionCheck {
  readonly url: string;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Principal | undefined>>();
  /** Calls made to `/.auth/me` (tests and health read it). */
  checks = 0;

  constructor(options: SwaSessionCheckOptions) {
    this.url = options.url;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.limit = pLimit(options.concurrency ?? 8);
  }

  /** The principal SWA confirms for these cookies; `undefined` when there are none or SWA knows no session. */
  async principalFor(cookieHeader: string | null): Promise<Principal | undefined> {
    if (!cookieHeader || cookieHeader.length > 16_384) return undefined;
    const key = createHash("sha256").update(cookieHeader).digest("base64url");
    const cached = this.entries.get(key);
    if (cached && cached.expires > this.now()) return cached.principal;
    if (cached) this.entries.delete(key);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.limit(() => this.ask(cookieHeader)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
      const principal = await pending;
      this.remember(key, principal);
      return principal;
    }
    return pending;
  }

  private remember(key: string, principal: Principal | undefined): void {
    // Only confirmed sessions are kept: an unknown cookie costs its sender a round trip every time, not our memory.
    if (!principal) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { principal, expires: this.now() + this.ttlMs });
  }

  private async ask(cookieHeader: string): Promise<Principal | undefined> {
    this.checks++;
    const where = new URL(this.url).host;
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        headers: { cookie: cookieHeader, accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === "TimeoutError" ? `no answer in ${this.timeoutMs} ms` : "it could not be reached";
      throw new ServiceUnavailableError(`Could not confirm your sign-in with Azure Static Web Apps (${where}/.auth/me): ${reason}. Try again in a moment.`);
    }
    const text = await response.text();
    if (response.status !== 200) {
      throw new ServiceUnavailableError(
        `Could not confirm your sign-in with Azure Static Web Apps (${where}/.auth/me answered ${response.status}). ` +
          "Check that PUBLIC_URL (or AUTH_SWA_CHECK_URL) names the Static Web App.",
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!body || typeof body !== "object" || !("clientPrincipal" in body)) {
      throw new ServiceUnavailableError(
        `Could not confirm your sign-in: ${where}/.auth/me did not answer like a Static Web App (no clientPrincipal). ` +
          "Check that PUBLIC_URL (or AUTH_SWA_CHECK_URL) names the Static Web App.",
      );
    }
    return parseSwaPrincipal((body as { clientPrincipal: unknown }).clientPrincipal);
  }
}
