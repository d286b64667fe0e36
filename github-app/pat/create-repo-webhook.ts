// Creates the repository webhook of a PAT connection: push and pull_request events (pull request checks), JSON, our webhook URL, a fresh secret.
// GitHub only allows it to repository admins whose token has Webhooks: write (fine-grained) or
// admin:repo_hook (classic); when it refuses, the connection falls back to polling and says why.
import { getGitHubStatus, type GitHubClient } from "../create-octokit.js";
import { githubMessageOf } from "./validate-pat-access.js";
import { webhookPermissionHint, type TokenKind } from "./describe-token-kind.js";

export type CreateRepoWebhookResult = { created: true; webhookId: number } | { created: false; reason: string };

export interface CreateRepoWebhookOptions {
  abortSignal?: AbortSignal;
}

export async function createRepoWebhook(
  octokit: GitHubClient,
  target: { repository: string; url: string; secret: string; tokenKind: TokenKind; admin: boolean },
  options: CreateRepoWebhookOptions = {},
): Promise<CreateRepoWebhookResult> {
  const [owner = "", repo = ""] = target.repository.split("/");
  try {
    const response = await octokit.request("POST /repos/{owner}/{repo}/hooks", {
      owner,
      repo,
      name: "web",
      active: true,
      events: ["push", "pull_request"],
      config: { url: target.url, content_type: "json", secret: target.secret, insecure_ssl: "0" },
      request: { signal: options.abortSignal },
    });
    return { created: true, webhookId: response.data.id };
  } catch (error) {
    options.abortSignal?.throwIfAborted();
    return { created: false, reason: describeRefusal(error, target) };
  }
}

function describeRefusal(error: unknown, target: { tokenKind: TokenKind; admin: boolean }): string {
  const status = getGitHubStatus(error);
  if (status === 403 || status === 404) {
    // GitHub hides the hooks API behind 404 as well as 403 when the token may not manage hooks.
    return target.admin
      ? `the token lacks ${webhookPermissionHint(target.tokenKind)}`
      : `the token's user is not an admin of the repository (or the token lacks ${webhookPermissionHint(target.tokenKind)})`;
  }
  if (status === 422) return `GitHub refused the webhook (${githubMessageOf(error) ?? "validation failed"})`;
  return `GitHub could not create it (${status === undefined ? "no answer" : `HTTP ${status}`})`;
}
