// Where a pull request check shows on GitHub, by connection kind (issue 22, item 4):
// - App: the check run "funcspace" (annotations on the lines; check-run-reporter.ts);
// - PAT: a commit status with context "funcspace" when the token may write one (Commit statuses: write, or the
//   classic `repo` scope); the summary and the problems are then on funcspace's sync page;
// - otherwise only on funcspace's sync page, with the reason.
// https://docs.github.com/rest/commits/statuses#create-a-commit-status
import type { CheckReport } from "../../src/checks/check-report.js";
import type { ConnectionRecord } from "../../src/connection/connection-record.js";
import { getGitHubStatus, type GitHubClient } from "../create-octokit.js";
import type { AbortOptions } from "../github-app-deps.js";
import { CHECK_NAME, cancelCheckRun, completeCheckRun, createCheckRun, type CheckRunTarget } from "./check-run-reporter.js";

export type ReportedVia = "check-run" | "status" | "funcspace";

export interface StartedReport {
  reportedVia: ReportedVia;
  checkRunId?: number;
  checkUrl?: string;
  /** Why the check shows only in funcspace. */
  reportReason?: string;
}

/** GitHub's limit for a status's description. */
const MAX_DESCRIPTION = 140;

export async function startReport(
  github: GitHubClient,
  record: ConnectionRecord,
  target: CheckRunTarget,
  pull: { number: number; headSha: string },
  detailsUrl: string,
  options: AbortOptions = {},
): Promise<StartedReport> {
  if (record.kind === "app") {
    const run = await createCheckRun(github, target, { headSha: pull.headSha, externalId: String(pull.number), detailsUrl }, options);
    return { reportedVia: "check-run", checkRunId: run.id, checkUrl: run.url };
  }
  try {
    await setStatus(github, target, pull.headSha, "pending", "Checking what this would do to the workspace…", detailsUrl, options);
    return { reportedVia: "status" };
  } catch (error) {
    const status = getGitHubStatus(error);
    if (status !== 403 && status !== 404) throw error;
    return {
      reportedVia: "funcspace",
      reportReason:
        "The connection's token may not write commit statuses on GitHub (it needs Commit statuses: Read and write, or the classic repo scope), " +
        "so this check shows only here.",
    };
  }
}

export async function finishReport(
  github: GitHubClient,
  target: CheckRunTarget,
  started: { reportedVia: ReportedVia; checkRunId?: number; headSha: string },
  report: CheckReport,
  detailsUrl: string,
  options: AbortOptions = {},
): Promise<void> {
  if (started.reportedVia === "check-run" && started.checkRunId !== undefined) return completeCheckRun(github, target, started.checkRunId, report, options);
  if (started.reportedVia === "status") {
    // A status has no "neutral": a check that ran in part and found nothing wrong does not block the merge.
    await setStatus(github, target, started.headSha, report.conclusion === "failure" ? "failure" : "success", report.title, detailsUrl, options);
  }
}

export async function cancelReport(
  github: GitHubClient,
  target: CheckRunTarget,
  started: { reportedVia: ReportedVia; checkRunId?: number; headSha: string },
  reason: string,
  detailsUrl: string,
  options: AbortOptions = {},
): Promise<void> {
  if (started.reportedVia === "check-run" && started.checkRunId !== undefined) return cancelCheckRun(github, target, started.checkRunId, reason, options);
  if (started.reportedVia === "status") await setStatus(github, target, started.headSha, "error", `Not checked: ${reason}`, detailsUrl, options);
}

async function setStatus(
  github: GitHubClient,
  target: CheckRunTarget,
  sha: string,
  state: "pending" | "success" | "failure" | "error",
  description: string,
  detailsUrl: string,
  options: AbortOptions,
): Promise<void> {
  await github.request("POST /repos/{owner}/{repo}/statuses/{sha}", {
    ...target,
    sha,
    state,
    context: CHECK_NAME,
    description: description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION - 1)}…` : description,
    target_url: detailsUrl,
    request: { signal: options.abortSignal },
  });
}
