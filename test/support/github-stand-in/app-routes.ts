// The GitHub App API: manifest conversion, app JWT auth, installation tokens, installation/user listings.
import { randomBytes, verify as verifySignature } from "node:crypto";
import type { Permissions } from "./access.js";
import type { AppRegistry, StandInApp } from "./app-registry.js";
import { HttpError, notFound, readJsonBody, sendJson } from "./http-kit.js";
import { paginate } from "./paginate.js";
import { toGitHubDate } from "./git-objects.js";
import { repositoryJson } from "./repository-json.js";
import type { RequestContext, Route } from "./route.js";

const appsDocs = "https://docs.github.com/rest/apps/apps";
const rank = { read: 1, write: 2 } as const;

/** Manifest codes and OAuth codes: single use, short-lived. */
export interface PendingCode {
  appId: number;
  expiresAt: number;
  login?: string;
  redirectUri?: string;
}

/**
 * Checks an app's JWT like GitHub: RS256 signed by the app's key, `iss` = app id (or client id), `exp` in the
 * future but at most 10 minutes ahead, `iat` not in the future.
 */
export function authenticateApp(ctx: RequestContext, registry: AppRegistry): StandInApp {
  const fail = (message: string) => new HttpError(401, message, { documentationUrl: DOCS_AUTH });
  if (!ctx.jwt) throw fail(ctx.credential ? "A JSON web token could not be decoded" : "Requires authentication");
  const [head = "", body = "", signature = ""] = ctx.jwt.split(".");
  let header: { alg?: string };
  let claims: { iat?: unknown; exp?: unknown; iss?: unknown };
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as typeof header;
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as typeof claims;
  } catch {
    throw fail("A JSON web token could not be decoded");
  }
  if (header.alg !== "RS256") throw fail("A JSON web token could not be decoded");
  const app = registry.findApp(String(claims.iss ?? ""));
  if (!app) throw fail("Integration not found");
  if (!verifySignature("RSA-SHA256", Buffer.from(`${head}.${body}`), app.publicKey, Buffer.from(signature, "base64url"))) {
    throw fail("A JSON web token could not be decoded");
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== "number" || claims.iat > now) throw fail("'Issued at' claim ('iat') must be an Integer representing a time in the past.");
  if (typeof claims.exp !== "number" || claims.exp <= now) {
    throw fail("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.");
  }
  if (claims.exp > now + 600) throw fail("'Expiration time' claim ('exp') is too far in the future.");
  return app;
}

const DOCS_AUTH = "https://docs.github.com/rest/apps/apps#authentication";

function takeCode(codes: Map<string, PendingCode>, code: string): PendingCode | undefined {
  const pending = codes.get(code);
  codes.delete(code);
  return pending && pending.expiresAt > Date.now() ? pending : undefined;
}

