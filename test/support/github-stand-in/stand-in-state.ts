// Everything the stand-in knows, in one object the route modules share.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AccessLookups, Credential, Permissions } from "./access.js";
import { StandInFaults } from "./faults.js";
import { toGitHubDate } from "./git-objects.js";
import type { Permission, StandInRepository } from "./stand-in-repository.js";
import { UserDirectory } from "./users.js";
import { WebhookSender, type WebhookTarget } from "./webhook-sender.js";

export interface RequestRecord {
  method: string;
  /** Path as received, without the query string (which may hold a download token). */
  path: string;
  status: number;
  /** When the request arrived (epoch ms) and how long its answer took. */
  at?: number;
  durationMs?: number;
}

export interface RepositoryHook {
  id: number;
  repository: string;
  active: boolean;
  events: string[];
  config: { url: string; content_type: "json" | "form"; secret?: string; insecure_ssl: string };
  createdAt: Date;
  updatedAt: Date;
}

/** A GitHub App's hook that should hear about a repository's events, with the installation to name. */
export interface AppHookTarget {
  target: WebhookTarget;
  installation: { id: number; node_id: string };
  appId: number;
  events: string[];
  permissions: Permissions;
}

/** A ref a push (git or the API) moved, as post-receive reports it. */
export interface PushedRef {
  ref: string;
  before: string;
  after: string;
}

/** Runs after a pushed ref's `push` event went out (pull requests' `synchronize`, check suites' `requested`). */
export type PushListener = (repo: StandInRepository, update: PushedRef, pusher: string) => Promise<void>;

/** A commit status (`POST /repos/{o}/{r}/statuses/{sha}`), kept per repository, oldest first. */
export interface StandInCommitStatus {
  id: number;
  sha: string;
  state: "error" | "failure" | "pending" | "success";
  targetUrl: string | null;
  description: string | null;
  context: string;
  /** Who created it: a user's login, or an app's `{slug}[bot]`. */
  creator: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A GitHub App's refresh token (`ghr_…`): one use, gives a new user token and refresh token. */
export interface RefreshGrant {
  appId: number;
  login: string;
  /** The user token issued with it (revoked when the refresh token is used). */
  accessToken: string;
  expiresAt: Date;
}

/** A pull request as the stand-in keeps it (`pull-routes.ts`); heads and bases are branches of the same repository. */
export interface StandInPullRequest {
  id: number;
  number: number;
  title: string;
  body: string | null;
  /** Branch names. */
  head: string;
  base: string;
  /** The head's commit when it was opened (the branch's current commit is reported while it exists). */
  headSha: string;
  user: string;
  draft: boolean;
  maintainerCanModify: boolean;
  state: "open" | "closed";
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
}

export interface StandInStateOptions {
  root: string;
  origin: string;
  userLogin: string;
  internalKey: string;
  treeEntryLimit: number;
  downloadUrlTtlMs: number;
}

export class StandInState {
  readonly apiPrefix = "/api/v3";
  readonly repositories = new Map<string, StandInRepository>();
  readonly tokens = new Map<string, Credential>();
  readonly users = new Set<string>();
  readonly faults = new StandInFaults();
  readonly requests: RequestRecord[] = [];
  readonly rateLimits = new Map<string, { used: number; resetAt: number }>();
  readonly hooks = new Map<string, RepositoryHook[]>();
  readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Pull requests by repository (lower-case full name), in number order. */
  readonly pulls = new Map<string, StandInPullRequest[]>();
  /** Commit statuses by repository (lower-case full name), oldest first. */
  readonly commitStatuses = new Map<string, StandInCommitStatus[]>();
  /** Called for each pushed ref after its `push` event (see `PushListener`). */
  readonly pushListeners: PushListener[] = [];
  readonly webhooks: WebhookSender;
  readonly people: UserDirectory;
  lookups: AccessLookups = { installation: () => undefined, appInstallations: () => [], role: (repo, login) => this.roleOn(repo, login) };
  /** Filled in by the GitHub App side: which app hooks hear this repository's events. */
  appHookTargets: (repo: StandInRepository) => AppHookTarget[] = () => [];
  private lastId = 1000;
  private readonly accountIds = new Map<string, number>();
  /** Account ids chosen by `addUser({ id })`: never handed out by `nextId`. */
  private readonly reservedIds = new Set<number>();

