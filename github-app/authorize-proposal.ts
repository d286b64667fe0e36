// A proposal written with the person's own GitHub token (author mode `user`, see propose-draft.ts). funcspace
// never stores a user's token (sign-in uses it and drops it), so each proposal takes one trip through GitHub's
// authorization of the App: the title and body wait in the draft with a random id, the browser goes to GitHub
// with a signed state naming that id (and this person, this browser, this purpose, once), and GitHub sends it
// back to the sign-in callback, which GitHub already knows (the App's registered callback URL). There the code
// becomes the token, the token's user must be the person signed in, and the pull request is opened with it.
// For someone who authorized the App before, GitHub answers the trip at once, without a page.
// https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
import { randomBytes } from "node:crypto";
import type { DraftProposal } from "../src/api-types.js";
import type { DraftDeps } from "../src/drafts/draft-deps.js";
import { BadRequestError, ConflictError } from "../src/errors.js";
import { createOctokit } from "./create-octokit.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { proposeDraft, type ProposalText, type Proposer } from "./propose-draft.js";
import { exchangeCode, requireApp, SIGN_IN_CALLBACK_PATH } from "./sign-in/sign-in-with-github.js";
import { createSignedState, verifySignedState } from "./signed-state.js";

/** Keeps the proposal's text in the draft and answers the GitHub authorization URL the browser goes to. */
export async function startProposalAuthorization(
  runtime: GitHubRuntime,
  drafts: DraftDeps,
  proposer: Proposer,
  text: ProposalText,
  options: AbortOptions & { browser: string },
): Promise<string> {
  const { deps } = runtime;
  const app = await requireApp(deps, options);
  const pendingId = randomBytes(16).toString("base64url");
  await drafts.drafts.updateMeta(proposer, { pending: { ...text, nonce: pendingId, requestedAt: new Date().toISOString() } }, options);
  const state = await createSignedState(deps.secrets, { purpose: "propose", user: proposer.userId, browser: options.browser, data: { proposal: pendingId } }, options);
  const params = new URLSearchParams({ client_id: app.clientId, redirect_uri: `${deps.config.publicUrl}${SIGN_IN_CALLBACK_PATH}`, state, allow_signup: "false" });
  return `${deps.config.githubWebUrl}/login/oauth/authorize?${params}`;
}

/** GitHub's return: checks the state and the token's user, then opens the pull request as that person. */
export async function completeProposalAuthorization(
  runtime: GitHubRuntime,
  drafts: DraftDeps,
  proposer: Proposer,
  query: { code: string | null; state: string | null },
  options: AbortOptions & { browser: string | undefined },
): Promise<DraftProposal> {
  const { deps } = runtime;
  const data = await verifySignedState<{ proposal?: unknown }>(deps.secrets, query.state, { purpose: "propose", user: proposer.userId, browser: options.browser }, {
    ...options,
    useOnce: (nonce) => deps.access.useNonce(nonce, options),
  });
  const meta = await drafts.drafts.getMeta(proposer, options);
  if (!meta.pending || meta.pending.nonce !== data.proposal) {
    throw new ConflictError("This proposal was already opened, or replaced by a newer one. Open the editor to see your draft.", { code: "proposal_gone" });
  }
  if (!query.code || !/^[\w-]{1,200}$/.test(query.code)) {
    throw new BadRequestError("GitHub did not send back an authorization code. Propose again.", { code: "invalid_code" });
  }
  const token = await exchangeCode(deps, await requireApp(deps, options), query.code);
  const asUser = createOctokit(deps.config.githubApiUrl, { kind: "token", token }, { logger: deps.logger });
  const { data: user } = await asUser.request("GET /user", { request: { signal: options.abortSignal } });
  // GitHub authorizes whoever is signed in to github.com in this browser: it must be the person proposing.
  if (String(user.id) !== proposer.userId) {
    throw new ConflictError(
      `GitHub authorized ${user.login}, but you are signed in to funcspace as ${proposer.name}. Sign in to github.com as ${proposer.name}, then propose again.`,
      { code: "other_github_user" },
    );
  }
  const opened = await proposeDraft(runtime, drafts, proposer, { title: meta.pending.title, body: meta.pending.body }, { ...options, userToken: token });
  const { kind: _kind, ...proposal } = opened;
  return proposal;
}
