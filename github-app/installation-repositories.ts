// What the admin picks from after installing: the repositories the installation can read (with their
// default branch), listed with the installation's own token, so the list is exactly what a sync can read.
import { createOctokit, type GitHubClient } from "./create-octokit.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";

// The listing's shape is the API's (src/api-types.ts).
export type { InstallationRepository } from "../src/api-types.js";
import type { InstallationRepository } from "../src/api-types.js";

// A listing is capped so one call stays bounded; 1,000 repositories is plenty to pick from.
const MAX_PAGES = 10;

export async function listInstallationRepositories(
  runtime: GitHubRuntime,
  installationId: number,
  options: AbortOptions = {},
): Promise<InstallationRepository[]> {
  await runtime.verifiedInstallations.require(installationId, options);
  const github = await createInstallationOctokit(runtime, installationId, options);
  const repositories: InstallationRepository[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { data } = await github.request("GET /installation/repositories", { per_page: 100, page, request: { signal: options.abortSignal } });
    for (const r of data.repositories) repositories.push({ fullName: r.full_name, defaultBranch: r.default_branch, private: r.private });
    if (data.repositories.length < 100 || repositories.length >= data.total_count) break;
  }
  return repositories;
}

/** An Octokit authenticated as the installation (cached installation token). */
export async function createInstallationOctokit(runtime: GitHubRuntime, installationId: number, options: AbortOptions = {}): Promise<GitHubClient> {
  const token = await runtime.installationTokens.get(installationId, options);
  return createOctokit(runtime.deps.config.githubApiUrl, { kind: "token", token }, { logger: runtime.deps.logger, interactive: true });
}
