// How a trigger is declared: once, with everything both hosts need (name, methods, route, role, handler).
// `functions/index.ts` registers these with the Functions host; `local/` serves the very same list.
// The wrappers below are the only code between a host and a handler: auth, error mapping, logging.
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { Config } from "../src/config.js";
import { authenticate } from "../src/auth/authenticate.js";
import { requireRole, type Principal, type Role } from "../src/auth/principal.js";
import { allowedHostNames, guardBody, guardRequest, securityHeaders, type BodyKind } from "../src/auth/request-guard.js";
import { toErrorResponse } from "../src/errors.js";
import type { Logger } from "../src/logger.js";
import { renderErrorPage, wantsPage, type ErrorPage } from "./error-page.js";
import type { Services } from "./services.js";
import { contextFromTraceparent, recordMetric, SpanKind, withSpan } from "../src/telemetry/telemetry.js";
import { ATTRIBUTES, METRICS } from "../src/telemetry/telemetry-names.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";

export interface HandlerContext {
  services: Services;
  invocation: InvocationContext;
  /** A child logger tagged with the function name and invocation id. */
  log: Logger;
}

export interface HttpHandlerContext extends HandlerContext {
  principal: Principal | undefined;
}

export interface HttpTrigger {
  kind: "http";
  name: string;
  methods: HttpMethod[];
  /** Route template after the `api/` prefix, Functions syntax: `workspace/files/{*path}`, `runs/{id}`. */
  route: string;
  /** Who may call it (src/auth/roles.ts). Every route declares one; test/route-roles.test.ts lists them all. */
  role: Role;
  /** How the body is read (default `json`: unsafe methods must send JSON or nothing; see src/auth/request-guard.ts). */
  body?: BodyKind;
  /**
   * Where a browser lands (GitHub's redirects back): a refusal or failure answers a browser (Accept: text/html)
   * with a page that says what to do (./error-page.ts); other callers get the JSON error as everywhere.
   */
  errorPage?: ErrorPage;
  handler: (request: HttpRequest, context: HttpHandlerContext) => Promise<HttpResponseInit>;
}

export interface QueueTrigger {
  kind: "queue";
  name: string;
  queueName: string;
  /** `message` is the decoded body: parsed JSON when it is JSON, else the string. */
  handler: (message: unknown, context: HandlerContext) => Promise<void>;
}

export interface TimerTrigger {
  kind: "timer";
  name: string;
  /** NCRONTAB (six fields, seconds first), read from the parsed configuration by both hosts. */
  schedule: (config: Config) => string;
  handler: (timer: Timer, context: HandlerContext) => Promise<void>;
}

export type Trigger = HttpTrigger | QueueTrigger | TimerTrigger;

export const defineHttp = (trigger: Omit<HttpTrigger, "kind">): HttpTrigger => ({ kind: "http", ...trigger });
export const defineQueue = (trigger: Omit<QueueTrigger, "kind">): QueueTrigger => ({ kind: "queue", ...trigger });
export const defineTimer = (trigger: Omit<TimerTrigger, "kind">): TimerTrigger => ({ kind: "timer", ...trigger });

function childLogger(services: Services, name: string, invocation: InvocationContext): Logger {
  return services.logger.child({ function: name, invocationId: invocation.invocationId });
}

/** Runs an HTTP trigger: principal, role check, handler; every error becomes its mapped JSON answer. */
export async function invokeHttp(
  trigger: HttpTrigger,
  request: HttpRequest,
  invocation: InvocationContext,
  services: Services,
): Promise<HttpResponseInit> {
  // One request span per invocation, named by the route template: never the concrete URL, whose query may carry
  // an OAuth code or state. The host's traceparent (Azure) is its parent when present.
  return withSpan(
    `${request.method} /api/${trigger.route}`,
    {
      kind: SpanKind.SERVER,
      parent: contextFromTraceparent(invocation.traceContext?.traceParent),
      attributes: { "http.request.method": request.method, "http.route": `/api/${trigger.route}`, [ATTRIBUTES.functionName]: trigger.name },
    },
    async (span) => {
      const response = await answerHttp(trigger, request, invocation, services);
      span?.setAttribute("http.response.status_code", response.status ?? 200);
      return response;
    },
  );
}

