// Who may do what: GitHub's rules for classic PATs, fine-grained PATs, installation and user-to-server tokens.
import { atLeast, type Permission, type StandInRepository } from "./stand-in-repository.js";

/**
 * Repository permissions, and `members` (an organization permission: org and team memberships). `checks` exists
 * for GitHub Apps only: fine-grained personal access tokens cannot be given it on GitHub.
 */
export type PermissionName = "contents" | "metadata" | "webhooks" | "administration" | "pull_requests" | "checks" | "statuses" | "members";
export type PermissionLevel = "read" | "write";
export type Permissions = Partial<Record<PermissionName, PermissionLevel>>;

export interface ClassicTokenGrant {
  type: "classic";
  /** The token's user (default: the stand-in's user). */
  login?: string;
  scopes: string[];
}

export interface FineGrainedTokenGrant {
  type: "fine-grained";
  login?: string;
  /** Full names the token was given, or "all" (every repository its user can reach). */
  repositories: string[] | "all";
  permissions: Permissions;
}

export type TokenGrant = ClassicTokenGrant | FineGrainedTokenGrant;

export type Credential =
  | { kind: "classic"; login: string; scopes: string[] }
  | { kind: "fine-grained"; login: string; repositories: string[] | "all"; permissions: Permissions }
  | { kind: "installation"; installationId: number; repositories: string[] | "all"; permissions: Permissions; expiresAt: Date }
  /** A GitHub App's user access token (`ghu_…`); `expiresAt` when the app's user tokens expire. */
  | { kind: "user-to-server"; login: string; appId: number; expiresAt?: Date };

export interface Need {
  permission: PermissionName;
  level: PermissionLevel;
}

export type AccessDecision =
  | { allowed: true }
  | { allowed: false; status: 404 }
  | { allowed: false; status: 403; message: string; acceptedPermissions: string };

/** What an installation (or a user's view of one) reaches, looked up by the caller's state. */
export interface InstallationView {
  /** The app installed (commits an installation token makes are its bot's). */
  app?: { id: number; slug: string };
  account: string;
  repositories: string[] | "all";
  permissions: Permissions;
  suspended?: boolean;
}

export interface AccessLookups {
  installation(id: number): InstallationView | undefined;
  /** Every installation of an app (user tokens reach what both the user and one of these reach). */
  appInstallations(appId: number): InstallationView[];
  /** The login's role on the repository (collaborator, owner, organization owner). */
  role(repo: StandInRepository, login: string): Permission | undefined;
}

const allowed = { allowed: true } as const;
const notFound = { allowed: false, status: 404 } as const;
const rank = { read: 1, write: 2 } as const;

function meets(level: PermissionLevel | undefined, need: PermissionLevel): boolean {
  return level !== undefined && rank[level] >= rank[need];
}

/** What the user's role lets a token do at most: admin for hooks and settings, write to push. */
function roleAllows(role: Permission, need: Need): boolean {
  if (need.permission === "webhooks" || need.permission === "administration") return role === "admin";
  return need.level === "write" ? atLeast(role, "write") : true;
}

function covers(list: string[] | "all", repo: StandInRepository, accountOf?: string): boolean {
  if (list === "all") return accountOf === undefined || accountOf.toLowerCase() === repo.owner.toLowerCase();
  return list.some((name) => name.toLowerCase() === repo.fullName.toLowerCase());
}

/** What anyone may read on a public repository, token or not. */
const publicReadable = new Set<PermissionName>(["contents", "metadata", "pull_requests", "checks", "statuses"]);

/**
 * Commit statuses with a classic token: `repo` or `repo:status` ("access to commit statuses in public and private
 * repositories"; `public_repo` on a public one), and push access to write ("Users with push access in a repository
 * can create commit statuses"). Anything else is hidden: 404.
 */
