// Pin and roll back (issue 21, item 3): POST /api/github/pin holds the workspace at one commit of the connected
// branch — an earlier synced commit, to roll back while a bad one is fixed (Argo CD's rollback). The pin is
// stored on the connection record with who and when; the sync engine then applies that commit and nothing
// else (src/sync/sync-workspace.ts), pushes keep being recorded as runs that apply nothing, and the worker
// keeps counting the commits waiting. DELETE /api/github/pin (unpin-workspace.ts) goes back to the branch head.
//
// Only a commit of the branch's history may be pinned: GitHub's compare of that commit with the branch head
// must say the head contains it (https://docs.github.com/rest/commits/commits#compare-two-commits).
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../src/errors.js";
import { TABLES } from "../src/azure/resources.js";
import { SyncRunStore } from "../src/azure/sync-run-store.js";
import type { RepositorySource } from "../src/sync/repository-source.js";
import { enqueueSync } from "./enqueue-sync.js";
import { getConnectionToken } from "./get-connection-token.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { recordConnectionEvent } from "./record-connection-event.js";
import { createRepositorySource } from "./repository-source.js";

const shaShape = /^[0-9a-f]{7,40}$/i;

export interface PinInput {
  /** The request body's `sha` (PinRequest), unchecked. */
  sha: unknown;
  pinnedBy?: string;
}

/** Pins the workspace to `sha` and queues the sync that applies it; returns the updated connection record. */
export async function pinWorkspace(runtime: GitHubRuntime, input: PinInput, options: AbortOptions = {}): Promise<ConnectionRecord> {
  const { deps } = runtime;
  const wanted = typeof input.sha === "string" ? input.sha.trim() : "";
  if (!shaShape.test(wanted)) {
    throw new BadRequestError('"sha" must be a commit SHA (7 to 40 hexadecimal digits), one of the commits in the sync history.', { code: "invalid_sha" });
  }
  const stored = await deps.connections.get(options);
  if (!stored) throw new NotFoundError("The workspace is not connected to GitHub: there is nothing to pin.");
  const record = stored.record;
  const source = connectionSource(runtime, record, options);

  const head = await askGitHub(() => source.getBranchHead(record.branch, options), () =>
    new ConflictError(`The branch "${record.branch}" no longer exists in ${record.repository}; nothing can be pinned.`, { code: "branch_not_found" }),
  );
  const comparison = await askGitHub(() => source.compareCommits(wanted, head.sha, options), () =>
    new BadRequestError(`${record.repository} has no commit ${wanted}.`, { code: "unknown_commit" }),
  );
  // The head must contain the commit: `behind` or `diverged` means the commit is on another line of history.
  if (comparison.behindBy > 0) {
    throw new ConflictError(
      `Commit ${wanted.slice(0, 7)} is not in the history of branch "${record.branch}" of ${record.repository} ` +
        "(it is on another branch, or the branch was rewritten). Pin one of the commits the sync history lists.",
      { code: "not_on_branch" },
    );
  }
  const sha = comparison.baseSha;
  const pinnedAt = new Date().toISOString();
  const updated = await deps.connections.update(
    (current) => ({
      ...current,
      pinnedSha: sha,
      pinnedBy: input.pinnedBy,
      pinnedAt,
      waitingCommits: comparison.aheadBy,
      pinOffBranch: undefined,
      headSha: head.sha,
    }),
    { ...options, connectionId: record.connectionId },
  );
  if (!updated) throw new NotFoundError("The workspace was disconnected meanwhile: there is nothing to pin.");

  const log = deps.logger.child({ connectionId: record.connectionId, repository: record.repository, branch: record.branch });
  const runs = new SyncRunStore(deps.storage.table(TABLES.syncRuns));
  await recordConnectionEvent(
    runs,
    record,
    { trigger: "pin", result: "pinned" },
    { requestedBy: input.pinnedBy, toSha: sha, pinnedSha: sha, waitingCommits: comparison.aheadBy },
    log,
  );
  // The record first, then the job: whichever run reads the record after this applies the pin (a run in
  // progress finishes its commit, then runs once more for this job under the lease: src/sync/lease.ts).
  await enqueueSync(
    deps.storage,
    {
      connectionId: record.connectionId,
      branch: record.branch,
      sha,
      trigger: "pin",
      ...(input.pinnedBy ? { requestedBy: input.pinnedBy } : {}),
      requestedAt: pinnedAt,
    },
    options,
  );
  log.info({ pinnedSha: sha, pinnedBy: input.pinnedBy, waitingCommits: comparison.aheadBy, appliedSha: record.appliedSha }, "workspace pinned");
  return updated;
}

/** The connection's repository, read with its own token (App installation token or PAT). */
export function connectionSource(runtime: GitHubRuntime, record: ConnectionRecord, options: AbortOptions): Required<RepositorySource> {
  const [owner = "", repo = ""] = record.repository.split("/");
  const source = createRepositorySource({
    apiUrl: runtime.deps.config.githubApiUrl,
    getToken: () => getConnectionToken(runtime, record, options),
    owner,
    repo,
    logger: runtime.deps.logger,
  });
  return source as Required<RepositorySource>;
}

/**
 * A GitHub call of the pin: 404 becomes `missing()`; a token GitHub refuses becomes a 409 that says so (a 401
 * from our API would read as "sign in again" to the UI); anything else (503: GitHub unreachable) passes.
 */
async function askGitHub<T>(call: () => Promise<T>, missing: () => AppError): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof NotFoundError) throw missing();
    if (error instanceof AppError && (error.status === 401 || error.status === 403)) throw new ConflictError(error.message, { code: "github_refused", cause: error });
    throw error;
  }
}