  constructor(readonly options: StandInStateOptions) {
    this.users.add(options.userLogin.toLowerCase());
    this.webhooks = new WebhookSender(this.faults);
    this.people = new UserDirectory(this);
  }

  get apiUrl(): string {
    return `${this.options.origin}${this.apiPrefix}`;
  }

  get webUrl(): string {
    return this.options.origin;
  }

  nextId(): number {
    this.lastId++;
    while (this.reservedIds.has(this.lastId)) this.lastId++;
    return this.lastId;
  }

  repository(owner: string, name: string): StandInRepository | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase());
  }

  accountId(login: string): number {
    const key = login.toLowerCase();
    let id = this.accountIds.get(key);
    if (id === undefined) {
      id = this.nextId();
      this.accountIds.set(key, id);
    }
    return id;
  }

  /** Gives a login the id a test chose; an id another account has, or a login that already has another id, is an error. */
  claimAccountId(login: string, id: number): void {
    if (!Number.isSafeInteger(id) || id <= 0) throw new TypeError(`addUser: id ${id} is not a positive integer`);
    const key = login.toLowerCase();
    const current = this.accountIds.get(key);
    if (current === id) return;
    if (current !== undefined) throw new Error(`addUser: ${login} already has id ${current}`);
    for (const [other, otherId] of this.accountIds) if (otherId === id) throw new Error(`addUser: id ${id} is already ${other}'s`);
    this.accountIds.set(key, id);
    this.reservedIds.add(id);
  }

  /**
   * A login's role on a repository: owner or collaborator (`permissionOf`), and admin for an owner (active, role
   * `admin`) of the organization that owns it. Other members get only what `collaborators` gives them.
   */
  roleOn(repo: StandInRepository, login: string): Permission | undefined {
    if (this.people.isOwnerOf(repo.owner, login)) return "admin";
    return repo.permissionOf(login);
  }

  /** Logins the stand-in knows as users are "User", an app's `{slug}[bot]` is a "Bot"; any other owner is an organization. */
  accountJson(login: string): Record<string, unknown> {
    const id = this.accountId(login);
    const isUser = this.users.has(login.toLowerCase());
    const bot = login.endsWith("[bot]");
    const type = bot ? "Bot" : isUser ? "User" : "Organization";
    return {
      login,
      id,
      node_id: Buffer.from(`0${type.length}:${type}${id}`).toString("base64"),
      avatar_url: `${this.webUrl}/avatars/${login}`,
      gravatar_id: "",
      url: `${this.apiUrl}/users/${login}`,
      html_url: bot ? `${this.webUrl}/apps/${login.slice(0, -"[bot]".length)}` : `${this.webUrl}/${login}`,
      type,
      site_admin: false,
    };
  }

  /** `GET /user`: a known user's full public profile. */
  userJson(login: string): Record<string, unknown> {
    const user = this.people.profile(login);
    const name = user?.login ?? login;
    const api = `${this.apiUrl}/users/${name}`;
    const publicRepos = [...this.repositories.values()].filter((r) => !r.isPrivate && r.owner.toLowerCase() === name.toLowerCase()).length;
    return {
      ...this.accountJson(name),
      user_view_type: "public",
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      name: user?.name ?? null,
      company: null,
      blog: "",
      location: null,
      email: user?.email ?? null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: publicRepos,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: toGitHubDate(user?.createdAt ?? new Date()),
      updated_at: toGitHubDate(user?.createdAt ?? new Date()),
    };
  }

  /** GitHub's `organization-simple`. */
  orgJson(org: string): Record<string, unknown> {
    const login = this.people.orgName(org);
    const { id, node_id: nodeId, avatar_url: avatarUrl } = this.accountJson(login);
    const api = `${this.apiUrl}/orgs/${login}`;
    return {
      login,
      id,
      node_id: nodeId,
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: avatarUrl,
      description: null,
    };
  }

  /** HMAC over a value with the stand-in's own key: signed download URLs, the push hook's credential. */
  sign(value: string): string {
    return createHmac("sha256", this.options.internalKey).update(value).digest("base64url");
  }

  verify(value: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(value));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
