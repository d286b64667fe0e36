// GitHub's `push` webhook payload for one ref update, computed from the bare repository after the push.
import { isAncestor, readCommit, ZERO_SHA, type CommitInfo } from "./git-objects.js";
import { runGit, runGitText } from "./git.js";
import { repositoryJson } from "./repository-json.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { StandInState } from "./stand-in-state.js";

export interface RefUpdate {
  before: string;
  after: string;
  ref: string;
}

/** GitHub lists at most 20 commits in a push payload. */
const maxCommits = 20;

/** Parses post-receive's stdin: one `old new ref` line per updated ref. */
export function parseRefUpdates(text: string): RefUpdate[] {
  return text
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length === 3)
    .map(([before = "", after = "", ref = ""]) => ({ before, after, ref }));
}

export async function buildPushPayload(state: StandInState, repo: StandInRepository, update: RefUpdate, pusher: string): Promise<Record<string, unknown>> {
  const created = update.before === ZERO_SHA;
  const deleted = update.after === ZERO_SHA;
  const isBranch = update.ref.startsWith("refs/heads/");
  const head = deleted ? undefined : await runGitText(["rev-parse", `${update.after}^{commit}`], { cwd: repo.bareDir });
  const forced = !created && !deleted && isBranch && head !== undefined && !(await isAncestor(repo.bareDir, update.before, head));
  const commitShas = isBranch && head ? await newCommits(repo, update, head, created) : [];
  const commits = await Promise.all(commitShas.map(async (sha) => pushCommitJson(state, repo, await readCommit(repo.bareDir, sha))));
  const html = `${state.webUrl}/${repo.fullName}`;
  const short = (sha: string) => sha.slice(0, 12);
  return {
    ref: update.ref,
    before: update.before,
    after: update.after,
    repository: pushRepositoryJson(state, repo),
    pusher: { name: pusher, email: `${pusher}@users.noreply.stand-in.test` },
    sender: state.accountJson(pusher),
    created,
    deleted,
    forced,
    base_ref: null,
    compare: created ? `${html}/commit/${short(update.after)}` : `${html}/compare/${short(update.before)}...${short(update.after)}`,
    commits,
    head_commit: head ? await pushCommitJson(state, repo, await readCommit(repo.bareDir, head)) : null,
  };
}

/** Commits the push brought: for a new branch, those no other ref had; else those not reachable from `before`. */
async function newCommits(repo: StandInRepository, update: RefUpdate, head: string, created: boolean): Promise<string[]> {
  const range = created ? [head, "--not", `--exclude=${update.ref}`, "--all"] : [head, "--not", update.before];
  const out = await runGitText(["rev-list", `--max-count=${maxCommits}`, ...range], { cwd: repo.bareDir });
  return out ? out.split("\n").reverse() : [];
}

async function pushCommitJson(state: StandInState, repo: StandInRepository, commit: CommitInfo): Promise<Record<string, unknown>> {
  const changes = await changedFiles(repo, commit.sha);
  const person = (p: CommitInfo["author"]) => ({ name: p.name, email: p.email });
  return {
    id: commit.sha,
    tree_id: commit.tree,
    distinct: true,
    message: commit.message,
    timestamp: commit.committer.date,
    url: `${state.webUrl}/${repo.fullName}/commit/${commit.sha}`,
    author: person(commit.author),
    committer: person(commit.committer),
    ...changes,
  };
}

async function changedFiles(repo: StandInRepository, sha: string): Promise<{ added: string[]; removed: string[]; modified: string[] }> {
  const out = (await runGit(["diff-tree", "--no-commit-id", "--name-status", "--no-renames", "-r", "-z", "--root", sha], { cwd: repo.bareDir })).toString("utf8");
  const parts = out.split("\0").filter((part) => part !== "");
  const result = { added: [] as string[], removed: [] as string[], modified: [] as string[] };
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const status = parts[i] ?? "";
    const file = parts[i + 1] ?? "";
    if (status === "A") result.added.push(file);
    else if (status === "D") result.removed.push(file);
    else result.modified.push(file);
  }
  return result;
}

/** The push event's repository object differs from the REST one: Unix timestamps, `master_branch`, owner name/email. */
function pushRepositoryJson(state: StandInState, repo: StandInRepository): Record<string, unknown> {
  const json = repositoryJson(state, repo);
  const owner = json.owner as Record<string, unknown>;
  return {
    ...json,
    owner: { name: repo.owner, email: null, ...owner },
    created_at: Math.floor(repo.createdAt.getTime() / 1000),
    pushed_at: Math.floor(repo.pushedAt.getTime() / 1000),
    master_branch: repo.defaultBranch,
    stargazers: 0,
  };
}
