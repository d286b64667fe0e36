// github.com's pages an app flow goes through: app registration from a manifest, installing an app, and the
// OAuth web flow (sign in with GitHub: a GitHub App's user access tokens). The browser is signed in as
// `state.people.signedIn` (the stand-in's user unless `signInAs`), and every page confirms at once.
import { randomBytes } from "node:crypto";
import type { Permissions } from "./access.js";
import type { AppRegistry, CreateInstallationOptions, StandInApp } from "./app-registry.js";
import type { PendingCode } from "./app-routes.js";
import { escapeHtml, HttpError, readParams, redirect, sendHtml } from "./http-kit.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInState } from "./stand-in-state.js";

export interface WebFlowState {
  manifestCodes: Map<string, PendingCode>;
  oauthCodes: Map<string, PendingCode>;
  /** What the next visit to an app's installation page installs (default: the user's account, all repositories). */
  nextInstallation: CreateInstallationOptions | undefined;
  /** The next authorize visit is refused by the user (`error=access_denied`). */
  denyNextAuthorization: boolean;
}

const oauthErrorUri = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";
const authorizeErrorUri = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors";
/** GitHub: an expiring user token lasts 8 hours, its refresh token 6 months (the values GitHub always sends). */
const USER_TOKEN_SECONDS = 28_800;
const REFRESH_TOKEN_SECONDS = 15_897_600;
const CODE_TTL_MS = 10 * 60_000;

type OAuthAnswer = Record<string, string | number>;

function oauthError(error: string, description: string): OAuthAnswer {
  return { error, error_description: description, error_uri: oauthErrorUri };
}

/** A user access token (`ghu_…`) for the app's user; with expiring tokens also `expires_in` and a refresh token (`ghr_…`). */
function issueUserToken(state: StandInState, app: StandInApp, login: string): OAuthAnswer {
  const token = `ghu_${randomBytes(18).toString("hex")}`;
  if (!app.expiringUserTokens) {
    state.tokens.set(token, { kind: "user-to-server", login, appId: app.id });
    return { access_token: token, token_type: "bearer", scope: "" };
  }
  const now = Date.now();
  state.tokens.set(token, { kind: "user-to-server", login, appId: app.id, expiresAt: new Date(now + USER_TOKEN_SECONDS * 1000) });
  const refreshToken = `ghr_${randomBytes(38).toString("hex")}`;
  state.refreshTokens.set(refreshToken, { appId: app.id, login, accessToken: token, expiresAt: new Date(now + REFRESH_TOKEN_SECONDS * 1000) });
  return {
    access_token: token,
    expires_in: USER_TOKEN_SECONDS,
    refresh_token: refreshToken,
    refresh_token_expires_in: REFRESH_TOKEN_SECONDS,
    scope: "",
    token_type: "bearer",
  };
}

