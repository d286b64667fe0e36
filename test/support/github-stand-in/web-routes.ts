// github.com's pages an app flow goes through: app registration from a manifest, installing an app, and the
// OAuth web flow. The user is always signed in as the stand-in's user, and every page confirms at once.
import { randomBytes } from "node:crypto";
import type { Permissions } from "./access.js";
import type { AppRegistry, CreateInstallationOptions } from "./app-registry.js";
import type { PendingCode } from "./app-routes.js";
import { escapeHtml, HttpError, readParams, redirect, sendHtml } from "./http-kit.js";
import type { RequestContext, Route } from "./route.js";

export interface WebFlowState {
  manifestCodes: Map<string, PendingCode>;
  oauthCodes: Map<string, PendingCode>;
  /** What the next visit to an app's installation page installs (default: the user's account, all repositories). */
  nextInstallation: CreateInstallationOptions | undefined;
}

const oauthErrorUri = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";

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
      app = await registry.createApp({ ...options, owner: org ?? ctx.state.options.userLogin });
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
    const choice = flow.nextInstallation ?? { account: ctx.state.options.userLogin, repositories: "all" };
    flow.nextInstallation = undefined;
    const installation = await registry.createInstallation(app.id, choice);
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
      handle(ctx) {
        const app = registry.findApp(ctx.url.searchParams.get("client_id") ?? "");
        if (!app || app.clientId !== ctx.url.searchParams.get("client_id")) throw new HttpError(404, "Not Found");
        const redirectUri = ctx.url.searchParams.get("redirect_uri") ?? app.callbackUrls[0];
        if (!redirectUri || !allowedRedirect(redirectUri, app.callbackUrls)) {
          throw new HttpError(400, "The redirect_uri is not associated with this application.");
        }
        const code = randomBytes(10).toString("hex");
        flow.oauthCodes.set(code, { appId: app.id, login: ctx.state.options.userLogin, redirectUri: ctx.url.searchParams.get("redirect_uri") ?? undefined, expiresAt: Date.now() + 600_000 });
        redirect(ctx.res, withQuery(redirectUri, { code, state: ctx.url.searchParams.get("state") ?? undefined }));
      },
    },
    {
      method: "POST",
      area: "web",
      pattern: /^\/login\/oauth\/access_token$/,
      async handle(ctx) {
        const params = { ...Object.fromEntries(ctx.url.searchParams), ...(await readParams(ctx.req)) };
        const app = registry.findApp(params.client_id ?? "");
        let answer: Record<string, string>;
        if (!app || app.clientId !== params.client_id || app.clientSecret !== params.client_secret) {
          answer = { error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect.", error_uri: oauthErrorUri };
        } else {
          const pending = flow.oauthCodes.get(params.code ?? "");
          if (!pending || pending.appId !== app.id || pending.expiresAt <= Date.now()) {
            answer = { error: "bad_verification_code", error_description: "The code passed is incorrect or expired.", error_uri: oauthErrorUri };
          } else if (pending.redirectUri && params.redirect_uri && params.redirect_uri !== pending.redirectUri) {
            answer = { error: "redirect_uri_mismatch", error_description: "The redirect_uri MUST match the registered callback URL for this application.", error_uri: oauthErrorUri };
          } else {
            flow.oauthCodes.delete(params.code ?? "");
            const token = `ghu_${randomBytes(18).toString("hex")}`;
            ctx.state.tokens.set(token, { kind: "user-to-server", login: pending.login ?? ctx.state.options.userLogin, appId: app.id });
            answer = { access_token: token, token_type: "bearer", scope: "" };
          }
        }
        // GitHub answers OAuth errors with 200, in the format the Accept header asks for (form by default).
        if ((ctx.req.headers.accept ?? "").includes("application/json")) {
          ctx.res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(answer));
        } else {
          ctx.res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }).end(new URLSearchParams(answer).toString());
        }
      },
    },
  ];
}
