// The branch picker after "Connect with GitHub": a repository's branches, read with the installation's own
// token, so only what a sync could read is offered (and only for an installation verified here).
import { ForbiddenError, NotFoundError, ServiceUnavailableError } from "../src/errors.js";
import { getGitHubStatus } from "./create-octokit.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { createInstallationOctokit } from "./installation-repositories.js";
import { parseRepositoryName } from "./pat/parse-repository-name.js";
import { githubMessageOf } from "./pat/validate-pat-access.js";

// The listing's shapes are the API's (src/api-types.ts); `truncated`: more than `MAX_PAGES × PER_PAGE` branches.
export type { RepositoryBranch, RepositoryBranches } from "../src/api-types.js";
import type { RepositoryBranch, RepositoryBranches } from "../src/api-types.js";

export interface ListRepositoryBranchesTarget {
  installationId: number;
  /** `owner/name`, as typed or routed: checked against GitHub's naming rules (400 otherwise). */
  repository: string;
}

// GitHub pages the list (at most 100 a page) and gives no total: a listing is capped so one call stays
// bounded; 1,000 branches is plenty to pick from, and POST /connection still accepts any other name.
const PER_PAGE = 100;
const MAX_PAGES = 10;

export async function listRepositoryBranches(
  runtime: GitHubRuntime,
  target: ListRepositoryBranchesTarget,
  options: AbortOptions = {},
): Promise<RepositoryBranches> {
  const { owner, repo } = parseRepositoryName(target.repository);
  await runtime.verifiedInstallations.require(target.installationId, options);
  const github = await createInstallationOctokit(runtime, target.installationId, options);
  const request = { signal: options.abortSignal };
  const readPage = (page: number) => github.request("GET /repos/{owner}/{repo}/branches", { owner, repo, per_page: PER_PAGE, page, request });

  try {
    // The repository (for its default branch) and the first page at once: the picker waits on both.
    const [{ data: repository }, first] = await Promise.all([github.request("GET /repos/{owner}/{repo}", { owner, repo, request }), readPage(1)]);
    const branches: RepositoryBranch[] = first.data.map((b) => ({ name: b.name, sha: b.commit.sha }));
    let more = hasNextPage(first.headers.link);
    for (let page = 2; more && page <= MAX_PAGES; page++) {
      const next = await readPage(page);
      for (const b of next.data) branches.push({ name: b.name, sha: b.commit.sha });
      more = hasNextPage(next.headers.link);
    }
    const defaultIndex = branches.findIndex((b) => b.name === repository.default_branch);
    if (defaultIndex > 0) branches.unshift(...branches.splice(defaultIndex, 1));
    if (defaultIndex < 0 && more) {
      // Past the cap, the default branch (the likeliest choice) is still offered: one more request, rarely.
      const head = await github
        .request("GET /repos/{owner}/{repo}/branches/{branch}", { owner, repo, branch: repository.default_branch, request })
        .catch((error: unknown) => (getGitHubStatus(error) === 404 ? undefined : Promise.reject(error)));
      if (head) branches.unshift({ name: head.data.name, sha: head.data.commit.sha });
    }
    return { branches, truncated: more };
  } catch (error) {
    throw toBranchListingError(error, `${owner}/${repo}`);
  }
}

/** GitHub's answers as one sentence the admin can act on; anything else (network, 5xx after retries) as is. */
function toBranchListingError(error: unknown, repository: string): unknown {
  const status = getGitHubStatus(error);
  // GitHub hides what a token may not see: 404 whether the repository is missing or outside the installation.
  if (status === 404) {
    return new NotFoundError(
      `The app installation cannot see ${repository}. Add the repository to the installation on GitHub (or check the name), then reload.`,
      { cause: error },
    );
  }
  if (status === 403 && /rate limit/i.test(githubMessageOf(error) ?? "")) {
    return new ServiceUnavailableError("GitHub's API rate limit was reached while listing branches; try again in a few minutes.", { cause: error });
  }
  if (status === 403) {
    return new ForbiddenError(`The app installation may not read ${repository}: the GitHub App needs the "Contents: read" permission.`, { cause: error });
  }
  return error;
}

/** GitHub's `Link` header names the next page while there is one. */
function hasNextPage(link: string | undefined): boolean {
  return link !== undefined && /rel="next"/.test(link);
}
