// What the `workspace-sync` queue trigger calls for each message: check the job, build the GitHub source for
// the connected repository with the caller's token provider (GitHub App installation token or PAT), and run
// the engine's syncWorkspace under the workspace lease. Returns what happened. A failure another attempt cannot
// fix (src/sync/sync-error.ts: isPermanentSyncFailure) is recorded and returned, so the message is completed and
// nothing is downloaded again; a transient one is recorded and thrown, so the queue redelivers it (host.json
// visibilityTimeout apart) and poisons it after maxDequeueCount attempts.
import type { Config } from "../src/config.js";
import type { ConnectionStore } from "../src/azure/connection-store.js";
import { LeaseStore } from "../src/azure/lease-store.js";
import { TABLES } from "../src/azure/resources.js";
import type { StorageClients } from "../src/azure/storage.js";
import { SyncRunStore } from "../src/azure/sync-run-store.js";
import { DEFAULT_WORKSPACE_ID, type ConnectionRecord } from "../src/connection/connection-record.js";
import type { Logger } from "../src/logger.js";
import type { FetchMode } from "../src/sync/fetch-changes.js";
import { InvalidSyncJobError, isPermanentSyncFailure } from "../src/sync/sync-error.js";
import { SYNC_TRIGGERS, type SyncJob } from "../src/sync/sync-job.js";
import { syncWorkspace, type SyncWorkspaceDeps, type SyncWorkspaceOptions, type SyncWorkspaceResult } from "../src/sync/sync-workspace.js";
import { annotateActiveSpan } from "../src/telemetry/telemetry.js";
import { ATTRIBUTES } from "../src/telemetry/telemetry-names.js";
import { createRepositorySource } from "./repository-source.js";

export interface RunSyncJobDeps {
  config: Pick<Config, "workspaceDir" | "stateDir" | "maxFileBytes" | "ioConcurrency" | "syncFsThreads" | "githubApiUrl"> &
    Partial<Pick<Config, "syncLeaseTtlMs">>;
  storage: Pick<StorageClients, "table">;
  connections: ConnectionStore;
  logger: Logger;
  /** A token that can read the connection's repository: the App path mints an installation token, the PAT path reads the secret. */
  getToken: (connection: ConnectionRecord) => Promise<string>;
  workspaceId?: string;
  /** Tuning for tests: lease TTL and renewal, forced fetch path. */
  lease?: SyncWorkspaceDeps["lease"];
  fetchMode?: FetchMode;
  /** Octokit's retries of a failed GitHub request (default 3; tests lower it). */
  githubRetries?: number;
}

export type RunSyncJobResult =
  | SyncWorkspaceResult
  /** Recorded (run record, connection state) and not worth another attempt: the message is done. */
  | { status: "failed"; permanent: true; code: string; message: string };

export async function runSyncJob(job: SyncJob, deps: RunSyncJobDeps, options: SyncWorkspaceOptions = {}): Promise<RunSyncJobResult> {
  const logger = deps.logger.child({ component: "sync" });
  try {
    checkSyncJob(job);
    annotateActiveSpan({ ...(job.sha ? { [ATTRIBUTES.commit]: job.sha } : {}), ...(job.deliveryId ? { [ATTRIBUTES.deliveryId]: job.deliveryId } : {}) });
    const result = await startSync(job, deps, logger, options);
    // A run's own result is on the span already (src/telemetry/record-sync-run.ts); these two ran nothing.
    if (result.status !== "ran") annotateActiveSpan({ [ATTRIBUTES.syncResult]: result.status });
    return result;
  } catch (error) {
    if (!isPermanentSyncFailure(error)) throw error;
    const { code, message } = error as InvalidSyncJobError;
    // A malformed message has no run to record it on: the log is its only trace.
    if (code === "invalid_sync_job") logger.error({ err: error }, "sync job refused");
    return { status: "failed", permanent: true, code, message };
  }
}

function startSync(job: SyncJob, deps: RunSyncJobDeps, logger: Logger, options: SyncWorkspaceOptions): Promise<SyncWorkspaceResult> {
  return syncWorkspace(
    job,
    {
      workspaceId: deps.workspaceId ?? DEFAULT_WORKSPACE_ID,
      workspaceDir: deps.config.workspaceDir,
      stateDir: deps.config.stateDir,
      maxFileBytes: deps.config.maxFileBytes,
      concurrency: deps.config.ioConcurrency,
      fsThreads: deps.config.syncFsThreads,
      connections: deps.connections,
      leases: new LeaseStore(deps.storage.table(TABLES.leases)),
      syncRuns: new SyncRunStore(deps.storage.table(TABLES.syncRuns)),
      createSource: (connection) => {
        const [owner = "", repo = ""] = connection.repository.split("/");
        return createRepositorySource({
          apiUrl: deps.config.githubApiUrl,
          // An installation token is cached by its provider, and renewed there before it expires (a long run
          // must not keep an old one); a PAT is read once per run.
          getToken: connection.kind === "pat" ? tokenPerRun(() => deps.getToken(connection)) : () => deps.getToken(connection),
          owner,
          repo,
          logger,
          retries: deps.githubRetries,
        });
      },
      logger,
      lease: deps.lease ?? (deps.config.syncLeaseTtlMs ? { ttlMs: deps.config.syncLeaseTtlMs } : undefined),
      fetchMode: deps.fetchMode,
    },
    options,
  );
}

/**
 * One token read per run, not per request: a PAT lives in the secret store (Key Vault in Azure: a round trip
 * per read, three or more per push otherwise). A failed read is not kept, so a retried request asks again.
 * `createSource` is called once per run, so a token replaced meanwhile is read by the next run.
 */
function tokenPerRun(read: () => Promise<string>): () => Promise<string> {
  let token: Promise<string> | undefined;
  return () => {
    token ??= read().catch((error: unknown) => {
      token = undefined;
      throw error;
    });
    return token;
  };
}

/** A malformed message is a bug upstream: an error naming the field, logged; retrying it cannot help. */
export function checkSyncJob(job: unknown): asserts job is SyncJob {
  const value = job as Partial<SyncJob> | null;
  if (typeof value !== "object" || value === null) throw new InvalidSyncJobError("sync job: the message is not a JSON object");
  if (typeof value.connectionId !== "string" || !value.connectionId) throw new InvalidSyncJobError("sync job: connectionId must be a non-empty string");
  if (typeof value.branch !== "string" || !value.branch) throw new InvalidSyncJobError("sync job: branch must be a non-empty string");
  if (!(SYNC_TRIGGERS as readonly string[]).includes(String(value.trigger))) {
    throw new InvalidSyncJobError(`sync job: trigger must be one of ${SYNC_TRIGGERS.join(", ")}`);
  }
}
