// The one request handler: log, faults, area (API / web / raw), authentication, rate-limit headers, route.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Credential } from "./access.js";
import type { FailOptions } from "./faults.js";
import { baseApiHeaders, DOCS, HttpError, sendError, sendHtml } from "./http-kit.js";
import { decodeParams, type RequestContext, type Route } from "./route.js";
import type { StandInState } from "./stand-in-state.js";

export function createDispatcher(state: StandInState, routes: Route[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    dispatch(state, routes, req, res).catch((error: unknown) => {
      // Only a broken connection gets here: everything else was answered by dispatch.
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy(error instanceof Error ? error : undefined);
    });
  };
}

async function dispatch(state: StandInState, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", state.webUrl);
  const method = (req.method ?? "GET").toUpperCase();
  // The repositories' own push reports are machinery, not GitHub traffic: no log entry, no faults.
  const internal = url.pathname.startsWith("/_stand-in/");
  const at = Date.now();
  if (!internal) res.once("close", () => state.requests.push({ method, path: url.pathname, status: res.statusCode, at, durationMs: Date.now() - at }));

  const area = areaOf(state, url.pathname);
  const ctx: RequestContext = {
    req,
    res,
    url,
    path: area === "api" ? url.pathname.slice(state.apiPrefix.length) || "/" : url.pathname,
    state,
    headers: area === "api" ? baseApiHeaders() : {},
  };
  try {
    const delay = internal ? 0 : state.faults.takeLatency(url.pathname);
    if (delay > 0) await sleep(delay);
    if (!internal && state.faults.takeConnectionDrop(url.pathname)) {
      req.socket.destroy();
      return;
    }
    if (area === "api") authenticate(ctx);
    const fault = internal ? undefined : state.faults.takeFailure(method, url.pathname);
    if (fault) throw faultError(fault);
    const candidates = routes.filter((route) => route.area === area);
    for (const route of candidates) {
      const match = route.pattern.exec(ctx.path);
      if (match && route.method === method) {
        await route.handle(ctx, decodeParams(match));
        return;
      }
    }
    throw new HttpError(404, "Not Found");
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const httpError = error instanceof HttpError ? error : new HttpError(500, "Server Error");
    if (!(error instanceof HttpError)) console.error("github stand-in: handler failed", error);
    if (area === "web") sendHtml(res, httpError.status, `<html><body><h1>${httpError.status}</h1><p>${httpError.message}</p></body></html>`);
    else sendError(req, res, httpError, ctx.headers);
  }
}

function areaOf(state: StandInState, pathname: string): Route["area"] {
  if (pathname === state.apiPrefix || pathname.startsWith(`${state.apiPrefix}/`)) return "api";
  if (pathname.startsWith("/_codeload/") || pathname.startsWith("/_stand-in/")) return "raw";
  return "web";
}

const jwtShape = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

/** `Authorization: token X` or `Bearer X`. Unknown, revoked or expired (installation and user tokens) → 401 "Bad credentials", as GitHub. */
function authenticate(ctx: RequestContext): void {
  const header = ctx.req.headers.authorization;
  let credential: Credential | undefined;
  let key = `anonymous:${ctx.req.socket.remoteAddress ?? ""}`;
  if (header) {
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (!token) throw badCredentials();
    key = createHash("sha256").update(token).digest("hex");
    if (jwtShape.test(token)) {
      ctx.jwt = token;
    } else {
      credential = ctx.state.tokens.get(token);
      if (!credential) throw badCredentials();
      if (credential.kind === "installation") {
        const installation = ctx.state.lookups.installation(credential.installationId);
        if (!installation || credential.expiresAt.getTime() <= Date.now()) throw badCredentials();
        if (installation.suspended) throw new HttpError(403, "This installation has been suspended", { documentationUrl: DOCS });
      }
      if (credential.kind === "user-to-server" && credential.expiresAt && credential.expiresAt.getTime() <= Date.now()) throw badCredentials();
      ctx.credential = credential;
      if (credential.kind === "classic") ctx.headers["x-oauth-scopes"] = credential.scopes.join(", ");
    }
  }
  addRateLimitHeaders(ctx, key, header ? 5000 : 60);
}

function addRateLimitHeaders(ctx: RequestContext, key: string, limit: number): void {
  const now = Date.now();
  let window = ctx.state.rateLimits.get(key);
  if (!window || window.resetAt <= now) {
    window = { used: 0, resetAt: now + 3600_000 };
    ctx.state.rateLimits.set(key, window);
  }
  const counted = window;
  Object.assign(ctx.headers, {
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(Math.max(0, limit - counted.used - 1)),
    "x-ratelimit-reset": String(Math.floor(counted.resetAt / 1000)),
    "x-ratelimit-used": String(counted.used + 1),
    "x-ratelimit-resource": "core",
  });
  // A 304 to a conditional request does not count against the limit.
  ctx.res.once("finish", () => {
    if (ctx.res.statusCode !== 304) counted.used++;
  });
}

function badCredentials(): HttpError {
  return new HttpError(401, "Bad credentials", { documentationUrl: DOCS });
}

function faultError(fault: FailOptions): HttpError {
  const reset = String(Math.floor(Date.now() / 1000) + 60);
  if (fault.rateLimit === "primary") {
    return new HttpError(fault.status, fault.message ?? "API rate limit exceeded for user ID 1.", {
      documentationUrl: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
    });
  }
  if (fault.rateLimit === "secondary" || fault.status === 429) {
    return new HttpError(fault.status, fault.message ?? "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", {
      documentationUrl: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      headers: { "retry-after": "60" },
    });
  }
  return new HttpError(fault.status, fault.message ?? STATUS_CODES[fault.status] ?? "Error");
}
