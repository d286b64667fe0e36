// The sync engine's RepositorySource on GitHub's REST API (Octokit): branch head, recursive tree, blobs and
// the tarball, with the token asked for on every request (a PAT can be revoked any time; an installation
// token is cached by its provider). Transient failures (5xx, dropped connections) are retried with backoff by
// @octokit/plugin-retry, secondary rate limits wait as GitHub asks (@octokit/plugin-throttling); everything
// else becomes one of our AppErrors with a sentence the user can act on.
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { AppError, ForbiddenError, NotFoundError, ServiceUnavailableError, UnauthorizedError } from "../src/errors.js";
import type { Logger } from "../src/logger.js";
import { fetchDownload } from "./fetch-download.js";
import { describeNetworkFailure, githubNetwork } from "./github-network.js";
import { ownBodyParser } from "./own-body-parser.js";
import { parseTreeListing } from "./parse-tree-listing.js";
import type { BranchHead, CommitComparison, RepositorySource, SourceOptions, SourceTree } from "../src/sync/repository-source.js";

// githubNetwork first: a deadline per attempt and "cannot reach GitHub" without retries (github-network.ts);
// ownBodyParser inside it, so a tree's body is read within that deadline (own-body-parser.ts).
const SyncOctokit = Octokit.plugin(ownBodyParser, githubNetwork, retry, throttling);

/** A secondary rate limit asking to wait longer than this fails the run instead (the queue retries later). */
const MAX_SECONDARY_WAIT_SECONDS = 60;

export interface CreateRepositorySourceOptions {
  /** GITHUB_API_URL, e.g. https://api.github.com or the stand-in's `http://127.0.0.1:PORT/api/v3`. */
  apiUrl: string;
  /** A token for this repository (installation token or PAT); called for each request. */
  getToken: () => Promise<string>;
  owner: string;
  repo: string;
  logger?: Logger;
  userAgent?: string;
  /** Retries of a failed request (default 3; tests lower it). */
  retries?: number;
}

