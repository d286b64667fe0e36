// Which roles a person who signed in with GitHub holds: the lists in configuration (logins, organisations,
// teams), grants made with the setup code, and (AUTH_REPOSITORY_ROLES) their permission on the connected
// repository. Memberships are asked with the person's own token, so only what they may see counts.
import type { InvitedRole } from "../../src/auth/roles.js";
import { expandRoles, INVITED_ROLES } from "../../src/auth/roles.js";
import type { RoleRule } from "../../src/config.js";
import { createOctokit, getGitHubStatus, type GitHubClient } from "../create-octokit.js";
import type { AbortOptions, GitHubAppDeps } from "../github-app-deps.js";

export interface GitHubUser {
  id: number;
  login: string;
}

export async function resolveRoles(
  deps: GitHubAppDeps,
  user: GitHubUser,
  userToken: string,
  options: AbortOptions = {},
): Promise<InvitedRole[]> {
  const github = createOctokit(deps.config.githubApiUrl, { kind: "token", token: userToken }, { logger: deps.logger });
  const login = user.login.toLowerCase();
  const memberships = new Map<string, Promise<boolean>>();
  const isMember = (key: string, ask: () => Promise<boolean>) => {
    let answer = memberships.get(key);
    if (!answer) memberships.set(key, (answer = ask()));
    return answer;
  };
  const matches = async (rule: RoleRule): Promise<boolean> => {
    switch (rule.kind) {
      case "user":
        return rule.login === login;
      case "org":
        return isMember(`org:${rule.org}`, () => activeOrgMember(github, rule.org, options));
      case "team":
        return isMember(`team:${rule.org}/${rule.team}`, () => activeTeamMember(github, rule, login, options));
    }
  };
  const granted: InvitedRole[] = [];
  for (const role of [...INVITED_ROLES].reverse()) {
    for (const rule of deps.config.roleRules[role]) {
      if (await matches(rule)) {
        granted.push(role);
        break;
      }
    }
    if (granted.length > 0) break; // the strongest role found implies the others
  }
  const grant = await deps.access.getGrant(String(user.id), options);
  if (grant) granted.push(grant.role);
  if (deps.config.authRepositoryRoles) {
    const role = await repositoryRole(deps, github, options);
    if (role) granted.push(role);
  }
  return expandRoles(granted);
}

async function activeOrgMember(github: GitHubClient, org: string, options: AbortOptions): Promise<boolean> {
  return notFoundIsFalse(async () => {
    const { data } = await github.request("GET /user/memberships/orgs/{org}", { org, request: { signal: options.abortSignal } });
    return data.state === "active";
  });
}

async function activeTeamMember(github: GitHubClient, rule: { org: string; team: string }, login: string, options: AbortOptions): Promise<boolean> {
  return notFoundIsFalse(async () => {
    const { data } = await github.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
      org: rule.org,
      team_slug: rule.team,
      username: login,
      request: { signal: options.abortSignal },
    });
    return data.state === "active";
  });
}

/**
 * The connected repository's permission as the person's role: admin → admin, maintain/write → operator,
 * triage/read → reader. On a public repository everyone on GitHub can read, so `pull` alone gives nothing there.
 */
async function repositoryRole(deps: GitHubAppDeps, github: GitHubClient, options: AbortOptions): Promise<InvitedRole | undefined> {
  const connection = (await deps.connections.get(options))?.record;
  if (!connection) return undefined;
  const [owner, repo] = connection.repository.split("/") as [string, string];
  const permissions = await notFoundIsFalse(async () => {
    const { data } = await github.request("GET /repos/{owner}/{repo}", { owner, repo, request: { signal: options.abortSignal } });
    return data.permissions ? { ...data.permissions, pull: data.permissions.pull && data.private } : false;
  });
  if (!permissions) return undefined;
  if (permissions.admin) return "admin";
  if (permissions.maintain || permissions.push) return "operator";
  if (permissions.triage || permissions.pull) return "reader";
  return undefined;
}

/** GitHub answers 404 (or 403 without the App's Members permission) to "is this person a member": not a member. */
async function notFoundIsFalse<T>(ask: () => Promise<T>): Promise<T | false> {
  try {
    return await ask();
  } catch (error) {
    const status = getGitHubStatus(error);
    if (status === 404 || status === 403) return false;
    throw error;
  }
}
