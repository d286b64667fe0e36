// The Probot app: which GitHub events funcspace acts on. Every handler only reads the connection record
// and enqueues or records; the sync itself runs later in the queue worker.
import type { ApplicationFunction } from "probot";
import type { StoredConnection } from "../src/azure/connection-store.js";
import type { GitHubAppDeps } from "./github-app-deps.js";
import { handlePush } from "./handle-push.js";
import { noteWebhookOutcome } from "./webhook-outcomes.js";
import { markConnectionBroken } from "./mark-connection-broken.js";
import type { PushJobs } from "./push-jobs.js";
import { handleCheckRunRerequest, handlePullRequest, type PullCheckHandlerDeps } from "./pull-request-checks/handle-pull-request.js";

export interface FuncspaceAppOptions {
  /**
   * Connection reads the intake started for a claimed push, by delivery id (see receive-webhook.ts); a push
   * without one reads the record itself.
   */
  connectionReads?: ReadonlyMap<string, Promise<StoredConnection | undefined>>;
  /** Coalesces a burst of pushes into fewer jobs (push-jobs.ts); without it each push sends its own. */
  pushJobs?: Pick<PushJobs, "enqueue">;
  /** Pull request checks (issue 22): without it pull_request and check_run deliveries are acknowledged and left alone. */
  pullChecks?: PullCheckHandlerDeps;
}

export function createFuncspaceApp(deps: GitHubAppDeps, options: FuncspaceAppOptions = {}): ApplicationFunction {
  const connectionReads = options.connectionReads ?? new Map<string, Promise<StoredConnection | undefined>>();
  return (app) => {
    app.on("push", async (context) => {
      const outcome = await handlePush(context.payload, context.id, deps, {
        connection: connectionReads.get(context.id),
        jobs: options.pushJobs,
      });
      if (outcome.action === "enqueued") {
        // A coalesced push names the operation of the job it joined: that is where its sync is.
        noteWebhookOutcome(context.id, outcome.joinedTraceId ? "coalesced" : "enqueued");
        context.log.info(
          { sha: outcome.job.sha, commit: outcome.job.sha, deliveryId: context.id, connectionId: outcome.job.connectionId, ...(outcome.joinedTraceId ? { joinedOperationId: outcome.joinedTraceId } : {}) },
          outcome.joinedTraceId ? "push joined a queued sync job" : "push enqueued",
        );
      } else {
        noteWebhookOutcome(context.id, "ignored");
        context.log.debug({ reason: outcome.reason, ref: context.payload.ref }, "push ignored");
      }
    });

    app.on(["installation.deleted", "installation.suspend"], async (context) => {
      const installationId = context.payload.installation.id;
      const who = context.payload.sender.login;
      const reason =
        context.payload.action === "deleted"
          ? `The GitHub App was uninstalled by ${who}. Install it again and reconnect, or disconnect to edit here.`
          : `The GitHub App installation was suspended by ${who}. Unsuspend it on GitHub, or disconnect to edit here.`;
      await markConnectionBroken(deps, (r) => r.kind === "app" && r.installationId === installationId, reason);
    });

    app.on("installation_repositories.removed", async (context) => {
      const installationId = context.payload.installation.id;
      const removed = new Set(context.payload.repositories_removed.map((r) => r.full_name.toLowerCase()));
      const who = context.payload.sender.login;
      await markConnectionBroken(
        deps,
        (r) => r.kind === "app" && r.installationId === installationId && removed.has(r.repository.toLowerCase()),
        `${who} removed the repository from the GitHub App installation. Add it back and reconnect, or disconnect to edit here.`,
      );
    });

    app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.closed"], async (context) => {
      if (!options.pullChecks) return;
      const outcome = await handlePullRequest(context.payload, context.id, options.pullChecks);
      context.log.info({ action: outcome.action, pullNumber: context.payload.pull_request.number, ...("reason" in outcome ? { reason: outcome.reason } : {}) }, "pull request");
    });

    app.on("check_run.rerequested", async (context) => {
      if (!options.pullChecks) return;
      const outcome = await handleCheckRunRerequest(context.payload, context.id, options.pullChecks);
      context.log.info({ action: outcome.action, ...("reason" in outcome ? { reason: outcome.reason } : {}) }, "check run re-run requested");
    });

    app.on("ping", async (context) => {
      context.log.info({ hookId: context.payload.hook_id, zen: context.payload.zen }, "ping received");
    });
  };
}
