// An Octokit plugin for the network under every GitHub call: a deadline per attempt (a silent connection must
// not hold a sync or a request for minutes), and a host that cannot be reached (DNS, refused, no route) reported
// at once as "cannot reach GitHub" instead of being retried for ~15 s by @octokit/plugin-retry and then read as
// "status 500". Register it before the retry plugin (`Octokit.plugin(githubNetwork, retry)`): its hook is then the
// innermost, so it runs once per attempt and its unreachable error (not a RequestError) is never retried.
// For checks a person waits for, `connectTimeoutInMs` first probes the host (name lookup and TCP connect, each
// bounded; ./probe-github-host.ts), once per client: fetch has no such deadline, and offline a lookup alone can
// take 15 s.
import type { Octokit } from "@octokit/core";
import type { OctokitOptions } from "@octokit/core/types";
import { UnreachableError } from "../src/errors.js";
import { traceDependency } from "../src/telemetry/trace-dependency.js";
import { probeGitHubHost } from "./probe-github-host.js";

/** How long one attempt may wait for GitHub's answer (its headers; a streamed body has its own stall timer). */
export const GITHUB_ATTEMPT_TIMEOUT_IN_MS = 30_000;

/** Socket error codes that say the host is not there at all: another attempt a second later will not help. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
/** Codes of a connection that was made and then broke off: worth another attempt. */
const DROPPED_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ETIMEDOUT"]);

export interface GitHubNetworkOptions {
  /** Per-attempt deadline (default GITHUB_ATTEMPT_TIMEOUT_IN_MS). */
  githubTimeoutInMs?: number;
  /**
   * Interactive checks: before the first request, the host must resolve and accept a connection within this
   * long (each); else "cannot reach <host>: …" at once. Unset: no probe (background work has its deadlines).
   */
  connectTimeoutInMs?: number;
}

export function githubNetwork(octokit: Octokit, options: OctokitOptions & GitHubNetworkOptions = {}): Record<string, never> {
  const timeoutInMs = options.githubTimeoutInMs ?? GITHUB_ATTEMPT_TIMEOUT_IN_MS;
  const { connectTimeoutInMs } = options;
  // One probe per client (a failed one is tried again by the next request).
  let probed: Promise<void> | undefined;
  octokit.hook.wrap("request", async (request, requestOptions) => {
    if (connectTimeoutInMs !== undefined) {
      const url = requestOptions.baseUrl ?? options.baseUrl;
      const callerSignal = requestOptions.request?.signal as AbortSignal | undefined;
      if (url) {
        probed ??= probeGitHubHost(url, { timeoutInMs: connectTimeoutInMs, abortSignal: callerSignal });
        await probed.catch((error: unknown) => {
          probed = undefined;
          throw error;
        });
      }
    }
    // Each attempt is one dependency, named by Octokit's route template (`GET /repos/{owner}/{repo}/git/trees/{tree_sha}`):
    // never the expanded URL, whose query a signed download link or an OAuth code could sit in.
    const dependency = { method: requestOptions.method, template: routeTemplate(requestOptions.url), host: hostOf(requestOptions.url, requestOptions.baseUrl), system: "GitHub" };
    return traceDependency(dependency, async () => {
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new DOMException(`GitHub did not answer within ${timeoutInMs / 1000} s`, "TimeoutError")),
        timeoutInMs,
      );
      const callerSignal = requestOptions.request?.signal as AbortSignal | undefined;
      const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
      try {
        return await request({ ...requestOptions, request: { ...requestOptions.request, signal } });
      } catch (error) {
        const code = networkCode(error);
        if (code && UNREACHABLE_CODES.has(code)) {
          throw new UnreachableError(unreachableMessage(hostOf(requestOptions.url, requestOptions.baseUrl), code), { cause: error });
        }
        throw error;
      } finally {
        clearTimeout(timer);
      }
    }, (response) => response.status);
  });
  return {};
}

/**
 * A sentence for a GitHub call that failed without an answer (dropped connection, deadline, unreachable), or
 * undefined when GitHub did answer (its status says what happened).
 */
export function describeNetworkFailure(error: unknown): string | undefined {
  if (error instanceof UnreachableError) return error.message;
  const code = networkCode(error);
  const cause = (error as { cause?: { name?: string; message?: string } } | null)?.cause;
  if (cause?.name === "TimeoutError") return `${cause.message ?? "GitHub did not answer in time"} (the request was given up)`;
  if (code && DROPPED_CODES.has(code)) return `the connection to GitHub dropped before the answer was complete (${code})`;
  if (code && UNREACHABLE_CODES.has(code)) return unreachableMessage("GitHub", code);
  return undefined;
}

/** "cannot reach api.github.com: DNS lookup failed (ENOTFOUND); check …": the host, what failed, the code. */
function unreachableMessage(host: string, code: string): string {
  return `cannot reach ${host}: ${describeSocketCode(code)} (${code}); check the network, DNS and GITHUB_API_URL.`;
}

/** What a socket error code means, in words (the code itself follows in brackets). */
export function describeSocketCode(code: string): string {
  switch (code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
      return "DNS lookup failed";
    case "ECONNREFUSED":
      return "connection refused";
    case "EHOSTUNREACH":
      return "no route to host";
    case "ENETUNREACH":
      return "network unreachable";
    case "ETIMEDOUT":
      return "the connection timed out";
    default:
      return "the connection failed";
  }
}

/** The socket-level code under an Octokit RequestError (its cause: fetch's TypeError, whose cause is the socket error). */
function networkCode(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === "string" && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(current.code)) return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

/** A route's template without any query, and an absolute URL's path only (a redirect target's query is a signature). */
export function routeTemplate(url: string | undefined): string {
  if (!url) return "/";
  const path = /^https?:\/\//i.test(url) ? safePathOf(url) : url;
  return path.split("?")[0] || "/";
}

function safePathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "/";
  }
}

function hostOf(url: string | undefined, baseUrl: string | undefined): string {
  for (const candidate of [url, baseUrl]) {
    try {
      if (candidate) return new URL(candidate).host;
    } catch {
      // a route template, not a URL
    }
  }
  return "GitHub";
}