/** `grant_type=authorization_code` (or none): the code from the authorize redirect, once, within 10 minutes. */
function exchangeCode(ctx: RequestContext, flow: WebFlowState, app: StandInApp, params: Record<string, string>): OAuthAnswer {
  const code = params.code ?? "";
  const pending = flow.oauthCodes.get(code);
  if (!pending || pending.appId !== app.id || pending.expiresAt <= Date.now()) {
    if (pending && pending.expiresAt <= Date.now()) flow.oauthCodes.delete(code);
    return oauthError("bad_verification_code", "The code passed is incorrect or expired.");
  }
  if (pending.redirectUri && params.redirect_uri && params.redirect_uri !== pending.redirectUri) {
    return oauthError("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
  }
  flow.oauthCodes.delete(code);
  return issueUserToken(ctx.state, app, pending.login ?? ctx.state.options.userLogin);
}

/** `grant_type=refresh_token`: a new user token and refresh token; the old pair stops working, as on GitHub. */
function refreshUserToken(ctx: RequestContext, app: StandInApp, refreshToken: string | undefined): OAuthAnswer {
  const grant = ctx.state.refreshTokens.get(refreshToken ?? "");
  if (!refreshToken || !grant || grant.appId !== app.id || grant.expiresAt.getTime() <= Date.now()) {
    return oauthError("bad_refresh_token", "The refresh token passed is incorrect or expired.");
  }
  ctx.state.refreshTokens.delete(refreshToken);
  ctx.state.tokens.delete(grant.accessToken);
  return issueUserToken(ctx.state, app, grant.login);
}

function withQuery(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") url.searchParams.set(key, value);
  return url.href;
}

function parseManifest(text: string | undefined) {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(text ?? "") as Record<string, unknown>;
  } catch {
    throw new HttpError(422, "Invalid GitHub App configuration: the manifest is not JSON.");
  }
  if (typeof manifest.name !== "string" || !manifest.name.trim()) throw new HttpError(422, "Invalid GitHub App configuration: name can't be blank.");
  if (typeof manifest.url !== "string") throw new HttpError(422, "Invalid GitHub App configuration: url can't be blank.");
  const hook = (manifest.hook_attributes ?? {}) as { url?: unknown; active?: unknown };
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return {
    name: manifest.name,
    url: manifest.url,
    description: typeof manifest.description === "string" ? manifest.description : undefined,
    webhookUrl: typeof hook.url === "string" ? hook.url : undefined,
    webhookActive: typeof hook.url === "string" && hook.active !== false,
    redirectUrl: typeof manifest.redirect_url === "string" ? manifest.redirect_url : undefined,
    callbackUrls: strings(manifest.callback_urls),
    setupUrl: typeof manifest.setup_url === "string" ? manifest.setup_url : undefined,
    events: strings(manifest.default_events),
    permissions: (manifest.default_permissions ?? {}) as Permissions,
  };
}

/** GitHub Apps: the redirect URI must sit on a callback URL's host and port, at or below its path. */
function allowedRedirect(redirectUri: string, callbackUrls: string[]): boolean {
  try {
    const url = new URL(redirectUri);
    return callbackUrls.some((callback) => {
      const allowed = new URL(callback);
      return url.origin === allowed.origin && url.pathname.startsWith(allowed.pathname);
    });
  } catch {
    return false;
  }
}

