// Deletes the repository webhook a PAT connection created. GitHub answers 404 both for a hook already gone
// and for a token that may no longer manage hooks, so a 404 is reported rather than assumed harmless.
import { getGitHubStatus, type GitHubClient } from "../create-octokit.js";
import { githubMessageOf } from "./validate-pat-access.js";

export type DeleteRepoWebhookResult = { deleted: true } | { deleted: false; reason: string };

export async function deleteRepoWebhook(
  octokit: GitHubClient,
  target: { repository: string; webhookId: number },
  options: { abortSignal?: AbortSignal } = {},
): Promise<DeleteRepoWebhookResult> {
  const [owner = "", repo = ""] = target.repository.split("/");
  try {
    await octokit.request("DELETE /repos/{owner}/{repo}/hooks/{hook_id}", {
      owner,
      repo,
      hook_id: target.webhookId,
      request: { signal: options.abortSignal },
    });
    return { deleted: true };
  } catch (error) {
    options.abortSignal?.throwIfAborted();
    const status = getGitHubStatus(error);
    if (status === 404) {
      return { deleted: false, reason: "GitHub answered 404: the webhook was already deleted, or the token can no longer manage webhooks; check the repository's settings" };
    }
    if (status === 401) return { deleted: false, reason: "GitHub rejected the token, so the webhook could not be deleted; delete it in the repository's settings" };
    const detail = status === undefined ? "no answer" : `HTTP ${status}${githubMessageOf(error) ? `: ${githubMessageOf(error)}` : ""}`;
    return { deleted: false, reason: `GitHub did not delete the webhook (${detail}); delete it in the repository's settings` };
  }
}
