// The dry run behind POST /api/github/sync/preview: what a sync would change in the workspace, for the
// active connection or for a connection about to be made (the overwrite dialog shows it). Nothing is written.
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { DEFAULT_WORKSPACE_ID } from "../src/connection/connection-record.js";
import { BadRequestError, NotFoundError } from "../src/errors.js";
import { previewSync, type SyncPreview } from "../src/sync/preview-sync.js";
import type { ConnectRequest, Unchecked } from "../src/api-types.js";
import { getConnectionToken } from "./get-connection-token.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { parseRepositoryName } from "./pat/parse-repository-name.js";
import { readBranchName, readPatToken } from "./pat/read-pat-input.js";
import { createRepositorySource } from "./repository-source.js";

/** The request body (SyncPreviewRequest in src/api-types.ts), unchecked: an empty one previews the active connection. */
export type PreviewInput = Unchecked<ConnectRequest>;

export async function previewConnectionSync(runtime: GitHubRuntime, input: PreviewInput, options: AbortOptions = {}): Promise<SyncPreview> {
  const { deps } = runtime;
  let target: { repository: string; branch: string; commitSha?: string; getToken: () => Promise<string>; allowEmpty: boolean };
  if (input.kind === undefined) {
    const stored = await deps.connections.get(options);
    if (!stored) throw new NotFoundError("The workspace is not connected to GitHub: say which repository to preview.");
    const record: ConnectionRecord = stored.record;
    // A pinned workspace syncs its pinned commit: that is what a sync would change now.
    target = {
      repository: record.repository,
      branch: record.branch,
      commitSha: record.pinnedSha,
      getToken: () => getConnectionToken(runtime, record, options),
      allowEmpty: false,
    };
  } else if (input.kind === "app" || input.kind === "pat") {
    const { owner, repo } = parseRepositoryName(input.repository);
    const branch = readBranchName(input.branch);
    let getToken: () => Promise<string>;
    if (input.kind === "pat") {
      const token = readPatToken(input.token);
      getToken = async () => token;
    } else {
      const installationId = Number(input.installationId);
      if (!Number.isSafeInteger(installationId) || installationId <= 0) {
        throw new BadRequestError('"installationId" must be the number of a GitHub App installation.', { code: "invalid_installation" });
      }
      await runtime.verifiedInstallations.require(installationId, options);
      getToken = () => runtime.installationTokens.get(installationId, options);
    }
    // Connecting replaces the workspace once the user acknowledged it, even with an empty branch.
    target = { repository: `${owner}/${repo}`, branch, getToken, allowEmpty: true };
  } else {
    throw new BadRequestError('"kind" must be "app" or "pat", or leave the body empty to preview the active connection.', { code: "invalid_kind" });
  }
  const [owner = "", repo = ""] = target.repository.split("/");
  return previewSync(
    { branch: target.branch, commitSha: target.commitSha, allowEmpty: target.allowEmpty },
    {
      source: createRepositorySource({ apiUrl: deps.config.githubApiUrl, getToken: target.getToken, owner, repo, logger: deps.logger }),
      workspaceDir: deps.config.workspaceDir,
      stateDir: deps.config.stateDir,
      workspaceId: DEFAULT_WORKSPACE_ID,
      maxFileBytes: deps.config.maxFileBytes,
      concurrency: deps.config.ioConcurrency,
      fsThreads: deps.config.syncFsThreads,
      logger: deps.logger,
    },
    options,
  );
}
