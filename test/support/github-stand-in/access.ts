// Who may do what: GitHub's rules for classic PATs, fine-grained PATs, installation and user-to-server tokens.
import type { StandInRepository } from "./stand-in-repository.js";

export type PermissionName = "contents" | "metadata" | "webhooks" | "administration";
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
  | { kind: "user-to-server"; login: string; appId: number };

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
  account: string;
  repositories: string[] | "all";
  permissions: Permissions;
  suspended?: boolean;
}

export interface AccessLookups {
  installation(id: number): InstallationView | undefined;
  userInstallations(login: string, appId: number): InstallationView[];
}

const allowed = { allowed: true } as const;
const notFound = { allowed: false, status: 404 } as const;
const rank = { read: 1, write: 2, admin: 3 } as const;

function meets(level: PermissionLevel | undefined, need: PermissionLevel): boolean {
  return level !== undefined && rank[level] >= rank[need];
}

function covers(list: string[] | "all", repo: StandInRepository, accountOf?: string): boolean {
  if (list === "all") return accountOf === undefined || accountOf.toLowerCase() === repo.owner.toLowerCase();
  return list.some((name) => name.toLowerCase() === repo.fullName.toLowerCase());
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
  const publicRead = !repo.isPrivate && need.level === "read" && (need.permission === "contents" || need.permission === "metadata");
  if (publicRead) return allowed;
  if (!credential) return notFound;
  switch (credential.kind) {
    case "classic": {
      const role = repo.permissionOf(credential.login);
      if (!role || (repo.isPrivate && !credential.scopes.includes("repo"))) return notFound;
      if (need.permission === "webhooks") {
        const scopes = need.level === "read" ? ["repo", "admin:repo_hook", "write:repo_hook", "read:repo_hook"] : ["repo", "admin:repo_hook", "write:repo_hook"];
        return role === "admin" && credential.scopes.some((s) => scopes.includes(s)) ? allowed : notFound;
      }
      if (need.permission === "administration") return role === "admin" && credential.scopes.includes("repo") ? allowed : notFound;
      if (need.level === "write") {
        const scoped = credential.scopes.includes("repo") || (!repo.isPrivate && credential.scopes.includes("public_repo"));
        return role !== "read" && scoped ? allowed : notFound;
      }
      return allowed;
    }
    case "fine-grained": {
      const role = repo.permissionOf(credential.login);
      if (!role || !covers(credential.repositories, repo)) return notFound;
      if ((need.permission === "webhooks" || need.permission === "administration") && role !== "admin") return notFound;
      if (need.level === "write" && role === "read") return notFound;
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
      const role = repo.permissionOf(credential.login);
      const views = lookups.userInstallations(credential.login, credential.appId).filter((view) => covers(view.repositories, repo, view.account));
      if (!role || views.length === 0) return notFound;
      const granted = need.permission === "metadata" ? "read" : views.map((v) => v.permissions[need.permission]).find((p) => p !== undefined);
      if (!meets(granted, need.level)) return forbidden("Resource not accessible by integration", need);
      return (need.permission === "webhooks" || need.permission === "administration") && role !== "admin" ? notFound : allowed;
    }
  }
}

/** The role the repository JSON reports in `permissions` for this caller. */
export function roleOf(credential: Credential | undefined, repo: StandInRepository): "admin" | "write" | "read" | undefined {
  if (!credential) return undefined;
  if (credential.kind === "installation") return undefined;
  return repo.permissionOf(credential.login) ?? (repo.isPrivate ? undefined : "read");
}
