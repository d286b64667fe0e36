// The `pull_request` webhook, as GitHub sends it to repository hooks and to installed apps subscribed to
// `pull_request`: `opened` (POST pulls), `synchronize` when a push moves the head branch (with `before` and
// `after`), `closed` and `reopened` (the stand-in's test controls, as the web UI's buttons), and `closed` when the
// head branch is deleted, as GitHub closes such a pull request.
//   https://docs.github.com/webhooks/webhook-events-and-payloads#pull_request
import { resolveCommit, ZERO_SHA } from "./git-objects.js";
import { deliverEvent } from "./hook-routes.js";
import { pullJson, pullsOf } from "./pull-json.js";
import { repositoryJson } from "./repository-json.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { PushListener, StandInPullRequest, StandInState } from "./stand-in-state.js";

export type PullRequestAction = "opened" | "synchronize" | "closed" | "reopened";

/** Sends `pull_request` with GitHub's payload: `action`, `number`, the pull request as it is now, `repository`, `sender`. */
export async function deliverPullRequestEvent(
  state: StandInState,
  repo: StandInRepository,
  pr: StandInPullRequest,
  action: PullRequestAction,
  sender: string,
  push?: { before: string; after: string },
): Promise<void> {
  const payload = {
    action,
    number: pr.number,
    ...(push ? { before: push.before, after: push.after } : {}),
    // GitHub works out mergeability in the background: webhook payloads carry `mergeable: null`.
    pull_request: await pullJson(state, repo, pr, { mergeability: false }),
    repository: repositoryJson(state, repo),
    sender: state.accountJson(sender),
  };
  await deliverEvent(state, repo, "pull_request", payload);
}

/** A push to an open pull request's head branch: `synchronize`; the head branch deleted: the pull request is closed. */
export function synchronizePullRequests(state: StandInState): PushListener {
  return async (repo, update, pusher) => {
    if (!update.ref.startsWith("refs/heads/")) return;
    const branch = update.ref.slice("refs/heads/".length);
    for (const pr of pullsOf(state, repo).filter((p) => p.state === "open" && p.head === branch)) {
      const now = new Date();
      pr.updatedAt = now;
      if (update.after === ZERO_SHA) {
        Object.assign(pr, { state: "closed", closedAt: now });
        await deliverPullRequestEvent(state, repo, pr, "closed", pusher);
      } else {
        pr.headSha = update.after;
        await deliverPullRequestEvent(state, repo, pr, "synchronize", pusher, update);
      }
    }
  };
}

/**
 * The web UI's "Close pull request" / "Reopen pull request": changes the state and sends `closed` / `reopened`.
 * Reopening needs the head branch and no other open pull request between the same branches (the test control
 * throws otherwise).
 */
export async function setPullRequestState(state: StandInState, fullName: string, number: number, open: boolean, sender: string): Promise<StandInPullRequest> {
  const repo = state.repositories.get(fullName.toLowerCase());
  if (!repo) throw new Error(`no repository ${fullName}`);
  const pulls = pullsOf(state, repo);
  const pr = pulls.find((p) => p.number === number);
  if (!pr) throw new Error(`no pull request #${number} in ${fullName}`);
  if ((pr.state === "open") === open) throw new Error(`pull request #${number} is already ${pr.state}`);
  if (open) {
    const head = await resolveCommit(repo.bareDir, `refs/heads/${pr.head}`);
    if (!head) throw new Error(`pull request #${number} cannot be reopened: its head branch ${pr.head} is gone`);
    if (pulls.some((p) => p.state === "open" && p.head === pr.head && p.base === pr.base)) throw new Error(`another pull request is open for ${pr.head} into ${pr.base}`);
    pr.headSha = head;
  }
  const now = new Date();
  Object.assign(pr, { state: open ? "open" : "closed", closedAt: open ? undefined : now, updatedAt: now });
  await deliverPullRequestEvent(state, repo, pr, open ? "reopened" : "closed", sender);
  return pr;
}
