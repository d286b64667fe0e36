// What the GitHub side keeps per process: the App's credentials (read from the secret store, re-read
// every few minutes), the Probot instance built from them, installation tokens, webhook secrets of PAT
// connections, and the reconcile back-off. Everything else is read from storage on each request.
import { WebhookIntake } from "./webhook-intake.js";
import { createHash, randomBytes } from "node:crypto";
import { Probot } from "probot";
import type { StoredConnection } from "../src/azure/connection-store.js";
import { TABLES } from "../src/azure/resources.js";
import { getAppCredentials, type AppCredentials } from "./app-credentials.js";
import { createOctokit, type GitHubClient } from "./create-octokit.js";
import { DeliveryLog } from "./delivery-log.js";
import { enqueueSync } from "./enqueue-sync.js";
import { createFuncspaceApp } from "./funcspace-app.js";
import type { AbortOptions, GitHubAppDeps } from "./github-app-deps.js";
import { getConnectionToken } from "./get-connection-token.js";
import { InstallationTokens } from "./installation-tokens.js";
import { PushJobs } from "./push-jobs.js";
import { VerifiedInstallations } from "./verified-installations.js";

const CACHE_TTL_IN_MS = 5 * 60_000;

interface Cached<T> {
  value: T;
  loadedAt: number;
}

export interface ReconcileBackoff {
  /** Consecutive ticks on which GitHub rejected the token. */
  failures: number;
  /** Ticks still to skip before the next try. */
  skip: number;
}

/** How long the webhook intake shares one read of the connection record (see readConnectionForWebhook). */
export const WEBHOOK_CONNECTION_MAX_AGE_IN_MS = 1_000;

export class GitHubRuntime {
  readonly deps: GitHubAppDeps;
  readonly deliveries: DeliveryLog;
  readonly installationTokens: InstallationTokens;
  readonly verifiedInstallations: VerifiedInstallations;
  /** Per connection id; in memory, so a restart tries once again (one request), then backs off anew. */
  readonly reconcileBackoff = new Map<string, ReconcileBackoff>();
  /** Connection reads started by the webhook intake for a claimed push, by delivery id, for its handler. */
  readonly connectionReads = new Map<string, Promise<StoredConnection | undefined>>();
  /** Push jobs of this instance: a burst to the connected branch shares queue messages (push-jobs.ts). */
  readonly pushJobs: PushJobs;
  /** Bounds what unverified webhook bodies may cost (webhook-intake.ts). */
  readonly webhookIntake = new WebhookIntake();
  #app: Promise<Cached<AppCredentials | undefined>> | undefined;
  #probot: { key: string; probot: Promise<Probot> } | undefined;
  #appOctokit: { key: string; octokit: GitHubClient } | undefined;
  readonly #webhookSecrets = new Map<string, Cached<string | undefined>>();
  #webhookConnection: { at: number; changes: number; read: Promise<StoredConnection | undefined> } | undefined;

  constructor(deps: GitHubAppDeps) {
    this.deps = deps;
    this.deliveries = new DeliveryLog(deps.storage.table(TABLES.deliveries));
    this.installationTokens = new InstallationTokens((options) => this.getAppOctokit(options));
    this.verifiedInstallations = new VerifiedInstallations(deps.storage.table(TABLES.installations));
    this.pushJobs = new PushJobs((job, options) => enqueueSync(deps.storage, job, options));
  }