export function createRepositorySource(options: CreateRepositorySourceOptions): RepositorySource {
  const { owner, repo, logger } = options;
  const repository = `${owner}/${repo}`;
  const octokit = new SyncOctokit({
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "funcspace-sync",
    log: {
      debug: (message: string) => logger?.debug({ repository }, message),
      info: (message: string) => logger?.debug({ repository }, message),
      warn: (message: string) => logger?.warn({ repository }, message),
      error: (message: string) => logger?.error({ repository }, message),
    },
    retry: { retries: options.retries ?? 3 },
    throttle: {
      onRateLimit: () => false,
      onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
        logger?.warn({ repository, retryAfter, retryCount }, "github secondary rate limit");
        return retryCount < 2 && retryAfter <= MAX_SECONDARY_WAIT_SECONDS;
      },
    },
  });
  octokit.hook.before("request", async (request) => {
    const token = await options.getToken();
    // An empty token reads public repositories anonymously (the CLI without GITHUB_TOKEN).
    if (token) request.headers.authorization = `token ${token}`;
  });

  // Cancellation is raced rather than handed to Octokit: the retry plugin treats an aborted request as a
  // 500 and would retry it with backoff. The abandoned request finishes on its own; its result is dropped.
  const call = async <T>(what: string, opts: SourceOptions, run: () => Promise<T>): Promise<T> => {
    const signal = opts.abortSignal;
    signal?.throwIfAborted();
    const work = run().catch((error: unknown) => {
      throw toSourceError(error, what, repository);
    });
    if (!signal) return work;
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    work.catch(() => undefined);
    try {
      return await Promise.race([work, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  };

  return {
    repository,

    getBranchHead: (branch: string, opts: SourceOptions = {}): Promise<BranchHead> =>
      call(`branch "${branch}"`, opts, async () => {
        const response = await octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
          owner,
          repo,
          branch,
        });
        const data = response.data as { commit: { sha: string } };
        return { sha: data.commit.sha, etag: response.headers.etag };
      }),

    getTree: (commitSha: string, opts: SourceOptions = {}): Promise<SourceTree> =>
      call(`tree of ${commitSha.slice(0, 7)}`, opts, async () => {
        const response = await octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
          owner,
          repo,
          tree_sha: commitSha,
          recursive: "1",
          // 12 MB of JSON for 50,000 files: read entry by entry, each without its `url` (parse-tree-listing.ts).
          request: { parseBody: (body: ReadableStream<Uint8Array>) => parseTreeListing(body as unknown as AsyncIterable<Uint8Array>) },
        });
        return response.data as unknown as SourceTree;
      }),

    // The base64 JSON form: Octokit decodes a `charset=utf-8` raw body as text, which corrupts binary files.
    getBlob: (blobSha: string, opts: SourceOptions = {}): Promise<Buffer> =>
      call(`blob ${blobSha.slice(0, 7)}`, opts, async () => {
        const response = await octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
          owner,
          repo,
          file_sha: blobSha,
        });
        const data = response.data as { content: string; encoding: string };
        if (data.encoding !== "base64") throw new Error(`unexpected blob encoding "${data.encoding}"`);
        return Buffer.from(data.content, "base64");
      }),

    // GitHub answers 302 to a short-lived download URL. We follow it ourselves, without the token (the URL
    // carries its own), and hand back the body as a stream: Octokit would buffer the whole archive.
    getTarball: (commitSha: string, opts: SourceOptions = {}): Promise<Readable> =>
      call(`tarball of ${commitSha.slice(0, 7)}`, opts, async () => {
        const response = await octokit.request("GET /repos/{owner}/{repo}/tarball/{ref}", {
          owner,
          repo,
          ref: commitSha,
          request: { redirect: "manual", parseSuccessResponseBody: false },
        });
        const location = response.headers.location;
        if (response.status >= 300 && response.status < 400 && location) {
          await (response.data as ReadableStream | null)?.cancel().catch(() => undefined);
          // Deadlines for the start and for a silent body (fetch-download.ts); the caller's signal cancels too.
          return fetchDownload(location, { abortSignal: opts.abortSignal });
        }
        const body = response.data as ReadableStream<Uint8Array> | null;
        if (!body) throw new Error("the tarball answer has no body");
        return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
      }),

    // https://docs.github.com/rest/commits/commits#compare-two-commits. One commit a page: only the counts are
    // read (the files of the first page still come along; GitHub has no switch for them).
    compareCommits: (base: string, head: string, opts: SourceOptions = {}): Promise<CommitComparison> =>
      call(`comparison of ${base.slice(0, 7)} and ${head.slice(0, 7)}`, opts, async () => {
        const response = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
          owner,
          repo,
          basehead: `${base}...${head}`,
          per_page: 1,
        });
        const data = response.data as { status: CommitComparison["status"]; ahead_by: number; behind_by: number; base_commit: { sha: string } };
        return { status: data.status, aheadBy: data.ahead_by, behindBy: data.behind_by, baseSha: data.base_commit.sha };
      }),
  };
}

/** Turns an Octokit/fetch failure into an AppError that says what to do. Never includes the token. */
export function toSourceError(error: unknown, what: string, repository: string): AppError {
  if (error instanceof AppError) return error;
  const status = (error as { status?: number }).status;
  const message = (error as { message?: string }).message ?? "";
  const cause = error;
  switch (status) {
    case 401:
      return new UnauthorizedError(
        `GitHub rejected the token for ${repository} (401): it was revoked or has expired. Replace the token (PAT) or reinstall the GitHub App.`,
        { cause },
      );
    case 403:
      if (/rate limit/i.test(message)) {
        return new ServiceUnavailableError(`GitHub's API rate limit was reached while reading ${what} of ${repository}; the sync will be retried.`, {
          cause,
        });
      }
      return new ForbiddenError(`GitHub denied access to ${what} of ${repository} (403): the token needs Contents: read on it.`, { cause });
    case 404:
    case 422:
      return new NotFoundError(`GitHub has no ${what} in ${repository}, or the token cannot see the repository (404).`, { cause });
    default: {
      // No answer at all (dropped connection, deadline): say so, not "status 500" (Octokit's stand-in status).
      const network = describeNetworkFailure(error);
      if (network) return new ServiceUnavailableError(`GitHub did not deliver ${what} of ${repository}: ${network}; the sync will be retried.`, { cause });
      return new ServiceUnavailableError(
        `GitHub did not deliver ${what} of ${repository}${status ? ` (status ${status})` : ""} after retries: ${message.slice(0, 200)}`,
        { cause },
      );
    }
  }
}
