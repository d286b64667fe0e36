// Turns a draft into a branch and a pull request with GitHub's Git Data API, without a clone: one blob per
// written file, one tree on top of the base commit's tree (deletions are entries with `sha: null`), one commit
// whose only parent is the base, a new branch pointing at it, then the pull request into the connected branch.
//   https://docs.github.com/rest/git/blobs#create-a-blob        https://docs.github.com/rest/git/trees#create-a-tree
//   https://docs.github.com/rest/git/commits#create-a-commit    https://docs.github.com/rest/git/refs#create-a-reference
//   https://docs.github.com/rest/pulls/pulls#create-a-pull-request
// Until the pull request exists nothing is visible but unreferenced objects (GitHub collects them); a branch whose
// pull request could not be opened is deleted again, so a failure leaves nothing behind to clean up.
import pLimit from "p-limit";
import type { StoredDraftChange } from "../src/azure/draft-store.js";
import type { GitHubClient } from "./create-octokit.js";

/** GitHub's file modes: a new file is a plain one; a changed file keeps its mode (an executable stays one). */
const FILE_MODE = "100644";
const BLOB_UPLOADS_AT_ONCE = 4;

export interface PullRequestInput {
  owner: string;
  repo: string;
  /** The commit the branch starts from (the workspace's), and its tree. */
  baseSha: string;
  baseTreeSha: string;
  /** Modes of the base tree's files, by path (to keep 100755). */
  baseModes: ReadonlyMap<string, string>;
  /** The connected branch: the pull request's base. */
  targetBranch: string;
  /** The new branch's name, without `refs/heads/`. */
  branch: string;
  changes: readonly StoredDraftChange[];
  title: string;
  body: string;
  commitMessage: string;
  abortSignal?: AbortSignal;
}

export interface OpenedPullRequest {
  number: number;
  url: string;
  branch: string;
  commitSha: string;
}

export async function openPullRequest(github: GitHubClient, input: PullRequestInput): Promise<OpenedPullRequest> {
  const { owner, repo, abortSignal } = input;
  const request = { signal: abortSignal };
  const limit = pLimit(BLOB_UPLOADS_AT_ONCE);
  const entries = await Promise.all(
    input.changes.map((change) =>
      limit(async () => {
        if (change.kind === "deleted") return { path: change.path, mode: input.baseModes.get(change.path) ?? FILE_MODE, type: "blob" as const, sha: null };
        const { data } = await github.request("POST /repos/{owner}/{repo}/git/blobs", {
          owner,
          repo,
          content: (change.content ?? Buffer.alloc(0)).toString("base64"),
          encoding: "base64",
          request,
        });
        return { path: change.path, mode: (input.baseModes.get(change.path) ?? FILE_MODE) as "100644", type: "blob" as const, sha: data.sha };
      }),
    ),
  );
  const { data: tree } = await github.request("POST /repos/{owner}/{repo}/git/trees", {
    owner,
    repo,
    base_tree: input.baseTreeSha,
    tree: entries as { path: string; mode: "100644"; type: "blob"; sha: string | null }[],
    request,
  });
  const { data: commit } = await github.request("POST /repos/{owner}/{repo}/git/commits", {
    owner,
    repo,
    message: input.commitMessage,
    tree: tree.sha,
    parents: [input.baseSha],
    request,
  });
  const branch = await createBranch(github, input, commit.sha);
  try {
    const { data: pull } = await github.request("POST /repos/{owner}/{repo}/pulls", {
      owner,
      repo,
      title: input.title,
      body: input.body,
      head: branch,
      base: input.targetBranch,
      request,
    });
    return { number: pull.number, url: pull.html_url, branch, commitSha: commit.sha };
  } catch (error) {
    await github.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { owner, repo, ref: `heads/${branch}` }).catch(() => undefined);
    throw error;
  }
}

/** Creates the branch; when the name is taken (two proposals in one second), tries `-2`, `-3`. */
async function createBranch(github: GitHubClient, input: PullRequestInput, sha: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const branch = attempt === 1 ? input.branch : `${input.branch}-${attempt}`;
    try {
      await github.request("POST /repos/{owner}/{repo}/git/refs", { owner: input.owner, repo: input.repo, ref: `refs/heads/${branch}`, sha, request: { signal: input.abortSignal } });
      return branch;
    } catch (error) {
      const status = (error as { status?: number }).status;
      const message = String((error as { response?: { data?: { message?: string } } }).response?.data?.message ?? "");
      if (status !== 422 || !/already exists/i.test(message) || attempt >= 5) throw error;
    }
  }
}
