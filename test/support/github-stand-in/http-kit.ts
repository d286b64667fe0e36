// How the stand-in answers: GitHub's JSON, error bodies, ETags and conditional requests.
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const DOCS = "https://docs.github.com/rest";

/** Thrown by a handler; the dispatcher turns it into GitHub's error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: { headers?: Record<string, string>; documentationUrl?: string; errors?: unknown[] } = {},
  ) {
    super(message);
  }
}

export function notFound(documentationUrl = DOCS): HttpError {
  return new HttpError(404, "Not Found", { documentationUrl });
}

/** Headers every API answer carries, like api.github.com's. */
export function baseApiHeaders(): Record<string, string> {
  return {
    "x-github-api-version-selected": "2022-11-28",
    "x-github-media-type": "github.v3; format=json",
    "x-github-request-id": randomUUID().toUpperCase().slice(0, 23),
    vary: "Accept, Authorization, Cookie, X-GitHub-OTP",
    "access-control-expose-headers":
      "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset",
  };
}

/**
 * Sends compact JSON. A successful GET gets a weak ETag over the body; a matching `If-None-Match` gets a 304
 * with no body (GitHub does not count such a 304 against the rate limit: `onNotModified` lets the caller undo it).
 */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): boolean {
  const text = JSON.stringify(body);
  const all: Record<string, string> = { ...headers, "content-type": "application/json; charset=utf-8" };
  if (req.method === "GET" && status === 200) {
    const etag = `W/"${createHash("sha256").update(text).digest("hex").slice(0, 32)}"`;
    all.etag = etag;
    if (matchesEtag(req.headers["if-none-match"], etag)) {
      delete all["content-type"];
      res.writeHead(304, all).end();
      return true;
    }
  }
  res.writeHead(status, { ...all, "content-length": String(Buffer.byteLength(text)) }).end(text);
  return false;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}

export function sendError(req: IncomingMessage, res: ServerResponse, error: HttpError, headers: Record<string, string> = {}): void {
  const body: Record<string, unknown> = { message: error.message };
  if (error.extra.errors) body.errors = error.extra.errors;
  body.documentation_url = error.extra.documentationUrl ?? DOCS;
  body.status = String(error.status);
  sendJson(req, res, error.status, body, { ...headers, ...error.extra.headers });
}

export async function readBody(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limitBytes) throw new HttpError(413, "Payload too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A JSON object body, or GitHub's 400 "Problems parsing JSON". */
export async function readJsonBody(req: IncomingMessage, limitBytes?: number): Promise<Record<string, unknown>> {
  const raw = (await readBody(req, limitBytes)).toString("utf8");
  if (!raw.trim()) return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, "Problems parsing JSON");
}

/** Form (`application/x-www-form-urlencoded`) or JSON parameters, as GitHub's web endpoints accept both. */
export async function readParams(req: IncomingMessage): Promise<Record<string, string>> {
  const raw = (await readBody(req)).toString("utf8");
  if ((req.headers["content-type"] ?? "").includes("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw || "{}");
    } catch {
      throw new HttpError(400, "Problems parsing JSON");
    }
    if (!parsed || typeof parsed !== "object") throw new HttpError(400, "Problems parsing JSON");
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, "content-type": "text/html; charset=utf-8" }).end(`<html><body>You are being <a href="${escapeHtml(location)}">redirected</a>.</body></html>`);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(html);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