export function appRoutes(registry: AppRegistry, manifestCodes: Map<string, PendingCode>): Route[] {
  const installationFor = (ctx: RequestContext, id: string) => {
    const app = authenticateApp(ctx, registry);
    const installation = registry.installations.get(Number(id));
    if (!installation || installation.appId !== app.id) throw notFound(`${appsDocs}#get-an-installation-for-the-authenticated-app`);
    return { app, installation };
  };
  return [
    {
      method: "POST",
      area: "api",
      pattern: /^\/app-manifests\/([^/]+)\/conversions$/,
      handle(ctx, [code = ""]) {
        const pending = takeCode(manifestCodes, code);
        const app = pending && registry.apps.get(pending.appId);
        if (!app) throw notFound(`${appsDocs}#create-a-github-app-from-a-manifest`);
        const body = { ...registry.appJson(app), client_secret: app.clientSecret, webhook_secret: app.webhookSecret, pem: app.pem };
        sendJson(ctx.req, ctx.res, 201, body, ctx.headers);
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: /^\/app\/installations\/(\d+)$/,
      handle(ctx, [id = ""]) {
        const { installation } = installationFor(ctx, id);
        sendJson(ctx.req, ctx.res, 200, registry.installationJson(installation), ctx.headers);
      },
    },
    {
      method: "POST",
      area: "api",
      pattern: /^\/app\/installations\/(\d+)\/access_tokens$/,
      async handle(ctx, [id = ""]) {
        const { app, installation } = installationFor(ctx, id);
        if (installation.suspendedAt) throw new HttpError(403, "This installation has been suspended", { documentationUrl: `${appsDocs}#create-an-installation-access-token-for-an-app` });
        const request = await readJsonBody(ctx.req);
        const reachable = registry.reposOf(installation);
        let repositories: string[] | "all" = "all";
        if (Array.isArray(request.repositories) || Array.isArray(request.repository_ids)) {
          const names = ((request.repositories ?? []) as unknown[]).map((n) => `${installation.account}/${String(n)}`.toLowerCase());
          const ids = ((request.repository_ids ?? []) as unknown[]).map(Number);
          const picked = reachable.filter((r) => names.includes(r.fullName.toLowerCase()) || ids.includes(r.id));
          if (picked.length !== names.length + ids.length) {
            throw new HttpError(422, "There is at least one repository that does not exist or is not accessible to the parent installation.", {
              documentationUrl: `${appsDocs}#create-an-installation-access-token-for-an-app`,
            });
          }
          repositories = picked.map((r) => r.fullName);
        }
        const permissions = narrowPermissions(app.permissions, request.permissions);
        const token = `ghs_${randomBytes(18).toString("hex")}`;
        const expiresAt = new Date(Date.now() + 3600_000);
        ctx.state.tokens.set(token, { kind: "installation", installationId: installation.id, repositories, permissions, expiresAt });
        const body: Record<string, unknown> = {
          token,
          expires_at: toGitHubDate(expiresAt),
          permissions,
          repository_selection: repositories === "all" && installation.repositories === "all" ? "all" : "selected",
        };
        if (repositories !== "all") body.repositories = registry.reposOf(installation, repositories).map((r) => repositoryJson(ctx.state, r));
        sendJson(ctx.req, ctx.res, 201, body, ctx.headers);
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: /^\/installation\/repositories$/,
      handle(ctx) {
        const credential = ctx.credential;
        if (!credential) throw new HttpError(401, "Requires authentication");
        if (credential.kind !== "installation") throw new HttpError(403, "You must authenticate with an installation access token in order to list repositories for an installation.");
        const installation = registry.installations.get(credential.installationId);
        if (!installation) throw new HttpError(401, "Bad credentials");
        const repos = registry.reposOf(installation, credential.repositories);
        const { page, slice, link } = paginate(ctx, repos);
        sendJson(
          ctx.req,
          ctx.res,
          200,
          { total_count: repos.length, repository_selection: installation.repositories === "all" ? "all" : "selected", repositories: slice.map((r) => repositoryJson(ctx.state, r, credential)) },
          { ...ctx.headers, ...(link ? { link } : {}), "x-page": String(page) },
        );
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: /^\/user\/installations$/,
      handle(ctx) {
        const credential = ctx.credential;
        if (!credential) throw new HttpError(401, "Requires authentication");
        if (credential.kind !== "user-to-server") {
          throw new HttpError(403, "You must authenticate with an access token authorized to a GitHub App in order to list installations", {
            documentationUrl: "https://docs.github.com/rest/apps/installations#list-app-installations-accessible-to-the-user-access-token",
          });
        }
        const installations = registry.visibleInstallations(credential.login, credential.appId);
        const { slice, link } = paginate(ctx, installations);
        sendJson(ctx.req, ctx.res, 200, { total_count: installations.length, installations: slice.map((i) => registry.installationJson(i)) }, { ...ctx.headers, ...(link ? { link } : {}) });
      },
    },
  ];
}

/** A token may ask for less than the app has, never more (GitHub: 422). */
function narrowPermissions(granted: Permissions, requested: unknown): Permissions {
  if (!requested || typeof requested !== "object") return { ...granted };
  const result: Permissions = {};
  for (const [name, level] of Object.entries(requested as Record<string, string>)) {
    const has = granted[name as keyof Permissions];
    if (!has || (level !== "read" && level !== "write") || rank[level] > rank[has]) {
      throw new HttpError(422, "The permissions requested are not granted to this installation.", { documentationUrl: `${appsDocs}#create-an-installation-access-token-for-an-app` });
    }
    result[name as keyof Permissions] = level;
  }
  return result;
}
