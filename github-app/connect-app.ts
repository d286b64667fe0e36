// Connects the workspace to a repository through a verified App installation: check the installation is
// still this App's and can read the repository and branch, apply the overwrite rule, create the connection
// record (the workspace is read-only from that moment) and enqueue the initial sync.
import { randomUUID } from "node:crypto";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { BadRequestError, ForbiddenError, NotFoundError } from "../src/errors.js";
import type { SyncJob } from "../src/sync/sync-job.js";
import { getGitHubStatus } from "./create-octokit.js";
import { enqueueSync } from "./enqueue-sync.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { createInstallationOctokit } from "./installation-repositories.js";
import { assertWorkspaceReplaceable } from "./pat/assert-workspace-replaceable.js";
import { parseRepositoryName } from "./pat/parse-repository-name.js";
import { readBranchName } from "./pat/read-pat-input.js";

export interface ConnectWithAppInput {
  installationId: unknown;
  repository: unknown;
  branch: unknown;
  acknowledgeOverwrite?: unknown;
  /** Who connected (SWA user details), for the audit trail. */
  connectedBy?: string;
}

export async function connectWithApp(runtime: GitHubRuntime, input: ConnectWithAppInput, options: AbortOptions = {}): Promise<ConnectionRecord> {
  const { deps } = runtime;
  const installationId = readInstallationId(input.installationId);
  const { owner, repo } = parseRepositoryName(input.repository);
  const branch = readBranchName(input.branch);

  await runtime.verifiedInstallations.require(installationId, options);
  const head = await checkAccess(runtime, installationId, { owner, repo, branch }, options);
  await assertWorkspaceReplaceable(deps.config.workspaceDir, input.acknowledgeOverwrite === true, options);

  const now = new Date().toISOString();
  const record: ConnectionRecord = {
    connectionId: randomUUID(),
    kind: "app",
    repository: head.repository,
    branch,
    installationId,
    deliveryMode: "webhook",
    state: "Connecting",
    headSha: head.sha,
    createdAt: now,
    updatedAt: now,
    ...(input.connectedBy ? { connectedBy: input.connectedBy } : {}),
  };
  await deps.connections.create(record, options);
  const job: SyncJob = {
    connectionId: record.connectionId,
    branch,
    sha: head.sha,
    trigger: "initial",
    ...(input.connectedBy ? { requestedBy: input.connectedBy } : {}),
    requestedAt: now,
    // The user acknowledged that the workspace is replaced, even by an empty branch.
    ...(input.acknowledgeOverwrite === true ? { allowEmpty: true } : {}),
  };
  try {
    await enqueueSync(deps.storage, job, options);
  } catch (error) {
    // Without its initial sync the connection would sit read-only and empty: undo it.
    await deps.connections.delete();
    throw error;
  }
  deps.logger.info({ connectionId: record.connectionId, repository: record.repository, branch, installationId }, "connected with the github app");
  return record;
}

async function checkAccess(
  runtime: GitHubRuntime,
  installationId: number,
  target: { owner: string; repo: string; branch: string },
  options: AbortOptions,
): Promise<{ repository: string; sha: string }> {
  // The installation may have been deleted since it was verified: ask GitHub as the App first.
  try {
    await (await runtime.getAppOctokit(options)).request("GET /app/installations/{installation_id}", {
      installation_id: installationId,
      request: { signal: options.abortSignal },
    });
  } catch (error) {
    if (getGitHubStatus(error) === 404) {
      throw new ForbiddenError("The GitHub App installation no longer exists. Use \"Connect with GitHub\" to install it again.");
    }
    throw error;
  }
  const github = await createInstallationOctokit(runtime, installationId, options);
  let repository: string;
  try {
    const { data } = await github.request("GET /repos/{owner}/{repo}", { owner: target.owner, repo: target.repo, request: { signal: options.abortSignal } });
    repository = data.full_name;
  } catch (error) {
    if (getGitHubStatus(error) === 404) {
      throw new NotFoundError(
        `The app installation cannot see ${target.owner}/${target.repo}. Add the repository to the installation on GitHub, or check the name.`,
      );
    }
    throw error;
  }
  try {
    const { data } = await github.request("GET /repos/{owner}/{repo}/branches/{branch}", {
      owner: target.owner,
      repo: target.repo,
      branch: target.branch,
      request: { signal: options.abortSignal },
    });
    return { repository, sha: data.commit.sha };
  } catch (error) {
    if (getGitHubStatus(error) === 404) {
      throw new BadRequestError(`${repository} has no branch "${target.branch}".`, { code: "branch_not_found" });
    }
    throw error;
  }
}

function readInstallationId(value: unknown): number {
  const id = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
    throw new BadRequestError('"installationId" must be the number of a GitHub App installation.', { code: "invalid_installation" });
  }
  return id;
}
