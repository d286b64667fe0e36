// Disconnect (both kinds): DELETE /api/github/connection. Undo what connecting did, gathering problems
// instead of stopping at the first (git-sync's cleanup): delete the repository webhook a PAT connection
// created (a failure is reported, not fatal), remove the connection record — the workspace is writable on
// the very next request, and a running sync sees the record gone and stops before its next file
// (src/sync/sync-workspace.ts watches it) — delete the connection's secrets, and record a "disconnected"
// event in the sync-run history. The workspace files stay as they are; what failed syncs kept hidden in it to
// resume from (src/sync/resume-staging.ts) goes, as nothing would adopt it now.
import { TABLES } from "../../src/azure/resources.js";
import { SyncRunStore, type SyncRunRecord } from "../../src/azure/sync-run-store.js";
import { DEFAULT_WORKSPACE_ID } from "../../src/connection/connection-record.js";
import { NotFoundError } from "../../src/errors.js";
import { removeReleasedStagings } from "../../src/sync/resume-staging.js";
import { createOctokit } from "../create-octokit.js";
import type { AbortOptions } from "../github-app-deps.js";
import type { GitHubRuntime } from "../github-runtime.js";
import { isConnectionEvent, recordConnectionEvent } from "../record-connection-event.js";
import { deleteRepoWebhook } from "./delete-repo-webhook.js";

// What DELETE /api/github/connection answers: the API's shape (src/api-types.ts).
export type { DisconnectResult } from "../../src/api-types.js";
import type { DisconnectResult } from "../../src/api-types.js";

/** How long a disconnect waits for a running sync to stop (the engine checks the record every few seconds). */
const STOP_WAIT_IN_MS = 20_000;

export async function disconnectGitHub(
  runtime: GitHubRuntime,
  input: { disconnectedBy?: string } = {},
  options: AbortOptions = {},
): Promise<DisconnectResult> {
  const { deps } = runtime;
  const { abortSignal } = options;
  const stored = await deps.connections.get({ abortSignal });
  if (!stored) throw new NotFoundError("This workspace is not connected to GitHub.");
  const record = stored.record;
  const log = deps.logger.child({ connectionId: record.connectionId, repository: record.repository, branch: record.branch });
  const problems: string[] = [];

  let webhook: DisconnectResult["webhook"];
  if (record.kind === "pat" && record.webhookId !== undefined) {
    const token = record.tokenSecretName ? await deps.secrets.get(record.tokenSecretName, { abortSignal }) : undefined;
    const result = token
      ? await deleteRepoWebhook(createOctokit(deps.config.githubApiUrl, { kind: "token", token }, { logger: deps.logger }), {
          repository: record.repository,
          webhookId: record.webhookId,
        }, { abortSignal })
      : { deleted: false as const, reason: "the token is missing from the secret store; delete the webhook in the repository's settings" };
    webhook = { id: record.webhookId, ...result };
    if (!result.deleted) problems.push(`The repository webhook was not deleted: ${result.reason}.`);
  }

  // From here on nothing is cancellable: a half-done disconnect is worse than a slow one.
  await deps.connections.delete();
  runtime.reconcileBackoff.delete(record.connectionId);
  // A running sync notices the record is gone and stops before its next file. Its token must outlive that
  // moment, or the run would fail on a missing secret instead of stopping cleanly.
  const runs = new SyncRunStore(deps.storage.table(TABLES.syncRuns));
  const stoppedSync = record.state === "Syncing" ? await waitForRunToStop(runs, record.connectionId, log) : undefined;

  // What failed syncs kept for the next one to resume from: no sync of this repository follows now.
  await removeReleasedStagings(deps.config.workspaceDir, { logger: log }).catch((error: unknown) =>
    log.warn({ err: error }, "disconnect could not list the workspace for kept sync stagings"),
  );

  for (const name of [record.tokenSecretName, record.webhookSecretName]) {
    if (!name) continue;
    try {
      await deps.secrets.delete(name);
    } catch (error) {
      log.warn({ err: error, secretName: name }, "disconnect could not delete a secret");
      problems.push(`The secret "${name}" could not be deleted from ${deps.secrets.description}; delete it by hand.`);
    }
  }

  const event = await recordConnectionEvent(
    runs,
    record,
    { trigger: "disconnect", result: "disconnected" },
    { requestedBy: input.disconnectedBy, problems },
    log,
  );
  log.info({ kind: record.kind, disconnectedBy: input.disconnectedBy, webhookDeleted: webhook?.deleted, problems: problems.length }, "disconnected from github");
  return {
    disconnected: true,
    kind: record.kind,
    repository: record.repository,
    branch: record.branch,
    ...(webhook ? { webhook } : {}),
    problems,
    runId: event.runId,
    ...(stoppedSync ? { stoppedSync } : {}),
  };
}

async function waitForRunToStop(runs: SyncRunStore, connectionId: string, log: GitHubRuntime["deps"]["logger"]): Promise<DisconnectResult["stoppedSync"]> {
  const deadline = Date.now() + STOP_WAIT_IN_MS;
  for (;;) {
    const run = await newestRun(runs, connectionId);
    if (!run) return undefined;
    if (run.result !== "running" || Date.now() > deadline) {
      if (run.result === "running") log.warn({ runId: run.runId }, "disconnect: the running sync did not stop in time");
      return { runId: run.runId, result: run.result };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function newestRun(runs: SyncRunStore, connectionId: string): Promise<SyncRunRecord | undefined> {
  // Newest first; a connection's runs are recent, so this stops after a few entities.
  for await (const run of runs.list(DEFAULT_WORKSPACE_ID)) {
    if (run.connectionId === connectionId && !isConnectionEvent(run)) return run;
  }
  return undefined;
}
