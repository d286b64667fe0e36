// GitHub's `pull-request` JSON, shared by the pull request routes and the `pull_request` webhook payloads.
import { changedFiles, commitsBetween, mergesCleanly, relate } from "./git-compare.js";
import { resolveCommit, toGitHubDate } from "./git-objects.js";
import { nodeId, repositoryJson } from "./repository-json.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { StandInPullRequest, StandInState } from "./stand-in-state.js";

export function pullsOf(state: StandInState, repo: StandInRepository): StandInPullRequest[] {
  const key = repo.fullName.toLowerCase();
  let list = state.pulls.get(key);
  if (!list) state.pulls.set(key, (list = []));
  return list;
}

/** GitHub's `pull-request`: the branches as they are now, and counts computed by git. */
export async function pullJson(state: StandInState, repo: StandInRepository, pr: StandInPullRequest, options: { mergeability: boolean }): Promise<Record<string, unknown>> {
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
    closed_at: pr.closedAt ? toGitHubDate(pr.closedAt) : null,
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
