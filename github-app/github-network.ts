// An Octokit plugin for the network under every GitHub call: a deadline per attempt (a silent connection must
// not hold a sync or a request for minutes), and a host that cannot be reached (DNS, refused, no route) reported
// at once as "cannot reach GitHub" instead of being retried for ~15 s by @octokit/plugin-retry and then read as
// "status 500". Register it before the retry plugin (`Octokit.plugin(githubNetwork, retry)`): its hook is then the
// innermost, so it runs once per attempt and its unreachable error (not a RequestError) is never retried.
import type { Octokit } from "@octokit/core";
import type { OctokitOptions } from "@octokit/core/types";
import { UnreachableError } from "../src/errors.js";

/** How long one attempt may wait for GitHub's answer (its headers; a streamed body has its own stall timer). */
export const GITHUB_ATTEMPT_TIMEOUT_IN_MS = 30_000;

/** Socket error codes that say the host is not there at all: another attempt a second later will not help. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
/** Codes of a connection that was made and then broke off: worth another attempt. */
const DROPPED_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ETIMEDOUT"]);

export interface GitHubNetworkOptions {
  /** Per-attempt deadline (default GITHUB_ATTEMPT_TIMEOUT_IN_MS). */
  githubTimeoutInMs?: number;
}

export function githubNetwork(octokit: Octokit, options: OctokitOptions & GitHubNetworkOptions = {}): Record<string, never> {
  const timeoutInMs = options.githubTimeoutInMs ?? GITHUB_ATTEMPT_TIMEOUT_IN_MS;
  octokit.hook.wrap("request", async (request, requestOptions) => {
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
        throw new UnreachableError(`cannot reach GitHub (${hostOf(requestOptions.url, requestOptions.baseUrl)}: ${code}); check the network, DNS and GITHUB_API_URL.`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
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
  if (code && UNREACHABLE_CODES.has(code)) return `cannot reach GitHub (${code}); check the network, DNS and GITHUB_API_URL.`;
  return undefined;
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
