// The check run on GitHub: created in progress when a pull request's head appears, completed with the report.
// GitHub takes at most 50 annotations per request and adds up those of successive updates, so the report goes
// out as updates of 50 while the run is in progress, the last one with the conclusion.
// https://docs.github.com/rest/checks/runs#create-a-check-run   https://docs.github.com/rest/checks/runs#update-a-check-run
import type { CheckAnnotation, CheckReport } from "../../src/checks/check-report.js";
import type { GitHubClient } from "../create-octokit.js";
import type { AbortOptions } from "../github-app-deps.js";

export const CHECK_NAME = "funcspace";
const ANNOTATIONS_PER_REQUEST = 50;
/** More than this is noise on a pull request: the summary still counts every problem. */
const MAX_ANNOTATIONS = 500;

export interface CheckRunTarget {
  owner: string;
  repo: string;
}

export async function createCheckRun(
  github: GitHubClient,
  target: CheckRunTarget,
  input: { headSha: string; externalId: string; detailsUrl?: string },
  options: AbortOptions = {},
): Promise<{ id: number; url: string }> {
  const { data } = await github.request("POST /repos/{owner}/{repo}/check-runs", {
    ...target,
    name: CHECK_NAME,
    head_sha: input.headSha,
    status: "in_progress",
    started_at: new Date().toISOString(),
    external_id: input.externalId,
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
    output: { title: "Checking what this would do to the workspace…", summary: "funcspace is checking this commit." },
    request: { signal: options.abortSignal },
  });
  return { id: Number(data.id), url: data.html_url ?? "" };
}

export async function completeCheckRun(github: GitHubClient, target: CheckRunTarget, checkRunId: number, report: CheckReport, options: AbortOptions = {}): Promise<void> {
  const annotations = report.annotations.slice(0, MAX_ANNOTATIONS).map(toGitHub);
  const batches: ReturnType<typeof toGitHub>[][] = [];
  for (let start = 0; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) batches.push(annotations.slice(start, start + ANNOTATIONS_PER_REQUEST));
  const last = batches.pop() ?? [];
  const output = (batch: ReturnType<typeof toGitHub>[]) => ({ title: report.title, summary: report.summary, annotations: batch });
  // Every batch but the last while the run is still in progress, then the last with the conclusion: whoever sees
  // the run completed (GitHub's UI, a required check) sees all of its annotations.
  for (const batch of batches) {
    await github.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...target, check_run_id: checkRunId, output: output(batch), request: { signal: options.abortSignal } });
  }
  await github.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    ...target,
    check_run_id: checkRunId,
    status: "completed",
    conclusion: report.conclusion,
    completed_at: new Date().toISOString(),
    output: output(last),
    request: { signal: options.abortSignal },
  });
}

/** Ends a check run that no longer matters (a newer push to the pull request), saying why. */
export async function cancelCheckRun(github: GitHubClient, target: CheckRunTarget, checkRunId: number, reason: string, options: AbortOptions = {}): Promise<void> {
  await github.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    ...target,
    check_run_id: checkRunId,
    status: "completed",
    conclusion: "cancelled",
    completed_at: new Date().toISOString(),
    output: { title: "Superseded", summary: reason },
    request: { signal: options.abortSignal },
  });
}

function toGitHub(annotation: CheckAnnotation) {
  return {
    path: annotation.path,
    start_line: annotation.startLine,
    end_line: annotation.endLine,
    annotation_level: annotation.level,
    title: annotation.title.slice(0, 255),
    message: annotation.message.slice(0, 64 * 1024),
  };
}
