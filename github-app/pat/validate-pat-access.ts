// Checks, before anything is stored, that a personal access token can do what a PAT connection needs:
// GitHub accepts it, it can see the repository, the branch exists, and it can read the repository's files.
// Each failure becomes one sentence the user can act on, naming the permission to grant.
import { getGitHubStatus, type GitHubClient } from "../create-octokit.js";
import { AppError, BadRequestError, ServiceUnavailableError } from "../../src/errors.js";
import { describeNetworkFailure } from "../github-network.js";
import { describeTokenKind, readPermissionHint, type TokenKind } from "./describe-token-kind.js";
import { parseRepositoryName } from "./parse-repository-name.js";

export interface PatAccess {
  /** `owner/name` as GitHub spells it (the input may differ in case). */
  repository: string;
  branch: string;
  /** The branch head when it was checked. */
  headSha: string;
  private: boolean;
  /** GitHub's answer on whether the token's user administers the repository (needed to create webhooks). */
  admin: boolean;
  tokenKind: TokenKind;
}

export interface ValidatePatAccessOptions {
  abortSignal?: AbortSignal;
}

/** The message every caller shows when GitHub answers 401 to a PAT. */
export const TOKEN_REJECTED_MESSAGE =
  "GitHub rejected this token: it is wrong, expired or revoked. Create a new token and paste it again.";

export async function validatePatAccess(
  octokit: GitHubClient,
  target: { token: string; repository: string; branch: string },
  options: ValidatePatAccessOptions = {},
): Promise<PatAccess> {
  const { owner, repo } = parseRepositoryName(target.repository);
  const tokenKind = describeTokenKind(target.token);
  const request = { signal: options.abortSignal };
  const readHint = readPermissionHint(tokenKind);

  const repository = await call("repository", () => octokit.request("GET /repos/{owner}/{repo}", { owner, repo, request }), {
    404: () =>
      new BadRequestError(
        `Repository ${owner}/${repo} was not found, or this token cannot see it (GitHub answered 404). ` +
          `Check the name, and give the token access to the repository with ${readHint}.`,
        { code: "repository_not_found" },
      ),
    403: (githubMessage) =>
      new BadRequestError(
        `GitHub refused this token access to ${owner}/${repo} (403${githubMessage ? `: ${githubMessage}` : ""}). ` +
          `The token needs ${readHint}.`,
        { code: "repository_forbidden" },
      ),
  });
  const fullName = repository.data.full_name;
  const [canonicalOwner = owner, canonicalRepo = repo] = fullName.split("/");
  const missingContents = (status: number, githubMessage?: string) =>
    new BadRequestError(
      `This token can see ${fullName} but not its files (GitHub answered ${status}${githubMessage ? `: ${githubMessage}` : ""}). ` +
        `Grant it ${readHint}.`,
      { code: "contents_forbidden" },
    );

  const branch = await call(
    "branch",
    () => octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", { owner: canonicalOwner, repo: canonicalRepo, branch: target.branch, request }),
    {
      404: () =>
        new BadRequestError(`Branch "${target.branch}" does not exist in ${fullName}. Pick an existing branch.`, {
          code: "branch_not_found",
        }),
      403: (githubMessage) => missingContents(403, githubMessage),
    },
  );
  const headSha = branch.data.commit.sha;

  // Metadata alone lets a fine-grained token see the repository; the sync reads branches, trees and blobs,
  // which need Contents: read. A non-recursive tree is the cheapest call that proves it for every endpoint.
  await call(
    "contents",
    () => octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: canonicalOwner, repo: canonicalRepo, tree_sha: headSha, request }),
    { 403: (message) => missingContents(403, message), 404: (message) => missingContents(404, message) },
  );

  return {
    repository: fullName,
    branch: target.branch,
    headSha,
    private: repository.data.private,
    admin: repository.data.permissions?.admin === true,
    tokenKind,
  };
}

type ErrorFactory = (githubMessage: string | undefined) => Error;

async function call<T>(step: string, send: () => Promise<T>, byStatus: Record<number, ErrorFactory>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const status = getGitHubStatus(error);
    if (status === 401) throw new BadRequestError(TOKEN_REJECTED_MESSAGE, { code: "token_rejected" });
    const factory = status === undefined ? undefined : byStatus[status];
    if (factory) throw factory(githubMessageOf(error));
    if (status === undefined && (error as Error).name === "AbortError") throw error;
    if (error instanceof AppError) throw error; // "cannot reach GitHub (…)" (github-network.ts)
    const network = describeNetworkFailure(error);
    if (network) throw new ServiceUnavailableError(`GitHub could not be asked about the ${step}: ${network}; try again in a moment.`, { cause: error });
    throw new ServiceUnavailableError(
      `GitHub could not be asked about the ${step} (${status === undefined ? "no answer" : `HTTP ${status}`}); try again in a moment.`,
      { cause: error },
    );
  }
}

/** GitHub's own one-line message (e.g. "Resource not accessible by personal access token"); never holds the token. */
export function githubMessageOf(error: unknown): string | undefined {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  const message = (data as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message.length > 0 ? message.slice(0, 200) : undefined;
}
