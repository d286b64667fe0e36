// "Connect with GitHub": send the admin to the App's installation page with a signed, expiring state,
// and check what comes back the way GitHub's docs ask, because an installation_id in a URL can be
// spoofed: the installation must belong to this App (GET /app/installations/{id} with the App's JWT)
// and the user who came back must be able to see it (their OAuth user token, GET /user/installations).
// https://docs.github.com/en/apps/creating-github-apps/about-creating-github-apps/about-the-setup-url
import { exchangeWebFlowCode } from "@octokit/oauth-methods";
import { BadRequestError, ConflictError, ForbiddenError } from "../src/errors.js";
import type { AppCredentials } from "./app-credentials.js";
import { createOctokit, getGitHubStatus } from "./create-octokit.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { createSignedState, verifySignedState } from "./signed-state.js";

export const CONNECT_CALLBACK_PATH = "/api/github/connect/callback";

export interface ConnectCallbackQuery {
  installationId: string | null;
  code: string | null;
  state: string | null;
}

export type ConnectCallbackResult =
  /** The user still has to authorize the App (GitHub did not send a code): go there and come back. */
  | { kind: "authorize"; location: string }
  | { kind: "verified"; installationId: number; account: string; location: string };

/** The App's installation page, with a state that brings the user back to the callback. */
export interface FlowOptions extends AbortOptions {
  /** The flow cookie's nonce (src/auth/cookies.ts): the round trip must end in the browser that started it. */
  browser: string | undefined;
}

export async function startInstallation(runtime: GitHubRuntime, user: string, options: FlowOptions): Promise<string> {
  const app = await requireApp(runtime, options);
  const state = await createSignedState(runtime.deps.secrets, { purpose: "connect", user, browser: options.browser ?? "", data: {} }, options);
  return `${runtime.deps.config.githubWebUrl}/apps/${encodeURIComponent(app.slug)}/installations/new?state=${encodeURIComponent(state)}`;
}

export async function completeInstallation(
  runtime: GitHubRuntime,
  query: ConnectCallbackQuery,
  user: string,
  options: FlowOptions,
): Promise<ConnectCallbackResult> {
  const { deps } = runtime;
  const expected = { user, browser: options.browser };
  const verify = { ...options, useOnce: (nonce: string) => deps.access.useNonce(nonce, options) };
  const app = await requireApp(runtime, options);
  let installationId: number;
  if (query.installationId !== null) {
    await verifySignedState(deps.secrets, query.state, { purpose: "connect", ...expected }, verify);
    installationId = parseInstallationId(query.installationId);
  } else {
    // Back from the authorize round trip below: the installation id travelled inside the signed state.
    ({ installationId } = await verifySignedState<{ installationId: number }>(deps.secrets, query.state, { purpose: "authorize", ...expected }, verify));
  }

  if (!query.code) {
    const state = await createSignedState(deps.secrets, { purpose: "authorize", user, browser: options.browser ?? "", data: { installationId } }, options);
    const params = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: `${deps.config.publicUrl}${CONNECT_CALLBACK_PATH}`,
      state,
    });
    return { kind: "authorize", location: `${deps.config.githubWebUrl}/login/oauth/authorize?${params}` };
  }

  const account = await verifyInstallation(runtime, app, installationId, query.code, options);
  await runtime.verifiedInstallations.upsert({ installationId, account, verifiedBy: user, verifiedAt: new Date().toISOString() }, options);
  deps.logger.info({ installationId, account }, "github app installation verified");
  return { kind: "verified", installationId, account, location: `${deps.config.publicUrl}/settings?installation_id=${installationId}` };
}

async function verifyInstallation(
  runtime: GitHubRuntime,
  app: AppCredentials,
  installationId: number,
  code: string,
  options: AbortOptions,
): Promise<string> {
  const { config, logger } = runtime.deps;
  const refused = new ForbiddenError(
    "This GitHub App installation cannot be connected: it does not belong to this platform's App or your GitHub account cannot see it.",
  );

  // 1. The installation is this App's.
  let account: string;
  try {
    const { data } = await (await runtime.getAppOctokit(options)).request("GET /app/installations/{installation_id}", {
      installation_id: installationId,
      request: { signal: options.abortSignal },
    });
    if (data.app_id !== app.appId) throw refused;
    account = data.account && "login" in data.account ? data.account.login : String(data.target_id);
  } catch (error) {
    if (getGitHubStatus(error) === 404) throw refused;
    throw error;
  }

  // 2. The user who came back can see it (their own token, from the one-time code).
  let userToken: string;
  try {
    const web = createOctokit(config.githubWebUrl, { kind: "none" }, { logger, interactive: true });
    ({ authentication: { token: userToken } } = await exchangeWebFlowCode({
      clientType: "github-app",
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      code,
      redirectUrl: `${config.publicUrl}${CONNECT_CALLBACK_PATH}`,
      request: web.request,
    }));
  } catch (error) {
    const status = getGitHubStatus(error);
    if (status !== undefined && status < 500) {
      throw new BadRequestError("GitHub did not accept the sign-in code (it may have been used already). Connect again.", {
        code: "invalid_code",
      });
    }
    throw error;
  }
  const asUser = createOctokit(config.githubApiUrl, { kind: "token", token: userToken }, { logger, interactive: true });
  for (let page = 1; page <= 50; page++) {
    const { data } = await asUser.request("GET /user/installations", { per_page: 100, page, request: { signal: options.abortSignal } });
    if (data.installations.some((i) => i.id === installationId)) return account;
    if (data.installations.length < 100) break;
  }
  throw refused;
}

async function requireApp(runtime: GitHubRuntime, options: AbortOptions): Promise<AppCredentials> {
  const app = await runtime.getApp(options);
  if (!app) {
    throw new ConflictError("No GitHub App is registered yet. Create it first (Settings → GitHub → Create GitHub App).", {
      code: "app_not_registered",
      details: { manifestUrl: "/api/github/app/manifest" },
    });
  }
  return app;
}

function parseInstallationId(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new BadRequestError("installation_id must be a number.", { code: "invalid_installation" });
  return Number(value);
}
