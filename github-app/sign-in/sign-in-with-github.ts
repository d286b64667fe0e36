// "Sign in with GitHub" (AUTH_MODE=github): the OAuth web flow of the platform's own GitHub App.
// Start: the authorize URL with a signed state bound to the browser's flow cookie. Callback: the state is
// checked (signature, purpose, browser, once), the one-time code exchanged for the person's user-to-server
// token, `GET /user` names them, their roles are resolved, and a new session starts (any earlier one in this
// browser ends: rotation on sign-in). The user token is used for these calls only and never stored.
// https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
import { exchangeWebFlowCode } from "@octokit/oauth-methods";
import type { ResponseCookie } from "../../src/auth/cookies.js";
import type { HeaderSource } from "../../src/auth/principal.js";
import { endSession, issueSession, readSession } from "../../src/auth/sessions.js";
import { BadRequestError, ConflictError } from "../../src/errors.js";
import { getAppCredentials, type AppCredentials } from "../app-credentials.js";
import { createOctokit, getGitHubStatus } from "../create-octokit.js";
import type { AbortOptions, GitHubAppDeps } from "../github-app-deps.js";
import { createSignedState, verifySignedState } from "../signed-state.js";
import { resolveRoles } from "./resolve-roles.js";

export const SIGN_IN_CALLBACK_PATH = "/api/auth/callback";

export async function startSignIn(deps: GitHubAppDeps, options: AbortOptions & { browser: string }): Promise<string> {
  const app = await requireApp(deps, options);
  const state = await createSignedState(deps.secrets, { purpose: "sign-in", user: "", browser: options.browser, data: {} }, options);
  const params = new URLSearchParams({
    client_id: app.clientId,
    redirect_uri: `${deps.config.publicUrl}${SIGN_IN_CALLBACK_PATH}`,
    state,
    allow_signup: "false",
  });
  return `${deps.config.githubWebUrl}/login/oauth/authorize?${params}`;
}

export interface SignInResult {
  login: string;
  roles: string[];
  cookie: ResponseCookie;
}

export async function completeSignIn(
  deps: GitHubAppDeps,
  query: { code: string | null; state: string | null },
  request: { headers: HeaderSource; browser: string | undefined },
  options: AbortOptions = {},
): Promise<SignInResult> {
  await verifySignedState(deps.secrets, query.state, { purpose: "sign-in", user: "", browser: request.browser }, {
    ...options,
    useOnce: (nonce) => deps.access.useNonce(nonce, options),
  });
  if (!query.code || !/^[\w-]{1,200}$/.test(query.code)) {
    throw new BadRequestError("GitHub did not send back a sign-in code. Sign in again.", { code: "invalid_code" });
  }
  const app = await requireApp(deps, options);
  const token = await exchangeCode(deps, app, query.code);
  const asUser = createOctokit(deps.config.githubApiUrl, { kind: "token", token }, { logger: deps.logger });
  const { data: user } = await asUser.request("GET /user", { request: { signal: options.abortSignal } });

  // The person who used the setup code and created the App becomes its first admin on their first sign-in.
  const previous = await readSession(deps, request.headers, options);
  if (previous?.identityProvider === "setup") {
    await deps.access.upsertGrant(
      { userId: String(user.id), login: user.login, role: "admin", grantedBy: "setup code", grantedAt: new Date().toISOString() },
      options,
    );
    deps.logger.info({ login: user.login }, "first admin granted through the setup code");
  }
  const roles = await resolveRoles(deps, { id: Number(user.id), login: user.login }, token, options);
  if (previous) await endSession(deps, request.headers, options);
  const cookie = await issueSession(deps, { userId: String(user.id), login: user.login, provider: "github", roles }, options);
  deps.logger.info({ login: user.login, roles }, "signed in with github");
  return { login: user.login, roles, cookie };
}

/** The person's user-to-server token for a code GitHub sent to the sign-in callback (a 400 when GitHub refuses it). */
export async function exchangeCode(deps: GitHubAppDeps, app: AppCredentials, code: string): Promise<string> {
  try {
    const web = createOctokit(deps.config.githubWebUrl, { kind: "none" }, { logger: deps.logger });
    const { authentication } = await exchangeWebFlowCode({
      clientType: "github-app",
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      code,
      redirectUrl: `${deps.config.publicUrl}${SIGN_IN_CALLBACK_PATH}`,
      request: web.request,
    });
    return authentication.token;
  } catch (error) {
    const status = getGitHubStatus(error);
    if (status !== undefined && status < 500) {
      throw new BadRequestError("GitHub did not accept the sign-in code (it may have been used already). Sign in again.", { code: "invalid_code" });
    }
    throw error;
  }
}

export async function requireApp(deps: GitHubAppDeps, options: AbortOptions): Promise<AppCredentials> {
  const app = await getAppCredentials(deps.secrets, options);
  if (!app) {
    throw new ConflictError("No GitHub App is registered yet, so nobody can sign in with GitHub: enter the setup code from the server log first.", {
      code: "app_not_registered",
    });
  }
  return app;
}
