// The signed-in user's side of the API: who the token is (`GET /user`), and the organization and team
// memberships an app maps to roles.
import type { Credential } from "./access.js";
import type { AppRegistry } from "./app-registry.js";
import { HttpError, notFound, sendJson } from "./http-kit.js";
import type { RequestContext, Route } from "./route.js";

const docs = {
  user: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
  orgMembership: "https://docs.github.com/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user",
  teamMembership: "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user",
};
const orgScopes = ["read:org", "write:org", "admin:org"];

function requireCredential(ctx: RequestContext, documentationUrl: string): Credential {
  if (!ctx.credential) throw new HttpError(401, "Requires authentication", { documentationUrl });
  return ctx.credential;
}

/**
 * Reading an organization's memberships needs, as on GitHub: a classic token with `read:org` (or `write:org`,
 * `admin:org`); a fine-grained token with `members`; an app's user or installation token only when the app is
 * installed on that organization (not suspended) with the `members` permission. Else 403.
 */
function requireMembersRead(ctx: RequestContext, registry: AppRegistry, credential: Credential, org: string, documentationUrl: string): void {
  const integration = () =>
    new HttpError(403, "Resource not accessible by integration", { documentationUrl, headers: { "x-accepted-github-permissions": "members=read" } });
  switch (credential.kind) {
    case "classic":
      if (!credential.scopes.some((scope) => orgScopes.includes(scope))) {
        // GitHub's wording for a classic token without the scope is not documented; the status and header are.
        throw new HttpError(403, "This request needs the read:org scope.", { documentationUrl, headers: { "x-accepted-oauth-scopes": orgScopes.join(", ") } });
      }
      return;
    case "fine-grained":
      if (!credential.permissions.members) {
        throw new HttpError(403, "Resource not accessible by personal access token", { documentationUrl, headers: { "x-accepted-github-permissions": "members=read" } });
      }
      return;
    case "installation": {
      const installation = registry.installations.get(credential.installationId);
      if (installation?.account.toLowerCase() !== org.toLowerCase() || !credential.permissions.members) throw integration();
      return;
    }
    case "user-to-server": {
      const installation = registry.installationOn(credential.appId, org);
      const app = registry.apps.get(credential.appId);
      if (!installation || installation.suspendedAt || !app?.permissions.members) throw integration();
      return;
    }
  }
}

export function userRoutes(registry: AppRegistry): Route[] {
  return [
    {
      method: "GET",
      area: "api",
      pattern: /^\/user$/,
      handle(ctx) {
        const credential = requireCredential(ctx, docs.user);
        if (credential.kind === "installation") throw new HttpError(403, "Resource not accessible by integration", { documentationUrl: docs.user });
        sendJson(ctx.req, ctx.res, 200, ctx.state.userJson(credential.login), ctx.headers);
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: /^\/user\/memberships\/orgs\/([^/]+)$/,
      handle(ctx, [org = ""]) {
        const credential = requireCredential(ctx, docs.orgMembership);
        if (credential.kind === "installation") throw new HttpError(403, "Resource not accessible by integration", { documentationUrl: docs.orgMembership });
        const login = ctx.state.people.profile(credential.login)?.login ?? credential.login;
        // "If the authenticated user is not affiliated with the organization, a 404 is returned."
        const membership = ctx.state.people.membership(org, login);
        if (!membership) throw notFound(docs.orgMembership);
        requireMembersRead(ctx, registry, credential, org, docs.orgMembership);
        const name = ctx.state.people.orgName(org);
        sendJson(
          ctx.req,
          ctx.res,
          200,
          {
            url: `${ctx.state.apiUrl}/orgs/${name}/memberships/${login}`,
            state: membership.state,
            role: membership.role,
            organization_url: `${ctx.state.apiUrl}/orgs/${name}`,
            organization: ctx.state.orgJson(name),
            user: ctx.state.accountJson(login),
          },
          ctx.headers,
        );
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/,
      handle(ctx, [org = "", slug = "", username = ""]) {
        const credential = requireCredential(ctx, docs.teamMembership);
        // The team must be visible to the caller: an active member of the organization (or an installation on it).
        const visible =
          credential.kind === "installation"
            ? registry.installations.get(credential.installationId)?.account.toLowerCase() === org.toLowerCase()
            : ctx.state.people.isActiveMember(org, credential.login);
        if (!visible) throw notFound(docs.teamMembership);
        requireMembersRead(ctx, registry, credential, org, docs.teamMembership);
        const membership = ctx.state.people.teamMembership(org, slug, username);
        if (!membership) throw notFound(docs.teamMembership);
        const login = ctx.state.people.profile(username)?.login ?? username;
        const url = `${ctx.state.apiUrl}/teams/${ctx.state.people.teamId(org, slug)}/memberships/${login}`;
        sendJson(ctx.req, ctx.res, 200, { url, role: membership.role, state: membership.state }, ctx.headers);
      },
    },
  ];
}