function classicStatuses(scopes: string[], repo: StandInRepository, role: Permission | undefined, need: Need): AccessDecision {
  const scoped = scopes.includes("repo") || scopes.includes("repo:status") || (!repo.isPrivate && scopes.includes("public_repo"));
  if (!role || !scoped) return notFound;
  return need.level === "write" && !atLeast(role, "write") ? notFound : allowed;
}

function forbidden(message: string, need: Need): AccessDecision {
  return { allowed: false, status: 403, message, acceptedPermissions: `${need.permission}=${need.level}` };
}

/**
 * GitHub hides what a caller may not see: a private repository (or its hooks) answers 404, never 403. A 403
 * ("Resource not accessible by …") only comes when the token reaches the repository but lacks a permission.
 * Public repositories are readable by anyone, token or not.
 */
export function authorizeRepository(credential: Credential | undefined, repo: StandInRepository, need: Need, lookups: AccessLookups): AccessDecision {
  const publicRead = !repo.isPrivate && need.level === "read" && publicReadable.has(need.permission);
  if (publicRead) return allowed;
  if (!credential) return notFound;
  switch (credential.kind) {
    case "classic": {
      const role = lookups.role(repo, credential.login);
      if (need.permission === "statuses") return classicStatuses(credential.scopes, repo, role, need);
      if (!role || (repo.isPrivate && !credential.scopes.includes("repo"))) return notFound;
      if (need.permission === "webhooks") {
        const scopes = need.level === "read" ? ["repo", "admin:repo_hook", "write:repo_hook", "read:repo_hook"] : ["repo", "admin:repo_hook", "write:repo_hook"];
        return role === "admin" && credential.scopes.some((s) => scopes.includes(s)) ? allowed : notFound;
      }
      if (need.permission === "administration") return role === "admin" && credential.scopes.includes("repo") ? allowed : notFound;
      if (need.level === "write") {
        const scoped = credential.scopes.includes("repo") || (!repo.isPrivate && credential.scopes.includes("public_repo"));
        return roleAllows(role, need) && scoped ? allowed : notFound;
      }
      return allowed;
    }
    case "fine-grained": {
      const role = lookups.role(repo, credential.login);
      if (!role || !covers(credential.repositories, repo)) return notFound;
      if (!roleAllows(role, need)) return notFound;
      const granted = need.permission === "metadata" ? "read" : credential.permissions[need.permission];
      return meets(granted, need.level) ? allowed : forbidden("Resource not accessible by personal access token", need);
    }
    case "installation": {
      const installation = lookups.installation(credential.installationId);
      if (!installation || !covers(installation.repositories, repo, installation.account) || !covers(credential.repositories, repo, installation.account)) {
        return notFound;
      }
      const granted = need.permission === "metadata" ? "read" : credential.permissions[need.permission];
      return meets(granted, need.level) ? allowed : forbidden("Resource not accessible by integration", need);
    }
    case "user-to-server": {
      // Only what both the user and the app reach (GitHub's rule): the user's role, on a repository an installation
      // of the app covers — whoever installed it, whether or not it is listed in the user's `/user/installations`.
      const role = lookups.role(repo, credential.login);
      const views = lookups.appInstallations(credential.appId).filter((view) => !view.suspended && covers(view.repositories, repo, view.account));
      if (!role || views.length === 0) return notFound;
      const granted = need.permission === "metadata" ? "read" : views.map((v) => v.permissions[need.permission]).find((p) => p !== undefined);
      if (!meets(granted, need.level)) return forbidden("Resource not accessible by integration", need);
      return roleAllows(role, need) ? allowed : notFound;
    }
  }
}

/** The role the repository JSON reports in `permissions` for this caller (a user's own role, also through an app's user token). */
export function roleOf(credential: Credential | undefined, repo: StandInRepository, lookups: AccessLookups): Permission | undefined {
  if (!credential) return undefined;
  if (credential.kind === "installation") return undefined;
  return lookups.role(repo, credential.login) ?? (repo.isPrivate ? undefined : "read");
}
