// One way to build an Octokit for GitHub's REST API: base URL from GITHUB_API_URL, a deadline per attempt and
// "cannot reach GitHub" at once (./github-network.ts), retries for transient failures (5xx, dropped
// connections) by @octokit/plugin-retry, and Octokit's log routed into our logger.
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import type { Logger } from "../src/logger.js";
import { githubNetwork } from "./github-network.js";
import { INTERACTIVE_CONNECT_TIMEOUT_IN_MS } from "./probe-github-host.js";

// githubNetwork first: its hook is the innermost, once per attempt (see github-network.ts).
const RetryingOctokit = Octokit.plugin(githubNetwork, retry);
export type GitHubClient = InstanceType<typeof RetryingOctokit>;

export type GitHubAuth =
  | { kind: "app"; appId: number; privateKey: string }
  | { kind: "token"; token: string }
  | { kind: "none" };

export interface CreateOctokitOptions {
  logger?: Logger;
  /**
   * A check someone is waiting for (PAT check, App callbacks): GitHub's host must resolve and accept a
   * connection within 3 s each, else "cannot reach <host>: …" at once (github-network.ts).
   */
  interactive?: boolean;
}

export function createOctokit(apiUrl: string, auth: GitHubAuth, options: CreateOctokitOptions = {}): GitHubClient {
  const log = options.logger?.child({ component: "octokit" });
  const common = {
    baseUrl: apiUrl,
    userAgent: "funcspace",
    ...(options.interactive ? { connectTimeoutInMs: INTERACTIVE_CONNECT_TIMEOUT_IN_MS } : {}),
    log: {
      debug: (message: string) => log?.debug(message),
      info: (message: string) => log?.debug(message),
      warn: (message: string) => log?.warn(message),
      error: (message: string) => log?.error(message),
    },
  };
  if (auth.kind === "app") {
    return new RetryingOctokit({ ...common, authStrategy: createAppAuth, auth: { appId: auth.appId, privateKey: auth.privateKey } });
  }
  if (auth.kind === "token") return new RetryingOctokit({ ...common, auth: auth.token });
  return new RetryingOctokit(common);
}

/** The HTTP status of an Octokit error (RequestError), or undefined for anything else. */
export function getGitHubStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}
