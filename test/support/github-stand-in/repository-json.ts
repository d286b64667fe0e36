// GitHub's JSON for repositories, commits and branches, built from git's answers.
import type { Credential } from "./access.js";
import { roleOf } from "./access.js";
import { toGitHubDate, type CommitInfo } from "./git-objects.js";
import { atLeast, type StandInRepository } from "./stand-in-repository.js";
import type { StandInState } from "./stand-in-state.js";

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`0:${kind}${id}`).toString("base64").replace(/=+$/, "");
}

export function repositoryJson(state: StandInState, repo: StandInRepository, credential?: Credential): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${repo.fullName}`;
  const html = `${state.webUrl}/${repo.fullName}`;
  const json: Record<string, unknown> = {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.isPrivate,
    owner: state.accountJson(repo.owner),
    html_url: html,
    description: repo.description,
    fork: false,
    url: api,
    hooks_url: `${api}/hooks`,
    branches_url: `${api}/branches{/branch}`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    archive_url: `${api}/{archive_format}{/ref}`,
    created_at: toGitHubDate(repo.createdAt),
    updated_at: toGitHubDate(repo.pushedAt),
    pushed_at: toGitHubDate(repo.pushedAt),
    git_url: `git://${new URL(state.webUrl).host}/${repo.fullName}.git`,
    ssh_url: `git@${new URL(state.webUrl).hostname}:${repo.fullName}.git`,
    clone_url: `${html}.git`,
    homepage: null,
    size: 0,
    language: null,
    archived: false,
    disabled: false,
    visibility: repo.isPrivate ? "private" : "public",
    default_branch: repo.defaultBranch,
  };
  const role = roleOf(credential, repo, state.lookups);
  if (credential) {
    json.permissions = {
      admin: role === "admin",
      maintain: atLeast(role, "maintain"),
      push: atLeast(role, "write"),
      triage: atLeast(role, "triage"),
      pull: role !== undefined || credential.kind === "installation",
    };
  }
  return json;
}

export function commitJson(state: StandInState, repo: StandInRepository, commit: CommitInfo): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${repo.fullName}`;
  const html = `${state.webUrl}/${repo.fullName}`;
  return {
    sha: commit.sha,
    node_id: nodeId("Commit", commit.sha),
    commit: {
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `${html}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    author: null,
    committer: null,
    parents: commit.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `${html}/commit/${sha}` })),
  };
}

export function branchJson(state: StandInState, repo: StandInRepository, branch: string, commit: CommitInfo): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${repo.fullName}`;
  return {
    name: branch,
    commit: commitJson(state, repo, commit),
    _links: { self: `${api}/branches/${branch}`, html: `${state.webUrl}/${repo.fullName}/tree/${branch}` },
    protected: false,
    protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
    protection_url: `${api}/branches/${branch}/protection`,
  };
}
