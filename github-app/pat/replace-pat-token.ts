// Rotate: PUT /api/github/connection/token {token}. The new token is checked against the connected
// repository and branch exactly as on connect, then replaces the old one in the secret store (the worker
// reads it for every job, so it takes effect at once). A connection that failed or was marked broken
// because GitHub rejected the old token is cleared and synced again; a polling connection gets another
// chance at a webhook, since a new token may carry the permission the old one lacked.
import { randomBytes } from "node:crypto";
import { webhookSecretName } from "../../src/azure/secret-names.js";
import type { ConnectionRecord } from "../../src/connection/connection-record.js";
import { ConflictError, NotFoundError } from "../../src/errors.js";
import type { SyncJob } from "../../src/sync/sync-job.js";
import { createOctokit } from "../create-octokit.js";
import { enqueueSync } from "../enqueue-sync.js";
import type { AbortOptions } from "../github-app-deps.js";
import type { GitHubRuntime } from "../github-runtime.js";
import { pollingReason } from "./connect-pat.js";
import { createRepoWebhook } from "./create-repo-webhook.js";
import { readPatToken } from "./read-pat-input.js";
import { validatePatAccess } from "./validate-pat-access.js";

export async function replacePatToken(
  runtime: GitHubRuntime,
  input: { token: unknown; rotatedBy?: string },
  options: AbortOptions = {},
): Promise<ConnectionRecord> {
  const { deps } = runtime;
  const { abortSignal } = options;
  const token = readPatToken(input.token);
  const stored = await deps.connections.get({ abortSignal });
  if (!stored) throw new NotFoundError("This workspace is not connected to GitHub: connect it with a token first.");
  const current = stored.record;
  if (current.kind !== "pat" || !current.tokenSecretName) {
    throw new ConflictError("This workspace is connected through the GitHub App: there is no personal access token to replace.", {
      code: "not_a_pat_connection",
    });
  }
  const octokit = createOctokit(deps.config.githubApiUrl, { kind: "token", token }, { logger: deps.logger, interactive: true });
  const access = await validatePatAccess(octokit, { token, repository: current.repository, branch: current.branch }, { abortSignal });
  await deps.secrets.set(current.tokenSecretName, token, { abortSignal });
  const log = deps.logger.child({ connectionId: current.connectionId, repository: current.repository });

  let webhook: { webhookId: number; webhookSecretName: string } | { reason: string } | undefined;
  if (current.deliveryMode === "polling") {
    const secretName = webhookSecretName(current.connectionId);
    const secret = randomBytes(32).toString("hex");
    await deps.secrets.set(secretName, secret, { abortSignal });
    const result = await createRepoWebhook(
      octokit,
      { repository: current.repository, url: `${deps.config.publicUrl}/api/github/webhooks`, secret, tokenKind: access.tokenKind, admin: access.admin },
      { abortSignal },
    );
    if (result.created) {
      webhook = { webhookId: result.webhookId, webhookSecretName: secretName };
    } else {
      await deps.secrets.delete(secretName, { abortSignal });
      webhook = { reason: pollingReason(result.reason, deps.config.reconcileSchedule) };
    }
  }

  const failedOnToken = (record: ConnectionRecord) => record.state === "Failed";
  const updated = await deps.connections.update(
    (record) => ({
      ...record,
      tokenLast4: token.slice(-4),
      tokenRotatedAt: new Date().toISOString(),
      ...(input.rotatedBy ? { tokenRotatedBy: input.rotatedBy } : {}),
      headSha: access.headSha,
      ...(failedOnToken(record) ? { state: record.appliedSha ? "Ready" : "Connecting", stateReason: undefined } : {}),
      ...(webhook && "webhookId" in webhook
        ? { deliveryMode: "webhook", deliveryModeReason: undefined, webhookId: webhook.webhookId, webhookSecretName: webhook.webhookSecretName }
        : {}),
      ...(webhook && "reason" in webhook ? { deliveryModeReason: webhook.reason } : {}),
    }),
    { abortSignal, connectionId: current.connectionId },
  );
  if (!updated) throw new NotFoundError("The connection was removed while its token was being replaced; connect again.");
  runtime.reconcileBackoff.delete(current.connectionId);

  if (failedOnToken(current) || access.headSha !== current.appliedSha) {
    const job: SyncJob = { connectionId: current.connectionId, branch: current.branch, sha: access.headSha, trigger: "manual", requestedAt: new Date().toISOString() };
    await enqueueSync(deps.storage, job, { abortSignal });
  }
  log.info({ deliveryMode: updated.deliveryMode, clearedState: failedOnToken(current) ? current.state : undefined }, "personal access token replaced");
  return updated;
}