export function webRoutes(registry: AppRegistry, flow: WebFlowState): Route[] {
  const registerFromManifest = async (ctx: RequestContext, org: string | undefined) => {
    const params = ctx.req.method === "POST" ? await readParams(ctx.req) : Object.fromEntries(ctx.url.searchParams);
    const state = params.state ?? ctx.url.searchParams.get("state") ?? undefined;
    if (params.manifest === undefined) {
      sendHtml(ctx.res, 200, `<html><body><h1>Create GitHub App</h1><form method="post"><textarea name="manifest"></textarea><input type="hidden" name="state" value="${escapeHtml(state ?? "")}"><button>Create GitHub App</button></form></body></html>`);
      return;
    }
    const options = parseManifest(params.manifest);
    let app;
    try {
      app = await registry.createApp({ ...options, owner: org ?? ctx.state.people.signedIn });
    } catch (error) {
      throw new HttpError(422, (error as Error).message);
    }
    if (!app.redirectUrl) {
      redirect(ctx.res, `${ctx.state.webUrl}/settings/apps/${app.slug}`);
      return;
    }
    const code = randomBytes(20).toString("hex");
    flow.manifestCodes.set(code, { appId: app.id, expiresAt: Date.now() + 3600_000 });
    redirect(ctx.res, withQuery(app.redirectUrl, { code, state }));
  };

  const install = async (ctx: RequestContext, slug: string) => {
    const app = registry.findApp(slug);
    if (!app || app.slug !== slug) throw new HttpError(404, "Not Found");
    const installer = ctx.state.people.signedIn;
    const choice = flow.nextInstallation ?? { account: installer, repositories: "all" };
    flow.nextInstallation = undefined;
    // Installed from the web by the signed-in user: on an organization, that user sees it.
    const visibleTo = choice.visibleTo ?? (ctx.state.users.has(choice.account.toLowerCase()) ? undefined : [installer]);
    const installation = await registry.createInstallation(app.id, { ...choice, ...(visibleTo ? { visibleTo } : {}) });
    const state = ctx.url.searchParams.get("state") ?? undefined;
    if (!app.setupUrl) {
      redirect(ctx.res, `${ctx.state.webUrl}/settings/installations/${installation.id}`);
      return;
    }
    redirect(ctx.res, withQuery(app.setupUrl, { installation_id: String(installation.id), setup_action: "install", state }));
  };

  return [
    { method: "GET", area: "web", pattern: /^\/settings\/apps\/new$/, handle: (ctx) => registerFromManifest(ctx, undefined) },
    { method: "POST", area: "web", pattern: /^\/settings\/apps\/new$/, handle: (ctx) => registerFromManifest(ctx, undefined) },
    { method: "GET", area: "web", pattern: /^\/organizations\/([^/]+)\/settings\/apps\/new$/, handle: (ctx, [org]) => registerFromManifest(ctx, org) },
    { method: "POST", area: "web", pattern: /^\/organizations\/([^/]+)\/settings\/apps\/new$/, handle: (ctx, [org]) => registerFromManifest(ctx, org) },
    { method: "GET", area: "web", pattern: /^\/(?:apps|github-apps)\/([^/]+)\/installations\/(?:new|select_target)$/, handle: (ctx, [slug = ""]) => install(ctx, slug) },
    {
      method: "GET",
      area: "web",
      pattern: /^\/login\/oauth\/authorize$/,
      // `login` (an account to suggest) and `allow_signup` change nothing here: GitHub authorizes whoever is signed
      // in to the browser (offering "not you?" on its page), so the stand-in signs in `people.signedIn` regardless.
      handle(ctx) {
        const query = ctx.url.searchParams;
        const app = registry.findApp(query.get("client_id") ?? "");
        if (!app || app.clientId !== query.get("client_id")) throw new HttpError(404, "Not Found");
        const redirectUri = query.get("redirect_uri") ?? app.callbackUrls[0];
        if (!redirectUri || !allowedRedirect(redirectUri, app.callbackUrls)) {
          throw new HttpError(400, "The redirect_uri is not associated with this application.");
        }
        const state = query.get("state") ?? undefined;
        if (flow.denyNextAuthorization) {
          flow.denyNextAuthorization = false;
          redirect(ctx.res, withQuery(redirectUri, { error: "access_denied", error_description: "The user has denied your application access.", error_uri: `${authorizeErrorUri}#access-denied`, state }));
          return;
        }
        const code = randomBytes(10).toString("hex");
        flow.oauthCodes.set(code, { appId: app.id, login: ctx.state.people.signedIn, redirectUri: query.get("redirect_uri") ?? undefined, expiresAt: Date.now() + CODE_TTL_MS });
        redirect(ctx.res, withQuery(redirectUri, { code, state }));
      },
    },
    {
      method: "POST",
      area: "web",
      pattern: /^\/login\/oauth\/access_token$/,
      async handle(ctx) {
        const params = { ...Object.fromEntries(ctx.url.searchParams), ...(await readParams(ctx.req)) };
        const app = registry.findApp(params.client_id ?? "");
        let answer: OAuthAnswer;
        if (!app || app.clientId !== params.client_id || app.clientSecret !== params.client_secret) {
          answer = oauthError("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
        } else if (params.grant_type === "refresh_token") {
          answer = refreshUserToken(ctx, app, params.refresh_token);
        } else if (params.grant_type !== undefined && params.grant_type !== "authorization_code") {
          answer = oauthError("unsupported_grant_type", "The grant type is not supported.");
        } else {
          answer = exchangeCode(ctx, flow, app, params);
        }
        // GitHub answers OAuth errors with 200, in the format the Accept header asks for (form by default).
        if ((ctx.req.headers.accept ?? "").includes("application/json")) {
          ctx.res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(answer));
        } else {
          const form = new URLSearchParams(Object.entries(answer).map(([key, value]) => [key, String(value)]));
          ctx.res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }).end(form.toString());
        }
      },
    },
  ];
}
