// Connect by personal access token: validate first (nothing is stored for a token that cannot sync), then
// keep the token and a webhook secret in the secret store, create the connection record (the workspace is
// read-only from that moment), try to create a push webhook (else poll) and enqueue the initial sync. The
// record exists before the hook because GitHub pings a new hook at once, and the intake finds the hook's
// secret through the record. A failure part-way undoes what was done, so a refused connect leaves nothing behind.
import { randomBytes, randomUUID } from "node:crypto";
import { patSecretName, webhookSecretName } from "../../src/azure/secret-names.js";
import { QUEUES } from "../../src/azure/resources.js";
import { sendJsonMessage } from "../../src/azure/storage.js";
import type { ConnectionRecord } from "../../src/connection/connection-record.js";
import { ConflictError } from "../../src/errors.js";
import type { SyncJob } from "../../src/sync/sync-job.js";
import { assertWorkspaceReplaceable } from "./assert-workspace-replaceable.js";
import { createOctokit, type GitHubClient } from "../create-octokit.js";
import { createRepoWebhook } from "./create-repo-webhook.js";
import { deleteRepoWebhook } from "./delete-repo-webhook.js";
import { describeSchedule } from "./describe-schedule.js";
import type { PatDeps, PatOptions } from "./pat-deps.js";
import { parseRepositoryName } from "./parse-repository-name.js";
import { readBranchName, readPatToken } from "./read-pat-input.js";
import { validatePatAccess } from "./validate-pat-access.js";

export interface ConnectWithPatInput {
  token: unknown;
  repository: unknown;
  branch: unknown;
  acknowledgeOverwrite?: unknown;
  /** Who connected (SWA user details), for the audit trail. */
  connectedBy?: string;
}

export async function connectWithPat(input: ConnectWithPatInput, deps: PatDeps, options: PatOptions = {}): Promise<ConnectionRecord> {
  const { abortSignal } = options;
  const token = readPatToken(input.token);
  const { owner, repo } = parseRepositoryName(input.repository);
  const branch = readBranchName(input.branch);

  if (await deps.connections.get({ abortSignal })) {
    throw new ConflictError("This workspace is already connected to GitHub. Disconnect it first.", { code: "already_connected" });
  }
  const octokit = createOctokit(deps.config.githubApiUrl, { kind: "token", token }, { logger: deps.logger, interactive: true });
  const access = await validatePatAccess(octokit, { token, repository: `${owner}/${repo}`, branch }, { abortSignal });
  await assertWorkspaceReplaceable(deps.config.workspaceDir, input.acknowledgeOverwrite === true, { abortSignal });

  const connectionId = randomUUID();
  const tokenSecretName = patSecretName(connectionId);
  const hookSecretName = webhookSecretName(connectionId);
  const log = deps.logger.child({ connectionId, repository: access.repository, branch });
  let webhookId: number | undefined;
  let recordCreated = false;
  try {
    await deps.secrets.set(tokenSecretName, token, { abortSignal });
    const hookSecret = randomBytes(32).toString("hex");
    await deps.secrets.set(hookSecretName, hookSecret, { abortSignal });
    const now = new Date().toISOString();
    const connecting: ConnectionRecord = {
      connectionId,
      kind: "pat",
      repository: access.repository,
      branch,
      tokenSecretName,
      tokenLast4: token.slice(-4),
      // Until the hook exists: its secret is already findable, for the ping GitHub sends on creation.
      deliveryMode: "webhook",
      webhookSecretName: hookSecretName,
      state: "Connecting",
      headSha: access.headSha,
      createdAt: now,
      updatedAt: now,
      ...(input.connectedBy ? { connectedBy: input.connectedBy } : {}),
    };
    await deps.connections.create(connecting, { abortSignal });
    recordCreated = true;
    const webhook = await createRepoWebhook(
      octokit,
      {
        repository: access.repository,
        url: `${deps.config.publicUrl}/api/github/webhooks`,
        secret: hookSecret,
        tokenKind: access.tokenKind,
        admin: access.admin,
      },
      { abortSignal },
    );
    if (webhook.created) webhookId = webhook.webhookId;
    const record = await deps.connections.update(
      ({ webhookSecretName: _pending, ...current }) => ({
        ...current,
        ...(webhook.created
          ? { deliveryMode: "webhook", webhookId: webhook.webhookId, webhookSecretName: hookSecretName }
          : { deliveryMode: "polling", deliveryModeReason: pollingReason(webhook.reason, deps.config.reconcileSchedule) }),
      }),
      { connectionId, abortSignal },
    );
    if (!record) {
      throw new ConflictError("The connection was removed while it was being set up. Connect again.", { code: "connection_removed" });
    }
    if (!webhook.created) await deps.secrets.delete(hookSecretName, { abortSignal });
    const job: SyncJob = { connectionId, branch, sha: access.headSha, trigger: "initial", requestedAt: now, ...(input.connectedBy ? { requestedBy: input.connectedBy } : {}) };
    await sendJsonMessage(deps.storage.queue(QUEUES.workspaceSync), job, { abortSignal });
    log.info({ deliveryMode: record.deliveryMode, webhookId, reason: record.deliveryModeReason }, "connected with a personal access token");
    return record;
  } catch (error) {
    if (recordCreated) {
      // Only this attempt's record: a disconnect and a new connection may have come in between.
      const removeOwn = async () => {
        if ((await deps.connections.get())?.record.connectionId === connectionId) await deps.connections.delete();
      };
      await removeOwn().catch((undoError: unknown) => log.warn({ err: undoError }, "connect undo left the connection record behind"));
    }
    await undoConnect({ octokit, repository: access.repository, webhookId, secretNames: [tokenSecretName, hookSecretName] }, deps, log);
    throw error;
  }
}

/** The status line of a polling connection, e.g. "webhook not created: …; checking for changes every 5 minutes". */
export function pollingReason(refusal: string, reconcileSchedule: string): string {
  return `webhook not created: ${refusal}; checking for changes ${describeSchedule(reconcileSchedule)}`;
}

/** Best effort, without the caller's abort signal: cleanup must run even when the request was cancelled. */
async function undoConnect(
  state: { octokit: GitHubClient; repository: string; webhookId: number | undefined; secretNames: string[] },
  deps: PatDeps,
  log: PatDeps["logger"],
): Promise<void> {
  if (state.webhookId !== undefined) {
    const result = await deleteRepoWebhook(state.octokit, { repository: state.repository, webhookId: state.webhookId });
    if (!result.deleted) log.warn({ webhookId: state.webhookId, reason: result.reason }, "connect undo left a webhook behind");
  }
  for (const name of state.secretNames) {
    await deps.secrets.delete(name).catch((error: unknown) => log.warn({ err: error, secretName: name }, "connect undo left a secret behind"));
  }
}
