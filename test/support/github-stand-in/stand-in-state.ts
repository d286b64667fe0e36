// Everything the stand-in knows, in one object the route modules share.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AccessLookups, Credential } from "./access.js";
import { StandInFaults } from "./faults.js";
import type { StandInRepository } from "./stand-in-repository.js";
import { WebhookSender, type WebhookTarget } from "./webhook-sender.js";

export interface RequestRecord {
  method: string;
  /** Path as received, without the query string (which may hold a download token). */
  path: string;
  status: number;
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
  events: string[];
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
  readonly webhooks: WebhookSender;
  lookups: AccessLookups = { installation: () => undefined, userInstallations: () => [] };
  /** Filled in by the GitHub App side: which app hooks hear this repository's events. */
  appHookTargets: (repo: StandInRepository) => AppHookTarget[] = () => [];
  private lastId = 1000;
  private readonly accountIds = new Map<string, number>();

  constructor(readonly options: StandInStateOptions) {
    this.users.add(options.userLogin.toLowerCase());
    this.webhooks = new WebhookSender(this.faults);
  }

  get apiUrl(): string {
    return `${this.options.origin}${this.apiPrefix}`;
  }

  get webUrl(): string {
    return this.options.origin;
  }

  nextId(): number {
    return ++this.lastId;
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

  /** Logins the stand-in knows as users are "User"; any other owner is an organization. */
  accountJson(login: string): Record<string, unknown> {
    const id = this.accountId(login);
    return {
      login,
      id,
      node_id: Buffer.from(`04:User${id}`).toString("base64"),
      avatar_url: `${this.webUrl}/avatars/${login}`,
      gravatar_id: "",
      url: `${this.apiUrl}/users/${login}`,
      html_url: `${this.webUrl}/${login}`,
      type: this.users.has(login.toLowerCase()) ? "User" : "Organization",
      site_admin: false,
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
