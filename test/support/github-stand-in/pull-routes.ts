// Pull requests between branches of one repository (the stand-in has no forks): open one, read one.
//   https://docs.github.com/rest/pulls/pulls#create-a-pull-request
//   https://docs.github.com/rest/pulls/pulls#get-a-pull-request
// Opening one needs `pull_requests: write` (fine-grained, App) or `repo`/`public_repo` (classic), and write
// access to the head branch, which here is in the repository itself. GitHub's refusals are 422 "Validation
// Failed" with an `errors` list: a missing field, a head or base that is not a branch, "No commits between
// {base} and {head}", "A pull request already exists for {owner}:{head}.".
import { callerIdentity } from "./caller-identity.js";
import { changedFiles, commitsBetween, mergesCleanly, relate } from "./git-compare.js";
import { resolveCommit, toGitHubDate } from "./git-objects.js";
import { invalidRequest } from "./git-data-routes.js";
import { HttpError, notFound, readJsonBody, sendJson } from "./http-kit.js";
import { nodeId, repositoryJson } from "./repository-json.js";
import { loadRepository } from "./repository-routes.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { StandInPullRequest, StandInState } from "./stand-in-state.js";

const repoPath = "/repos/([^/]+)/([^/]+)";
const docs = {
  create: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
  get: "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
};

function validationFailed(...errors: Record<string, string>[]): HttpError {
  return new HttpError(422, "Validation Failed", { documentationUrl: docs.create, errors });
}

export function pullsOf(state: StandInState, repo: StandInRepository): StandInPullRequest[] {
  const key = repo.fullName.toLowerCase();
  let list = state.pulls.get(key);
  if (!list) state.pulls.set(key, (list = []));
  return list;
}

export const pullRoutes: Route[] = [
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/pulls$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "pull_requests", level: "write" });
      const body = await readJsonBody(ctx.req);
      if (body.issue !== undefined) throw invalidRequest("Converting an issue into a pull request is not supported by the stand-in.", docs.create);
      for (const field of ["title", "head", "base"] as const) {
        if (typeof body[field] !== "string" || body[field] === "") {
          throw validationFailed({ resource: field === "title" ? "Issue" : "PullRequest", code: "missing_field", field });
        }
      }
      if (body.body !== undefined && body.body !== null && typeof body.body !== "string") throw invalidRequest(`For 'body', it is not a string.`, docs.create);
      const [title, headSpec, base] = [body.title as string, body.head as string, body.base as string];
      // `owner:branch` names a fork's branch; only this repository's owner is known here.
      const colon = headSpec.indexOf(":");
      const head = colon < 0 ? headSpec : headSpec.slice(0, colon).toLowerCase() === repo.owner.toLowerCase() ? headSpec.slice(colon + 1) : "";
      const headSha = head ? await resolveCommit(repo.bareDir, `refs/heads/${head}`) : undefined;
      const baseSha = await resolveCommit(repo.bareDir, `refs/heads/${base}`);
      if (!baseSha) throw validationFailed({ resource: "PullRequest", field: "base", code: "invalid" });
      if (!headSha) throw validationFailed({ resource: "PullRequest", field: "head", code: "invalid" });
      const pulls = pullsOf(ctx.state, repo);
      if (pulls.some((pr) => pr.state === "open" && pr.head === head && pr.base === base)) {
        throw validationFailed({ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${head}.` });
      }
      const relation = await relate(repo.bareDir, baseSha, headSha);
      if (!relation || relation.aheadBy === 0) throw validationFailed({ resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${headSpec}` });
      const now = new Date();
      const pr: StandInPullRequest = {
        id: ctx.state.nextId(),
        number: (pulls.at(-1)?.number ?? 0) + 1,
        title,
        body: typeof body.body === "string" ? body.body : null,
        head,
        base,
        headSha,
        user: callerIdentity(ctx).login,
        draft: body.draft === true,
        maintainerCanModify: body.maintainer_can_modify !== false,
        state: "open",
        createdAt: now,
        updatedAt: now,
      };
      pulls.push(pr);
      // GitHub works out mergeability in the background: a new pull request reports `mergeable: null`.
      const json = await pullJson(ctx, repo, pr, { mergeability: false });
      sendJson(ctx.req, ctx.res, 201, json, { ...ctx.headers, location: String(json.url) });
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/pulls/(\\d+)$`),
    async handle(ctx, [owner = "", name = "", number = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "pull_requests", level: "read" });
      const pr = pullsOf(ctx.state, repo).find((p) => p.number === Number(number));
      if (!pr) throw notFound(docs.get);
      sendJson(ctx.req, ctx.res, 200, await pullJson(ctx, repo, pr, { mergeability: true }), ctx.headers);
    },
  },
];

/** GitHub's `pull-request`: the branches as they are now, and counts computed by git. */
async function pullJson(ctx: RequestContext, repo: StandInRepository, pr: StandInPullRequest, options: { mergeability: boolean }): Promise<Record<string, unknown>> {
  const { state } = ctx;
  const api = `${state.apiUrl}/repos/${repo.fullName}`;
  const html = `${state.webUrl}/${repo.fullName}`;
  const headSha = (await resolveCommit(repo.bareDir, `refs/heads/${pr.head}`)) ?? pr.headSha;
  const baseSha = (await resolveCommit(repo.bareDir, `refs/heads/${pr.base}`)) ?? "";
  const relation = baseSha ? await relate(repo.bareDir, baseSha, headSha) : undefined;
  const files = relation ? await changedFiles(repo.bareDir, relation.mergeBase, headSha) : [];
  const clean = options.mergeability && baseSha ? await mergesCleanly(repo.bareDir, baseSha, headSha) : undefined;
  const owner = state.accountJson(repo.owner);
  const side = (ref: string, sha: string) => ({ label: `${repo.owner}:${ref}`, ref, sha, user: owner, repo: repositoryJson(state, repo) });
  const self = `${api}/pulls/${pr.number}`;
  const role = state.roleOn(repo, pr.user);
  return {
    url: self,
    id: pr.id,
    node_id: nodeId("PullRequest", pr.id),
    html_url: `${html}/pull/${pr.number}`,
    diff_url: `${html}/pull/${pr.number}.diff`,
    patch_url: `${html}/pull/${pr.number}.patch`,
    issue_url: `${api}/issues/${pr.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pr.number}/comments`,
    statuses_url: `${api}/statuses/${headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: state.accountJson(pr.user),
    body: pr.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: toGitHubDate(pr.createdAt),
    updated_at: toGitHubDate(pr.updatedAt),
    closed_at: null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pr.head, headSha),
    base: side(pr.base, baseSha),
    _links: {
      self: { href: self },
      html: { href: `${html}/pull/${pr.number}` },
      issue: { href: `${api}/issues/${pr.number}` },
      comments: { href: `${api}/issues/${pr.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${api}/statuses/${headSha}` },
    },
    author_association: pr.user.toLowerCase() === repo.owner.toLowerCase() ? "OWNER" : role ? "COLLABORATOR" : "NONE",
    auto_merge: null,
    draft: pr.draft,
    merged: false,
    mergeable: clean ?? null,
    rebaseable: clean ?? null,
    mergeable_state: clean === undefined ? "unknown" : clean ? "clean" : "dirty",
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: pr.maintainerCanModify,
    commits: relation ? (await commitsBetween(repo.bareDir, baseSha, headSha)).length : 0,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    changed_files: files.length,
  };
}
