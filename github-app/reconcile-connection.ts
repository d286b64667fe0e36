// The reconcile timer's work: ask GitHub for the connected branch's head with the last ETag (a 304 costs
// no rate limit) and enqueue a "poll" sync when it differs from what the workspace has. This is what
// makes a lost webhook harmless, and it is the only delivery for PAT connections without a webhook.
// While GitHub rejects the token (401), ticks are skipped, more each time, so a revoked token is not
// hammered every few minutes.
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { createOctokit, getGitHubStatus } from "./create-octokit.js";
import { enqueueSync } from "./enqueue-sync.js";
import { getConnectionToken } from "./get-connection-token.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";

/** The state reason set while GitHub rejects the token; cleared by the next poll that gets through. */
export const TOKEN_REJECTED_REASON =
  "GitHub rejected the token (401): it was revoked or has expired. Replace the token (PAT) or reinstall the app; funcspace checks again less and less often until then.";

const MAX_SKIPPED_TICKS = 32;
/** A sync that has said "Syncing" this long has died with its worker (the function timeout is 30 minutes). */
const STUCK_SYNC_AFTER_IN_MS = 35 * 60_000;

export type ReconcileOutcome =
  | { action: "not-connected" }
  | { action: "skipped"; reason: "broken" | "backoff" | "syncing" }
  | { action: "up-to-date"; sha: string | undefined }
  | { action: "enqueued"; sha: string }
  | { action: "token-rejected"; skipTicks: number };

export async function reconcileConnection(runtime: GitHubRuntime, options: AbortOptions & { now?: number } = {}): Promise<ReconcileOutcome> {
  const { deps } = runtime;
  const now = options.now ?? Date.now();
  const stored = await deps.connections.get(options);
  if (!stored) return { action: "not-connected" };
  const record = stored.record;
  // Broken = GitHub took access away (installation removed/suspended): only the user can repair that.
  if (record.state === "Broken") return { action: "skipped", reason: "broken" };
  const backoff = runtime.reconcileBackoff.get(record.connectionId);
  if (backoff && backoff.skip > 0) {
    backoff.skip--;
    return { action: "skipped", reason: "backoff" };
  }

  const [owner = "", repo = ""] = record.repository.split("/");
  let head: { sha: string; etag: string | undefined } | undefined;
  try {
    const token = await getConnectionToken(runtime, record, options);
    const github = createOctokit(deps.config.githubApiUrl, { kind: "token", token }, { logger: deps.logger });
    const { data, headers } = await github.request("GET /repos/{owner}/{repo}/commits/{ref}", {
      owner,
      repo,
      ref: record.branch,
      // The ETag only means something for the head we recorded with it.
      headers: record.headEtag && record.headSha ? { "if-none-match": record.headEtag } : {},
      request: { signal: options.abortSignal },
    });
    head = { sha: data.sha, etag: headers.etag };
  } catch (error) {
    const status = getGitHubStatus(error);
    if (status === 401) return rejectToken(runtime, record);
    if (status !== 304) throw error;
  }
  runtime.reconcileBackoff.delete(record.connectionId);

  const headSha = head?.sha ?? record.headSha;
  // A record Failed on a rejected token recovers as soon as GitHub accepts the token again.
  const recovered = record.state === "Failed" && record.stateReason === TOKEN_REJECTED_REASON;
  if ((head && (head.sha !== record.headSha || head.etag !== record.headEtag)) || recovered) {
    await deps.connections.update(
      (current) => ({
        ...current,
        ...(head ? { headSha: head.sha, headEtag: head.etag } : {}),
        ...(current.state === "Failed" && current.stateReason === TOKEN_REJECTED_REASON
          ? { state: current.appliedSha ? "Ready" : "Connecting", stateReason: undefined }
          : {}),
      }),
      { ...options, connectionId: record.connectionId },
    );
  }
  // Pinned: the pinned commit is the target. A head that moved is still worth a run: it records the push it
  // missed (applying nothing) and counts the commits now waiting.
  const target = record.pinnedSha ?? headSha;
  const missedPush = record.pinnedSha !== undefined && head !== undefined && head.sha !== record.headSha;
  if (!target || (target === record.appliedSha && !missedPush)) return { action: "up-to-date", sha: headSha };
  if (record.state === "Syncing" && now - Date.parse(record.updatedAt) < STUCK_SYNC_AFTER_IN_MS) return { action: "skipped", reason: "syncing" };
  await enqueueSync(
    deps.storage,
    { connectionId: record.connectionId, branch: record.branch, sha: headSha ?? target, trigger: "poll", requestedAt: new Date(now).toISOString() },
    options,
  );
  deps.logger.info({ connectionId: record.connectionId, sha: headSha, appliedSha: record.appliedSha, pinnedSha: record.pinnedSha }, "reconcile enqueued a sync");
  return { action: "enqueued", sha: headSha ?? target };
}

async function rejectToken(runtime: GitHubRuntime, record: ConnectionRecord): Promise<ReconcileOutcome> {
  const previous = runtime.reconcileBackoff.get(record.connectionId);
  const failures = (previous?.failures ?? 0) + 1;
  const skip = Math.min(2 ** (failures - 1), MAX_SKIPPED_TICKS);
  runtime.reconcileBackoff.set(record.connectionId, { failures, skip });
  if (record.kind === "app" && record.installationId !== undefined) runtime.installationTokens.clear(record.installationId);
  await runtime.deps.connections.update(
    // Failed, not Broken: the workspace keeps its last good state and a new token repairs it (issue 6).
    (current) =>
      current.state === "Broken" || current.stateReason === TOKEN_REJECTED_REASON
        ? undefined
        : { ...current, state: "Failed", stateReason: TOKEN_REJECTED_REASON },
    { connectionId: record.connectionId },
  );
  runtime.deps.logger.warn({ connectionId: record.connectionId, failures, skipTicks: skip }, "reconcile: github rejected the token");
  return { action: "token-rejected", skipTicks: skip };
}
