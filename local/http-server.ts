// Serves the declared HTTP triggers on Node's http server, converting each request to the library's
// HttpRequest (streaming body, as with `enableHttpStream` in the real host) and the answer back.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { HttpRequestInit, HttpResponseInit, HttpRequest as FunctionsHttpRequest } from "@azure/functions";
import { HttpRequest, HttpResponse, InvocationContext } from "../functions/library.js";
import { invokeHttp, type HttpTrigger } from "../functions/define.js";
import type { Services } from "../functions/services.js";
import { peerUid } from "./peer-uid.js";
import { createRouter } from "./router.js";

export interface HttpServerOptions {
  triggers: readonly HttpTrigger[];
  services: Services;
  routePrefix: string;
  /** Extra handler tried before the API routes (e.g. static UI files); returns false to pass. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export function createHttpServer(options: HttpServerOptions): Server {
  const router = createRouter(options.triggers.map((t) => ({ template: t.route, value: t })));
  const prefix = `/${options.routePrefix.replace(/^\/|\/$/g, "")}`;
  const log = options.services.logger.child({ component: "local-http" });

  // Workflow code runs as its own user (src/runner/): its requests to this API are refused, whatever they carry.
  const runnerUid = options.services.engine.threads.uid;
  const peers = new WeakMap<object, Promise<number | undefined>>();

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url?.split("?")[0] }, "local host failed to answer");
      if (!res.headersSent) {
        sendJson(res, 500, { error: "internal", message: "The local host failed to answer; see its log." });
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    } catch {
      // A Host (or request target) no URL can hold: the sender's mistake, not ours.
      return sendJson(res, 400, { error: "bad_request", message: "The request's Host header or path is not valid." });
    }
    const path = url.pathname;
    if (path !== prefix && !path.startsWith(`${prefix}/`)) {
      if (options.fallback && (await options.fallback(req, res))) return;
      return sendJson(res, 404, { error: "not_found", message: `Nothing is served at ${path}.` });
    }
    if (runnerUid !== undefined) {
      let peer = peers.get(req.socket);
      if (!peer) peers.set(req.socket, (peer = peerUid(req.socket)));
      if ((await peer) === runnerUid) {
        return sendJson(res, 403, { error: "workflow_code", message: "Workflow code cannot call the funcspace API: it runs without the platform's authority." });
      }
    }
    const method = (req.method ?? "GET").toUpperCase();
    const matches = router.match(path.slice(prefix.length));
    const found = matches.find((m) => (m.route.value.methods as string[]).includes(method));
    if (!found) {
      if (matches.length === 0) return sendJson(res, 404, { error: "not_found", message: `No API route matches ${path}.` });
      const allowed = [...new Set(matches.flatMap((m) => m.route.value.methods))];
      res.setHeader("allow", allowed.join(", "));
      return sendJson(res, 405, { error: "method_not_allowed", message: `${method} is not allowed here: use ${allowed.join(" or ")}.` });
    }
    const trigger = found.route.value;
    const request = toHttpRequest(req, url, found.params, await readSmallBody(req));
    const invocation = new InvocationContext({
      invocationId: randomUUID(),
      functionName: trigger.name,
      logHandler: () => undefined,
      triggerMetadata: {},
    });
    const result = await invokeHttp(trigger, request, invocation, options.services);
    if (!(result instanceof HttpResponse) && sendBuffered(res, result, method)) return;
    if (!(result instanceof HttpResponse) && result.body instanceof Readable) {
      // A Node stream (a zip, a run's events) goes straight to the socket: through HttpResponse it would become a
      // web stream and back, a copy and two hops per chunk, per watcher.
      res.statusCode = result.status ?? 200;
      new Headers(result.headers).forEach((value, name) => res.setHeader(name, value));
      if (method === "HEAD") {
        result.body.destroy();
        res.end();
      } else {
        res.flushHeaders();
        await pipeline(result.body, res).catch(() => undefined);
      }
      return;
    }
    const response = result instanceof HttpResponse ? result : new HttpResponse(result);
    res.statusCode = response.status;
    response.headers.forEach((value, name) => res.setHeader(name, value));
    for (const cookie of response.cookies) res.appendHeader("set-cookie", serializeCookie(cookie));
    if (response.body && method !== "HEAD") {
      await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), res);
    } else {
      res.end();
    }
  }
}

/** Bodies announced at up to this size are read before the handler runs (see readSmallBody). */
const SMALL_BODY_BYTES = 64 * 1024;

/**
 * The body, read whole, when its Content-Length announces a small one (a webhook, a JSON call): a Buffer
 * body spares the request a web stream bridged from the socket, which cost more than a small handler
 * (bench/webhooks, trivial route). Anything else (large, chunked, no body) streams as before.
 */
async function readSmallBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const length = Number(req.headers["content-length"]);
  if (!Number.isInteger(length) || length <= 0 || length > SMALL_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  // Node's parser ends the body at its Content-Length: at most SMALL_BODY_BYTES arrive here.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return Buffer.concat(chunks, size);
}

/**
 * Builds the library's HttpRequest around a native Request whose body streams from the socket (or, small,
 * was read already). The
 * library's own streaming path (`enableHttpStream`) hands handlers the same shape; its public init type
 * only takes a buffered body, hence the cast to the internal `nativeRequest` field.
 */
function toHttpRequest(req: IncomingMessage, url: URL, params: Record<string, string>, small: Buffer | undefined): FunctionsHttpRequest {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = (req.method ?? "GET").toUpperCase();
  const hasBody = method !== "GET" && method !== "HEAD";
  const nativeRequest = new Request(url, {
    method,
    headers,
    body: !hasBody ? undefined : (small ?? (Readable.toWeb(req) as ReadableStream<Uint8Array>)),
    // Required by undici for a streaming request body.
    ...(hasBody && !small ? { duplex: "half" } : {}),
  } as RequestInit);
  return new HttpRequest({ nativeRequest, url: url.toString(), method, params } as unknown as HttpRequestInit);
}

// The library's HttpResponse (a fetch Response): bodiless statuses, and the content types it defaults to.
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * Writes a JSON, text or bytes answer directly, with the status, headers and cookies HttpResponse would give
 * it. Most answers are these, and building a fetch Response and piping its body stream back into Node costs
 * more than many handlers do. False (nothing written) for anything else: streams, blobs, an odd status.
 */
function sendBuffered(res: ServerResponse, init: HttpResponseInit, method: string): boolean {
  const status = init.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) return false;
  const headers = new Headers(init.headers);
  let body: string | Uint8Array | undefined;
  if (NULL_BODY_STATUSES.has(status)) {
    body = undefined;
  } else if (init.jsonBody !== undefined && init.jsonBody !== null) {
    body = JSON.stringify(init.jsonBody);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  } else if (typeof init.body === "string") {
    body = init.body;
    if (!headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
  } else if (init.body instanceof Uint8Array) {
    body = init.body;
  } else if (init.body !== undefined && init.body !== null) {
    return false;
  }
  res.statusCode = status;
  headers.forEach((value, name) => res.setHeader(name, value));
  for (const cookie of init.cookies ?? []) res.appendHeader("set-cookie", serializeCookie(cookie));
  res.end(method === "HEAD" ? undefined : body);
  return true;
}

function serializeCookie(cookie: import("@azure/functions").Cookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`];
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.expires) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.secure) parts.push("Secure");
  if (cookie.httpOnly) parts.push("HttpOnly");
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join("; ");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  });
  res.end(JSON.stringify(body));
}
