// A pull request into the connected branch gets a check (issue 22): on `pull_request` opened, synchronize (a push
// to it) or reopened, and on `check_run` rerequested (GitHub's "Re-run"), the App creates the check run "funcspace"
// in progress at once (a pending commit status with a PAT: check-reporter.ts), notes it as the pull request's
// current check, and queues the work (run-pull-request-check.ts). Closing a pull request only marks it closed.
// https://docs.github.com/webhooks/webhook-events-and-payloads#pull_request
// https://docs.github.com/webhooks/webhook-events-and-payloads#check_run
import { PullCheckStore } from "../../src/azure/pull-check-store.js";
import { TABLES } from "../../src/azure/resources.js";
import type { ConnectionRecord } from "../../src/connection/connection-record.js";
import type { GitHubClient } from "../create-octokit.js";
import type { AbortOptions, GitHubAppDeps } from "../github-app-deps.js";
import { CHECK_NAME } from "./check-run-reporter.js";
import { startReport } from "./check-reporter.js";
import { enqueuePullCheck, type PullCheckJob } from "./pull-check-job.js";

/** The fields of GitHub's pull_request payload this reads. */
export interface PullRequestPayload {
  action: string;
  pull_request: {
    number: number;
    title: string;
    html_url: string;
    state: string;
    head: { ref: string; sha: string; repo?: { full_name: string } | null };
    base: { ref: string };
  };
  repository: { full_name: string };
  installation?: { id: number };
}

/** The fields of a check_run payload a re-run request carries. */
export interface CheckRunPayload {
  action: string;
  check_run: {
    name: string;
    head_sha: string;
    app?: { id: number } | null;
    pull_requests: { number: number; head: { ref: string; sha: string; repo?: { id: number } }; base: { ref: string; repo?: { id: number } } }[];
  };
  repository: { full_name: string };
  installation?: { id: number };
}

export interface PullCheckHandlerDeps extends Pick<GitHubAppDeps, "connections" | "storage" | "config"> {
  /** An Octokit with the connection's token (the App installation's, or the PAT). */
  connectionClient(record: ConnectionRecord, options?: AbortOptions): Promise<GitHubClient>;
  /** The App's id: a re-run request for another App's check run is not ours. */
  appId?: number;
}

export type PullCheckOutcome = { action: "queued"; job: PullCheckJob } | { action: "closed" } | { action: "ignored"; reason: string };

export async function handlePullRequest(payload: PullRequestPayload, deliveryId: string, deps: PullCheckHandlerDeps, options: AbortOptions = {}): Promise<PullCheckOutcome> {
  const record = (await deps.connections.get(options))?.record;
  const ignored = checkTarget(record, payload.repository.full_name, payload.installation?.id, payload.pull_request.base.ref);
  if (ignored) return { action: "ignored", reason: ignored };
  const pull = payload.pull_request;
  const store = new PullCheckStore(deps.storage.table(TABLES.pullChecks));
  if (payload.action === "closed") {
    const current = await store.get(record!.connectionId, pull.number, options);
    if (current) await store.upsert(record!.connectionId, { ...current, state: "closed", updatedAt: new Date().toISOString() }, options);
    return { action: "closed" };
  }
  if (!["opened", "synchronize", "reopened"].includes(payload.action)) return { action: "ignored", reason: `action ${payload.action}` };
  // A deleted fork leaves `head.repo` null: still not this repository's code.
  const fromFork = pull.head.repo?.full_name.toLowerCase() !== payload.repository.full_name.toLowerCase();
  return startCheck(record!, { number: pull.number, title: pull.title, url: pull.html_url, headRef: pull.head.ref, headSha: pull.head.sha, fromFork }, deliveryId, deps, options);
}

export async function handleCheckRunRerequest(payload: CheckRunPayload, deliveryId: string, deps: PullCheckHandlerDeps, options: AbortOptions = {}): Promise<PullCheckOutcome> {
  const run = payload.check_run;
  if (payload.action !== "rerequested" || run.name !== CHECK_NAME || (deps.appId !== undefined && run.app?.id !== deps.appId)) return { action: "ignored", reason: "not our check run" };
  const record = (await deps.connections.get(options))?.record;
  const pull = run.pull_requests.find((p) => p.head.sha === run.head_sha) ?? run.pull_requests[0];
  if (!pull) return { action: "ignored", reason: "no pull request" };
  const ignored = checkTarget(record, payload.repository.full_name, payload.installation?.id, pull.base.ref);
  if (ignored) return { action: "ignored", reason: ignored };
  const known = await new PullCheckStore(deps.storage.table(TABLES.pullChecks)).get(record!.connectionId, pull.number, options);
  return startCheck(
    record!,
    {
      number: pull.number,
      title: known?.title ?? `#${pull.number}`,
      url: known?.url ?? "",
      headRef: pull.head.ref,
      headSha: run.head_sha,
      fromFork: pull.head.repo?.id === undefined || pull.head.repo.id !== pull.base.repo?.id,
    },
    deliveryId,
    deps,
    options,
  );
}

async function startCheck(
  record: ConnectionRecord,
  pull: { number: number; title: string; url: string; headRef: string; headSha: string; fromFork: boolean },
  deliveryId: string,
  deps: PullCheckHandlerDeps,
  options: AbortOptions,
): Promise<PullCheckOutcome> {
  const [owner = "", repo = ""] = record.repository.split("/");
  const github = await deps.connectionClient(record, options);
  const started = await startReport(github, record, { owner, repo }, pull, `${deps.config.publicUrl}/sync`, options);
  const now = new Date().toISOString();
  // The row names the head being checked: an older job finding another head there knows it was superseded.
  const { fromFork, ...shown } = pull;
  await new PullCheckStore(deps.storage.table(TABLES.pullChecks)).upsert(
    record.connectionId,
    { ...shown, state: "open", status: "in_progress", ...started, updatedAt: now },
    options,
  );
  const job: PullCheckJob = {
    connectionId: record.connectionId,
    repository: record.repository,
    pullNumber: pull.number,
    title: pull.title,
    url: pull.url,
    headRef: pull.headRef,
    headSha: pull.headSha,
    ...(fromFork ? { fromFork } : {}),
    reportedVia: started.reportedVia,
    ...(started.checkRunId !== undefined ? { checkRunId: started.checkRunId } : {}),
    deliveryId,
    requestedAt: now,
  };
  await enqueuePullCheck(deps.storage, job, options);
  return { action: "queued", job };
}

function checkTarget(record: ConnectionRecord | undefined, repository: string, installationId: number | undefined, baseRef: string): string | undefined {
  if (!record) return "not connected";
  // An App connection follows its own installation; a PAT connection's repository webhook carries none.
  if (repository.toLowerCase() !== record.repository.toLowerCase()) return "other repository";
  if (record.kind === "app" && installationId !== undefined && installationId !== record.installationId) return "other installation";
  if (baseRef !== record.branch) return "base is another branch";
  return undefined;
}
