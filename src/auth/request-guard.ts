// The browser-facing rules every mode shares, checked before identity: a request must name a host this server
// answers for (DNS rebinding), a state-changing request must come from our own pages (CSRF), and a JSON route
// takes only JSON (a cross-site form or `text/plain` POST is a "simple" request that no preflight stops).
// https://owasp.org/www-community/attacks/csrf · https://web.dev/articles/fetch-metadata
import type { Config } from "../config.js";
import { ForbiddenError, MisdirectedRequestError, UnsupportedMediaTypeError } from "../errors.js";
import type { HeaderSource } from "./principal.js";

/** How a route's request body is read: JSON (the default), raw bytes (file upload), or a signed webhook. */
export type BodyKind = "json" | "bytes" | "webhook";

export interface GuardedRequest {
  method: string;
  headers: HeaderSource;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * Host names this server answers for, in every mode but `swa` in Azure (there App Service authentication lets
 * only the linked Static Web App in). With the SWA emulator on loopback it matters most: a rebound page would
 * otherwise be "same-origin" and could send its own principal header.
 */
export function allowedHostNames(config: Config): Set<string> {
  const names = new Set([...LOOPBACK_HOSTS, ...config.allowedHosts]);
  names.add(new URL(config.publicUrl).hostname.toLowerCase());
  return names;
}

/** The host name of a Host header value (`example.com:8080` → `example.com`, `[::1]:80` → `[::1]`). */
export function hostNameOf(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  return value.replace(/:\d+$/, "");
}

/** Before identity: the host (local and github modes) and, for unsafe methods, the origin. */
export function guardRequest(request: GuardedRequest, body: BodyKind, config: Config, allowedHosts: Set<string>): void {
  const { headers } = request;
  if (config.authMode !== "swa" || config.authSwaEmulator) {
    const host = headers.get("host");
    if (!host || !allowedHosts.has(hostNameOf(host))) {
      throw new MisdirectedRequestError(
        `This server does not answer for the host "${(host ?? "").slice(0, 100)}". Open it at ${config.publicUrl}, ` +
          "or add the name to ALLOWED_HOSTS.",
      );
    }
  }
  const method = request.method.toUpperCase();
  // A webhook carries no ambient credential (no cookie or principal is read for it): its HMAC is its proof.
  if (SAFE_METHODS.has(method) || body === "webhook") return;
  assertSameOrigin(headers, config);
}

/** After the role check (a stranger learns 401/403 first): an unsafe JSON route takes JSON or no body at all. */
export function guardBody(request: GuardedRequest, body: BodyKind): void {
  if (body === "json" && !SAFE_METHODS.has(request.method.toUpperCase())) assertJsonBody(request.headers);
}

function assertSameOrigin(headers: HeaderSource, config: Config): void {
  const refused = () =>
    new ForbiddenError("Cross-site request refused: change things from funcspace's own pages.", { code: "cross_site" });
  // Fetch metadata first: every current browser sends it, and a page cannot forge it.
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw refused();
  const origin = headers.get("origin");
  if (origin === null) return; // not a browser (curl, the CLI, tests): nothing ambient to abuse
  if (origin === "null") throw refused();
  // PUBLIC_URL's origin, or the host the request names under PUBLIC_URL's scheme (loopback names under npm
  // start, a proxy's public name): never the http:// twin of an https deployment.
  const publicUrl = new URL(config.publicUrl);
  const allowed = new Set([publicUrl.origin]);
  for (const name of ["host", "x-forwarded-host"]) {
    const host = headers.get(name)?.split(",")[0]?.trim().toLowerCase();
    if (host) allowed.add(`${publicUrl.protocol}//${host}`);
  }
  if (!allowed.has(origin.toLowerCase())) throw refused();
}

function assertJsonBody(headers: HeaderSource): void {
  const type = headers.get("content-type");
  const length = headers.get("content-length");
  const hasBody = (length !== null && length !== "0") || headers.get("transfer-encoding") !== null;
  if (type === null ? !hasBody : /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) return;
  throw new UnsupportedMediaTypeError('Send the body as JSON with "Content-Type: application/json".', { code: "json_required" });
}

/** Headers on every API answer: no sniffing, no framing, no caching, nothing runs if a file is opened directly. */
export function securityHeaders(config: Config): Record<string, string> {
  return {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
    "cross-origin-resource-policy": "same-origin",
    ...(config.publicUrl.startsWith("https:") ? { "strict-transport-security": "max-age=31536000" } : {}),
  };
}
