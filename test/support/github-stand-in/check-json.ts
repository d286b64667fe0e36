// GitHub's JSON for check runs, check suites and annotations (the `check-run`, `check-suite` and
// `check-annotation` schemas of https://docs.github.com/rest/checks/runs and /rest/checks/suites).
import type { AppRegistry } from "./app-registry.js";
import { readCommit, resolveCommit, toGitHubDate } from "./git-objects.js";
import { pullsOf } from "./pull-json.js";
import { nodeId, repositoryJson } from "./repository-json.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { StandInState } from "./stand-in-state.js";

export type CheckStatus = "queued" | "in_progress" | "completed";

export interface StandInAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  startColumn: number | null;
  endColumn: number | null;
  level: "notice" | "warning" | "failure";
  message: string;
  title: string | null;
  rawDetails: string | null;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

/** A check run as the stand-in keeps it; it belongs to the check suite of its app and head commit. */
export interface StandInCheckRun {
  id: number;
  appId: number;
  suiteId: number;
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  externalId: string;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Every annotation sent, in order: each update appends its own. */
  annotations: StandInAnnotation[];
  actions: CheckRunAction[];
  createdAt: Date;
  updatedAt: Date;
}

/** One per app and head commit (GitHub: "check suites are created automatically when you create a check run"). */
export interface StandInCheckSuite {
  id: number;
  appId: number;
  headSha: string;
  headBranch: string | null;
  before: string | null;
  after: string | null;
  status: CheckStatus;
  conclusion: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CheckJsonContext {
  state: StandInState;
  apps: AppRegistry;
}

/** The app as check runs and suites name it (`integration`; `installations_count` only when an app asks about itself). */
export function integrationJson(ctx: CheckJsonContext, appId: number): Record<string, unknown> | null {
  const app = ctx.apps.apps.get(appId);
  if (!app) return null;
  const json = ctx.apps.appJson(app);
  delete json.installations_count;
  return json;
}

/**
 * `pull-request-minimal` for the open pull requests whose head is the commit or the branch checked: "Pull requests
 * that are open with a `head_sha` or `head_branch` that matches the check."
 */
export async function matchingPullRequests(ctx: CheckJsonContext, repo: StandInRepository, headSha: string, headBranch: string | null): Promise<Record<string, unknown>[]> {
  const api = `${ctx.state.apiUrl}/repos/${repo.fullName}`;
  const repoRef = { id: repo.id, url: api, name: repo.name };
  const open = pullsOf(ctx.state, repo).filter((pr) => pr.state === "open" && (pr.headSha === headSha || pr.head === headBranch));
  return Promise.all(
    open.map(async (pr) => ({
      url: `${api}/pulls/${pr.number}`,
      id: pr.id,
      number: pr.number,
      head: { ref: pr.head, sha: pr.headSha, repo: repoRef },
      base: { ref: pr.base, sha: (await resolveCommit(repo.bareDir, `refs/heads/${pr.base}`)) ?? "", repo: repoRef },
    })),
  );
}

export async function checkRunJson(ctx: CheckJsonContext, repo: StandInRepository, run: StandInCheckRun, suite: StandInCheckSuite): Promise<Record<string, unknown>> {
  const api = `${ctx.state.apiUrl}/repos/${repo.fullName}/check-runs/${run.id}`;
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("CheckRun", run.id),
    head_sha: run.headSha,
    external_id: run.externalId,
    url: api,
    html_url: `${ctx.state.webUrl}/${repo.fullName}/runs/${run.id}`,
    // "If the integrator does not provide this, then the homepage of the GitHub app is used."
    details_url: run.detailsUrl ?? ctx.apps.apps.get(run.appId)?.externalUrl ?? null,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt ? toGitHubDate(run.startedAt) : null,
    completed_at: run.completedAt ? toGitHubDate(run.completedAt) : null,
    output: { ...run.output, annotations_count: run.annotations.length, annotations_url: `${api}/annotations` },
    check_suite: { id: suite.id },
    app: integrationJson(ctx, run.appId),
    pull_requests: await matchingPullRequests(ctx, repo, run.headSha, suite.headBranch),
  };
}

/** `check-suite`; webhooks carry it without `repository` (the payload has its own). */
export async function checkSuiteJson(ctx: CheckJsonContext, repo: StandInRepository, suite: StandInCheckSuite, runs: StandInCheckRun[]): Promise<Record<string, unknown>> {
  const api = `${ctx.state.apiUrl}/repos/${repo.fullName}`;
  const commit = await readCommit(repo.bareDir, suite.headSha);
  const latest = new Set(runs.filter((r) => r.suiteId === suite.id).map((r) => r.name));
  return {
    id: suite.id,
    node_id: nodeId("CheckSuite", suite.id),
    head_branch: suite.headBranch,
    head_sha: suite.headSha,
    status: suite.status,
    conclusion: suite.conclusion,
    url: `${api}/check-suites/${suite.id}`,
    before: suite.before,
    after: suite.after,
    pull_requests: await matchingPullRequests(ctx, repo, suite.headSha, suite.headBranch),
    app: integrationJson(ctx, suite.appId),
    repository: repositoryJson(ctx.state, repo),
    created_at: toGitHubDate(suite.createdAt),
    updated_at: toGitHubDate(suite.updatedAt),
    head_commit: {
      id: commit.sha,
      tree_id: commit.tree,
      message: commit.message,
      timestamp: commit.committer.date,
      author: { name: commit.author.name, email: commit.author.email },
      committer: { name: commit.committer.name, email: commit.committer.email },
    },
    latest_check_runs_count: latest.size,
    check_runs_url: `${api}/check-suites/${suite.id}/check-runs`,
    rerequestable: true,
    runs_rerequestable: true,
  };
}

export function annotationJson(ctx: CheckJsonContext, repo: StandInRepository, run: StandInCheckRun, annotation: StandInAnnotation): Record<string, unknown> {
  return {
    path: annotation.path,
    start_line: annotation.startLine,
    end_line: annotation.endLine,
    start_column: annotation.startColumn,
    end_column: annotation.endColumn,
    annotation_level: annotation.level,
    title: annotation.title,
    message: annotation.message,
    raw_details: annotation.rawDetails,
    blob_href: `${ctx.state.webUrl}/${repo.fullName}/blob/${run.headSha}/${annotation.path.split("/").map(encodeURIComponent).join("/")}`,
  };
}
