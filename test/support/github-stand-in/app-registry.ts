// GitHub Apps and their installations: records, JSON shapes, and the webhooks GitHub sends the app
// when an installation changes.
import { generateKeyPair, randomBytes, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { InstallationView, Permissions } from "./access.js";
import { toGitHubDate } from "./git-objects.js";
import { nodeId } from "./repository-json.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { AppHookTarget, StandInState } from "./stand-in-state.js";

export interface CreateAppOptions {
  name: string;
  /** Account that owns the app (default: the stand-in's user). */
  owner?: string;
  description?: string;
  url?: string;
  webhookUrl?: string;
  webhookActive?: boolean;
  permissions?: Permissions;
  events?: string[];
  setupUrl?: string;
  callbackUrls?: string[];
  redirectUrl?: string;
  /** "Expire user authorization tokens" (GitHub's default: on): user tokens last 8 hours and come with a refresh token. */
  expiringUserTokens?: boolean;
}

export interface StandInApp {
  id: number;
  slug: string;
  name: string;
  owner: string;
  description: string | null;
  externalUrl: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  webhookUrl: string | undefined;
  webhookActive: boolean;
  hookId: number;
  pem: string;
  publicKey: KeyObject;
  permissions: Permissions;
  events: string[];
  setupUrl: string | undefined;
  callbackUrls: string[];
  redirectUrl: string | undefined;
  /** May be changed: applies to user tokens issued from then on. */
  expiringUserTokens: boolean;
  createdAt: Date;
}

export interface CreateInstallationOptions {
  /** The user or organization the app is installed on. */
  account: string;
  /** Repository names or full names of that account, or "all". */
  repositories: string[] | "all";
  /**
   * Logins that see the installation in `GET /user/installations` (default: the account if a user, else the stand-in's
   * user). The owners of an organization account (`addUser(…, { orgs: { org: { role: "admin" } } })`) always see it.
   */
  visibleTo?: string[];
}

export interface StandInInstallation {
  id: number;
  appId: number;
  account: string;
  repositories: string[] | "all";
  visibleTo: string[];
  suspendedAt: Date | undefined;
  createdAt: Date;
}

export class AppRegistry {
  readonly apps = new Map<number, StandInApp>();
  readonly installations = new Map<number, StandInInstallation>();

  constructor(private readonly state: StandInState) {
    state.lookups = {
      ...state.lookups,
      installation: (id) => this.view(this.installations.get(id)),
      appInstallations: (appId) =>
        [...this.installations.values()]
          .filter((i) => i.appId === appId)
          .map((i) => this.view(i))
          .filter((v): v is InstallationView => v !== undefined),
    };
    state.appHookTargets = (repo) => this.hookTargets(repo);
  }

  /** Key generation runs off the event loop: a 2048-bit RSA key takes a second or two on a busy machine. */
  async createApp(options: CreateAppOptions): Promise<StandInApp> {
    const slug = options.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    if (!slug) throw new TypeError("createApp: the name needs a letter or digit");
    if ([...this.apps.values()].some((app) => app.slug === slug)) throw new Error(`Name "${options.name}" is already taken`);
    const { privateKey, publicKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
    if ([...this.apps.values()].some((app) => app.slug === slug)) throw new Error(`Name "${options.name}" is already taken`);
    const app: StandInApp = {
      id: this.state.nextId(),
      slug,
      name: options.name,
      owner: options.owner ?? this.state.options.userLogin,
      description: options.description ?? null,
      externalUrl: options.url ?? `${this.state.webUrl}/${slug}`,
      clientId: `Iv23li${randomBytes(7).toString("hex")}`,
      clientSecret: randomBytes(20).toString("hex"),
      webhookSecret: randomBytes(20).toString("hex"),
      webhookUrl: options.webhookUrl,
      webhookActive: options.webhookActive ?? options.webhookUrl !== undefined,
      hookId: this.state.nextId(),
      pem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      publicKey,
      permissions: { metadata: "read", ...options.permissions },
      events: [...(options.events ?? [])],
      setupUrl: options.setupUrl,
      callbackUrls: [...(options.callbackUrls ?? [])],
      redirectUrl: options.redirectUrl,
      expiringUserTokens: options.expiringUserTokens ?? true,
      createdAt: new Date(),
    };
    this.apps.set(app.id, app);
    return app;
  }

  findApp(slugOrId: string | number): StandInApp | undefined {
    return [...this.apps.values()].find((app) => app.id === Number(slugOrId) || app.slug === slugOrId || app.clientId === slugOrId);
  }

  async createInstallation(appSlugOrId: string | number, options: CreateInstallationOptions): Promise<StandInInstallation> {
    const app = this.requireApp(appSlugOrId);
    const isUser = this.state.users.has(options.account.toLowerCase());
    const installation: StandInInstallation = {
      id: this.state.nextId(),
      appId: app.id,
      account: options.account,
      repositories: options.repositories === "all" ? "all" : options.repositories.map((r) => this.fullName(options.account, r)),
      visibleTo: options.visibleTo ?? [isUser ? options.account : this.state.options.userLogin],
      suspendedAt: undefined,
      createdAt: new Date(),
    };
    this.installations.set(installation.id, installation);
    await this.notify(app, "installation", { action: "created", installation: this.installationJson(installation), repositories: this.reposOf(installation).map(shortRepo), requester: null });
    return installation;
  }

  async deleteInstallation(id: number): Promise<void> {
    const installation = this.requireInstallation(id);
    const payload = { action: "deleted", installation: this.installationJson(installation), repositories: this.reposOf(installation).map(shortRepo) };
    this.installations.delete(id);
    await this.notify(this.requireApp(installation.appId), "installation", payload);
  }

  async suspendInstallation(id: number, suspended = true): Promise<void> {
    const installation = this.requireInstallation(id);
    installation.suspendedAt = suspended ? new Date() : undefined;
    const payload = { action: suspended ? "suspend" : "unsuspend", installation: this.installationJson(installation), repositories: this.reposOf(installation).map(shortRepo) };
    await this.notify(this.requireApp(installation.appId), "installation", payload);
  }

  async changeRepositories(id: number, names: string[], action: "added" | "removed"): Promise<void> {
    const installation = this.requireInstallation(id);
    const changed = names.map((name) => this.fullName(installation.account, name));
    const before = this.reposOf(installation).map((r) => r.fullName.toLowerCase());
    const current = installation.repositories === "all" ? before : installation.repositories.map((r) => r.toLowerCase());
    const lower = changed.map((r) => r.toLowerCase());
    installation.repositories = action === "added" ? [...new Set([...current, ...lower])] : current.filter((r) => !lower.includes(r));
    const repos = changed.map((r) => this.state.repositories.get(r.toLowerCase())).filter((r): r is StandInRepository => r !== undefined);
    await this.notify(this.requireApp(installation.appId), "installation_repositories", {
      action,
      installation: this.installationJson(installation),
      repository_selection: "selected",
      repositories_added: action === "added" ? repos.map(shortRepo) : [],
      repositories_removed: action === "removed" ? repos.map(shortRepo) : [],
      requester: null,
    });
  }

  /** Repositories an installation reaches, in creation order. */
  reposOf(installation: StandInInstallation, within: string[] | "all" = "all"): StandInRepository[] {
    const listed = (list: string[] | "all", repo: StandInRepository) =>
      list === "all" ? repo.owner.toLowerCase() === installation.account.toLowerCase() : list.some((r) => r.toLowerCase() === repo.fullName.toLowerCase());
    return [...this.state.repositories.values()].filter((repo) => listed(installation.repositories, repo) && listed(within, repo));
  }

  visibleInstallations(login: string, appId: number): StandInInstallation[] {
    return [...this.installations.values()].filter(
      (i) => i.appId === appId && (i.visibleTo.some((l) => l.toLowerCase() === login.toLowerCase()) || this.state.people.isOwnerOf(i.account, login)),
    );
  }

  /** The app's installation on an account (an organization), if any. */
  installationOn(appId: number, account: string): StandInInstallation | undefined {
    return [...this.installations.values()].find((i) => i.appId === appId && i.account.toLowerCase() === account.toLowerCase());
  }

  installationJson(installation: StandInInstallation): Record<string, unknown> {
    const app = this.requireApp(installation.appId);
    const account = this.state.accountJson(installation.account);
    return {
      id: installation.id,
      client_id: app.clientId,
      account,
      repository_selection: installation.repositories === "all" ? "all" : "selected",
      access_tokens_url: `${this.state.apiUrl}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${this.state.apiUrl}/installation/repositories`,
      html_url: `${this.state.webUrl}/settings/installations/${installation.id}`,
      app_id: app.id,
      app_slug: app.slug,
      target_id: account.id,
      target_type: account.type,
      permissions: app.permissions,
      events: app.events,
      created_at: toGitHubDate(installation.createdAt),
      updated_at: toGitHubDate(installation.createdAt),
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: installation.suspendedAt ? this.state.accountJson(this.state.options.userLogin) : null,
      suspended_at: installation.suspendedAt ? toGitHubDate(installation.suspendedAt) : null,
    };
  }

  appJson(app: StandInApp): Record<string, unknown> {
    return {
      id: app.id,
      slug: app.slug,
      node_id: nodeId("Integration", app.id),
      client_id: app.clientId,
      owner: this.state.accountJson(app.owner),
      name: app.name,
      description: app.description,
      external_url: app.externalUrl,
      html_url: `${this.state.webUrl}/apps/${app.slug}`,
      created_at: toGitHubDate(app.createdAt),
      updated_at: toGitHubDate(app.createdAt),
      permissions: app.permissions,
      events: app.events,
      installations_count: [...this.installations.values()].filter((i) => i.appId === app.id).length,
    };
  }

  requireApp(slugOrId: string | number): StandInApp {
    const app = this.findApp(slugOrId);
    if (!app) throw new Error(`no GitHub App ${slugOrId}`);
    return app;
  }

  private requireInstallation(id: number): StandInInstallation {
    const installation = this.installations.get(id);
    if (!installation) throw new Error(`no installation ${id}`);
    return installation;
  }

  private fullName(account: string, name: string): string {
    return name.includes("/") ? name : `${account}/${name}`;
  }

  private view(installation: StandInInstallation | undefined): InstallationView | undefined {
    if (!installation) return undefined;
    const app = this.apps.get(installation.appId);
    return { app: app ? { id: app.id, slug: app.slug } : undefined, account: installation.account, repositories: installation.repositories, permissions: app?.permissions ?? {}, suspended: installation.suspendedAt !== undefined };
  }

  private hookTargets(repo: StandInRepository): AppHookTarget[] {
    const targets: AppHookTarget[] = [];
    for (const installation of this.installations.values()) {
      const app = this.apps.get(installation.appId);
      if (!app?.webhookUrl || !app.webhookActive || installation.suspendedAt || !this.reposOf(installation).includes(repo)) continue;
      targets.push({ target: this.appTarget(app), installation: { id: installation.id, node_id: nodeId("Installation", installation.id) }, appId: app.id, events: app.events, permissions: app.permissions });
    }
    return targets;
  }

  private appTarget(app: StandInApp) {
    return { hookId: app.hookId, url: app.webhookUrl ?? "", contentType: "json" as const, secret: app.webhookSecret, targetType: "integration" as const, targetId: app.id };
  }

  /** Installation events always reach the app's hook (no subscription needed), as on GitHub. */
  private async notify(app: StandInApp, event: string, payload: Record<string, unknown>): Promise<void> {
    if (!app.webhookUrl || !app.webhookActive) return;
    await this.state.webhooks.send(this.appTarget(app), event, { ...payload, sender: this.state.accountJson(this.state.options.userLogin) });
  }
}

function shortRepo(repo: StandInRepository): Record<string, unknown> {
  return { id: repo.id, node_id: nodeId("Repository", repo.id), name: repo.name, full_name: repo.fullName, private: repo.isPrivate };
}