  /** The registered App's credentials (cached a few minutes), or undefined while none is registered. */
  async getApp(options: AbortOptions = {}): Promise<AppCredentials | undefined> {
    const cached = this.#app ? await this.#app.catch(() => undefined) : undefined;
    if (cached && Date.now() - cached.loadedAt < CACHE_TTL_IN_MS) return cached.value;
    return (await this.#loadApp(options)).value;
  }

  /** Re-reads the App's credentials unless they were read in the last `maxAgeInMs`; true if they changed. */
  async reloadApp(options: AbortOptions & { maxAgeInMs?: number } = {}): Promise<boolean> {
    const cached = this.#app ? await this.#app.catch(() => undefined) : undefined;
    if (cached && Date.now() - cached.loadedAt < (options.maxAgeInMs ?? 0)) return false;
    const before = appKey(cached?.value);
    return appKey((await this.#loadApp(options)).value) !== before;
  }

  /** An Octokit authenticated as the App (JWT for /app routes); throws when no App is registered. */
  async getAppOctokit(options: AbortOptions = {}): Promise<GitHubClient> {
    const app = await this.getApp(options);
    if (!app) throw new Error("no GitHub App is registered");
    const key = appKey(app);
    if (this.#appOctokit?.key !== key) {
      this.#appOctokit = {
        key,
        octokit: createOctokit(this.deps.config.githubApiUrl, { kind: "app", appId: app.appId, privateKey: app.privateKey }, { logger: this.deps.logger }),
      };
      this.installationTokens.clear();
    }
    return this.#appOctokit.octokit;
  }

  /** The Probot instance for the current App (rebuilt when the App changes), ready to receive. */
  async getProbot(options: AbortOptions = {}): Promise<Probot> {
    const app = await this.getApp(options);
    const key = appKey(app);
    if (this.#probot?.key !== key) {
      const probot = this.#buildProbot(app);
      this.#probot = { key, probot };
      probot.catch(() => {
        if (this.#probot?.probot === probot) this.#probot = undefined;
      });
    }
    return this.#probot.probot;
  }

  /** A PAT connection's webhook secret by its secret-store name (cached a few minutes). */
  /**
   * The connection record as the webhook intake needs it: one Table read shared by every delivery of the
   * same second (at hundreds of deliveries a second it was a third of each one's storage work). Never older
   * than WEBHOOK_CONNECTION_MAX_AGE_IN_MS, and never older than a change this instance made. A change made
   * on another instance is seen within that second; what a stale copy can cost is bounded: a push enqueued
   * for a connection just removed is dropped by the worker (the job names its connection), a push ignored
   * for a connection just made is covered by that connection's initial sync (it takes the branch head at
   * run time), and a signature that fails against a stale copy is checked again against a fresh read.
   */
  readConnectionForWebhook(options: { fresh?: boolean } = {}): Promise<StoredConnection | undefined> {
    const now = performance.now();
    const cached = this.#webhookConnection;
    const changes = this.deps.connections.changes;
    if (!options.fresh && cached && cached.changes === changes && now - cached.at < WEBHOOK_CONNECTION_MAX_AGE_IN_MS) return cached.read;
    // Shared by many requests: not tied to any one request's abort signal.
    const read = this.deps.connections.get();
    const entry = { at: now, changes, read };
    this.#webhookConnection = entry;
    read.catch(() => {
      if (this.#webhookConnection === entry) this.#webhookConnection = undefined;
    });
    return read;
  }

  async getWebhookSecret(name: string, options: AbortOptions = {}): Promise<string | undefined> {
    const cached = this.#webhookSecrets.get(name);
    if (cached && Date.now() - cached.loadedAt < CACHE_TTL_IN_MS) return cached.value;
    const value = await this.deps.secrets.get(name, options);
    this.#webhookSecrets.set(name, { value, loadedAt: Date.now() });
    return value;
  }

  #loadApp(options: AbortOptions): Promise<Cached<AppCredentials | undefined>> {
    const loading = getAppCredentials(this.deps.secrets, options).then((value) => ({ value, loadedAt: Date.now() }));
    this.#app = loading;
    return loading;
  }

  async #buildProbot(app: AppCredentials | undefined): Promise<Probot> {
    // Probot logs every event's whole payload at debug: its logger stays at info or above.
    const parent = this.deps.logger;
    const log = parent.child({ component: "probot" }, { level: parent.levelVal < parent.levels.values.info! ? "info" : parent.level });
    const probot = app
      ? new Probot({
          appId: app.appId,
          privateKey: app.privateKey,
          secret: app.webhookSecret,
          baseUrl: this.deps.config.githubApiUrl,
          log,
        })
      : // No App registered: only PAT connections' repository webhooks arrive, verified with their own
        // secret before they reach Probot. Probot insists on credentials; the handlers never use Probot's own
        // client (they build one with the connection's token), so it gets an inert token and a random, never-shared secret.
        new Probot({ githubToken: "funcspace-no-app-registered", secret: randomBytes(32).toString("hex"), baseUrl: this.deps.config.githubApiUrl, log });
    await probot.load(
      createFuncspaceApp(this.deps, {
        connectionReads: this.connectionReads,
        pushJobs: this.pushJobs,
        pullChecks: {
          ...this.deps,
          appId: app?.appId,
          connectionClient: async (record, options) =>
            createOctokit(this.deps.config.githubApiUrl, { kind: "token", token: await getConnectionToken(this, record, options) }, { logger: this.deps.logger }),
        },
      }),
    );
    return probot.ready();
  }
}

// Asked on every delivery (getProbot): hash each credentials object once.
const appKeys = new WeakMap<AppCredentials, string>();

function appKey(app: AppCredentials | undefined): string {
  if (!app) return "none";
  let key = appKeys.get(app);
  if (!key) {
    key = createHash("sha256").update(`${app.appId}\0${app.privateKey}\0${app.webhookSecret}`).digest("hex");
    appKeys.set(app, key);
  }
  return key;
}