async function answerHttp(
  trigger: HttpTrigger,
  request: HttpRequest,
  invocation: InvocationContext,
  services: Services,
): Promise<HttpResponseInit> {
  // The child logger is made on first use: pino runs its redaction over a child's bindings (tens of KB of
  // garbage per request), and most requests never log.
  let log: Logger | undefined;
  const getLog = () => (log ??= childLogger(services, trigger.name, invocation));
  const { config } = services;
  try {
    const body = trigger.body ?? "json";
    guardRequest(request, body, config, hostNamesOf(services));
    // A webhook proves itself by its signature; no cookie or identity header is ever read for it.
    const principal = body === "webhook" || trigger.role === "anonymous" && trigger.name === "health"
      ? undefined
      : await authenticate(request.headers, services);
    requireRole(principal, trigger.role);
    guardBody(request, body);
    const result = await trigger.handler(request, {
      services,
      invocation,
      principal,
      get log() {
        return getLog();
      },
    });
    return withSecurityHeaders(result, config);
  } catch (error) {
    const response = toErrorResponse(error);
    if (response.status >= 500) getLog().error({ err: error, method: request.method }, "request failed");
    else if (services.logger.isLevelEnabled("debug")) getLog().debug({ status: response.status, code: response.body.error }, "request refused");
    if (trigger.errorPage && wantsPage(request.headers.get("accept"))) {
      const page = renderErrorPage(error, trigger.errorPage, { publicUrl: config.publicUrl });
      const answer = withSecurityHeaders({ status: page.status, headers: page.headers, body: page.body }, config);
      // The page's own policy (its stylesheet's hash) replaces the API's `default-src 'none'`.
      return { ...answer, headers: { ...(answer.headers as Record<string, string>), "content-security-policy": page.headers["content-security-policy"]! } };
    }
    return withSecurityHeaders({ status: response.status, headers: response.headers, jsonBody: response.body }, config);
  }
}

const hostNames = new WeakMap<Services, Set<string>>();

function hostNamesOf(services: Services): Set<string> {
  let names = hostNames.get(services);
  if (!names) hostNames.set(services, (names = allowedHostNames(services.config)));
  return names;
}

/** Adds the security headers (and `cache-control: no-store` unless the handler chose) to an answer. */
function withSecurityHeaders(result: HttpResponseInit, config: Config): HttpResponseInit {
  const headers = new Headers(result.headers as HeadersInit | undefined);
  for (const [name, value] of Object.entries(securityHeaders(config))) headers.set(name, value);
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  const merged: Record<string, string> = {};
  headers.forEach((value, name) => (merged[name] = value));
  return { ...result, headers: merged };
}

/** Runs a queue trigger. Errors are logged and rethrown: the host's redelivery (then poison) is the retry. */
export async function invokeQueue(
  trigger: QueueTrigger,
  message: unknown,
  invocation: InvocationContext,
  services: Services,
): Promise<void> {
  const log = childLogger(services, trigger.name, invocation);
  const dequeueCount = invocation.triggerMetadata?.dequeueCount;
  const insertedAt = Date.parse(String(invocation.triggerMetadata?.insertionTime ?? ""));
  if (Number.isFinite(insertedAt)) recordMetric(METRICS.queueAge, Math.max(0, Date.now() - insertedAt), { queue: trigger.queueName });
  // The job's span continues the trace of whoever queued it (a webhook delivery's traceparent travels in the
  // message: src/azure/storage.ts sendJsonMessage), so a push and its sync share one operation id.
  const carried = typeof message === "object" && message !== null ? (message as { traceparent?: unknown }).traceparent : undefined;
  const parent = contextFromTraceparent(carried) ?? contextFromTraceparent(invocation.traceContext?.traceParent);
  await withSpan(
    `queue ${trigger.queueName}`,
    {
      kind: SpanKind.CONSUMER,
      parent,
      attributes: {
        [ATTRIBUTES.functionName]: trigger.name,
        "messaging.destination.name": trigger.queueName,
        "messaging.message.delivery_count": Number(dequeueCount ?? 1),
        // The Azure Monitor exporter names a CONSUMER span's request only from this attribute (else it is blank).
        "ai.operation.name": `queue ${trigger.queueName}`,
      },
    },
    async () => {
      try {
        await trigger.handler(message, { services, invocation, log });
      } catch (error) {
        log.error({ err: error, dequeueCount }, "queue message failed");
        throw error;
      }
    },
  );
}

export async function invokeTimer(
  trigger: TimerTrigger,
  timer: Timer,
  invocation: InvocationContext,
  services: Services,
): Promise<void> {
  const log = childLogger(services, trigger.name, invocation);
  await withSpan(
    `timer ${trigger.name}`,
    { kind: SpanKind.SERVER, parent: contextFromTraceparent(invocation.traceContext?.traceParent), attributes: { [ATTRIBUTES.functionName]: trigger.name } },
    async () => {
      try {
        await trigger.handler(timer, { services, invocation, log });
      } catch (error) {
        log.error({ err: error }, "timer failed");
        throw error;
      }
    },
  );
}
