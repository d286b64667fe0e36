// A loopback GitHub for tests: GitHub's REST API and web endpoints, backed by real bare git repositories.
// See README.md beside this file.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Credential, TokenGrant } from "./access.js";
import { AppRegistry, type CreateAppOptions, type CreateInstallationOptions, type StandInApp, type StandInInstallation } from "./app-registry.js";
import { appRoutes, type PendingCode } from "./app-routes.js";
import type { StandInCheckRun, StandInCheckSuite } from "./check-json.js";
import { CheckRegistry } from "./check-registry.js";
import { checkRunRoutes } from "./check-run-routes.js";
import { compareRoutes } from "./compare-routes.js";
import { createDispatcher } from "./dispatch-request.js";
import type { StandInFaults } from "./faults.js";
import { gitDataRoutes } from "./git-data-routes.js";
import { postReceiveHook } from "./post-receive-hook.js";
import { hookRoutes } from "./hook-routes.js";
import { setPullRequestState, synchronizePullRequests } from "./pull-events.js";
import { pullRoutes } from "./pull-routes.js";
import { refRoutes } from "./ref-routes.js";
import { repositoryRoutes } from "./repository-routes.js";
import { StandInRepository, type CreateRepositoryOptions } from "./stand-in-repository.js";
import { StandInState, type RequestRecord, type StandInCommitStatus, type StandInPullRequest } from "./stand-in-state.js";
import { statusRoutes } from "./status-routes.js";
import { userRoutes } from "./user-routes.js";
import type { AddUserOptions, StandInUser } from "./users.js";
import type { WebhookDelivery } from "./webhook-sender.js";
import { webRoutes, type WebFlowState } from "./web-routes.js";

export type { CreateAppOptions, CreateInstallationOptions, StandInApp, StandInInstallation } from "./app-registry.js";
export type { ClassicTokenGrant, FineGrainedTokenGrant, Permissions, TokenGrant } from "./access.js";
export type { FailOptions, LatencyOptions, LoseWebhooksOptions, TarballBody, TruncateTreesOptions } from "./faults.js";
export type { CommitOptions, CreateRepositoryOptions, FileChange, Permission } from "./stand-in-repository.js";
export type { RequestRecord, StandInCommitStatus, StandInPullRequest } from "./stand-in-state.js";
export type { CheckRunAction, StandInAnnotation, StandInCheckRun, StandInCheckSuite } from "./check-json.js";
export type { AddUserOptions, MembershipState, OrgRole, StandInUser, TeamRole } from "./users.js";
export type { WebhookDelivery } from "./webhook-sender.js";
export { StandInFaults } from "./faults.js";
export { StandInRepository } from "./stand-in-repository.js";

export interface GitHubStandInOptions {
  /** Folder for the bare repositories and work trees (default: a new temp folder, removed by `close()`). */
  root?: string;
  /** The signed-in GitHub user of the web pages (until `signInAs`) and the default owner of tokens (default `octo-user`). */
  userLogin?: string;
  /** Recursive trees longer than this answer `truncated: true` (GitHub: 100,000). */
  treeEntryLimit?: number;
  /** How long a tarball's download URL works (GitHub: about 5 minutes). */
  downloadUrlTtlMs?: number;
}

export interface GitHubStandIn {
  /** Octokit `baseUrl` (`GITHUB_API_URL`), GitHub Enterprise style: `http://127.0.0.1:PORT/api/v3`. */
  apiUrl: string;
  /** `GITHUB_WEB_URL`: OAuth, app registration and installation pages. */
  webUrl: string;
  userLogin: string;
  faults: StandInFaults;
  /** Every request answered, oldest first: method, path (no query string), status. */
  requests: RequestRecord[];
  createRepository(fullName: string, options?: CreateRepositoryOptions): Promise<StandInRepository>;
  getRepository(fullName: string): StandInRepository | undefined;
  /** The pull requests opened on a repository through `POST /repos/{o}/{r}/pulls`, in number order. */
  pullRequests(fullName: string): readonly StandInPullRequest[];
  /** The web UI's "Close pull request": `pull_request` `closed` goes out (resolves after it was answered). `sender`: default the signed-in user. */
  closePullRequest(fullName: string, number: number, options?: { sender?: string }): Promise<StandInPullRequest>;
  /** "Reopen pull request" (its head branch must exist): `pull_request` `reopened`. */
  reopenPullRequest(fullName: string, number: number, options?: { sender?: string }): Promise<StandInPullRequest>;
  /** A repository's check runs (`POST /repos/{o}/{r}/check-runs`), oldest first; annotations included. */
  checkRuns(fullName: string): readonly StandInCheckRun[];
  /** A repository's check suites (one per app and head commit; pushes make them for apps with `checks: write`). */
  checkSuites(fullName: string): readonly StandInCheckSuite[];
  /** A repository's commit statuses (`POST /repos/{o}/{r}/statuses/{sha}`), oldest first. */
  commitStatuses(fullName: string): readonly StandInCommitStatus[];
  /**
   * The "Re-run" button of a check run on GitHub: its check suite goes back to `queued` (no conclusion), the run is
   * unchanged, and the app that made it receives `check_run` `rerequested` (resolves after it was answered).
   */
  rerequestCheckRun(fullName: string, checkRunId: number, options?: { sender?: string }): Promise<void>;
  /** "Re-run all checks" of one app's check suite: `check_suite` `rerequested` to that app. */
  rerequestCheckSuite(fullName: string, checkSuiteId: number, options?: { sender?: string }): Promise<void>;
  /** Makes `token` valid for `Authorization: token …` / `Bearer …` with the grant's rights. */
  addToken(token: string, grant: TokenGrant): void;
  /** The token answers 401 "Bad credentials" from now on (any kind: PATs, `ghu_` user tokens; a `ghr_` refresh token stops refreshing). */
  revokeToken(token: string): void;
  /**
   * Adds a GitHub user (or replaces a known user's profile and memberships; the id stays): `id`, `name`, `email`,
   * `orgs: { org: { role: "member" | "admin", state?: "active" | "pending" } }`, `teams: ["org/team-slug" | { team, role }]`.
   * Organization owners (active `admin`) are admin on the organization's repositories and see its installations.
   */
  addUser(login: string, options?: AddUserOptions): StandInUser;
  /** Who is signed in to github.com in the browser from now on (default: `userLogin`): the OAuth authorize, app registration and installation pages act as this user. */
  signInAs(login: string): void;
  /** The next visit to `{webUrl}/login/oauth/authorize` is refused by the user: redirect with `error=access_denied`. */
  denyNextAuthorization(): void;
  /** Every webhook attempt, oldest first (pushes, pings, installation events; lost ones and redeliveries too). */
  deliveries: WebhookDelivery[];
  /** Sends a recorded delivery again, same `X-GitHub-Delivery` and body. */
  redeliver(deliveryId: string): Promise<WebhookDelivery>;
  /** Waits for deliveries sent in the background (pings, installation events) to be answered. */
  settleDeliveries(): Promise<void>;
  /**
   * Registers a GitHub App directly (the manifest flow on `webUrl` does the same). The record holds the
   * credentials (`id`, `clientId`, `clientSecret`, `webhookSecret`, `pem`); `webhookUrl`/`webhookActive` may be changed.
   */
  createApp(options: CreateAppOptions): Promise<StandInApp>;
  getApp(slugOrId: string | number): StandInApp | undefined;
  /** Installs an app and sends `installation.created` to the app's hook (resolves after the delivery). */
  createInstallation(appSlugOrId: string | number, options: CreateInstallationOptions): Promise<StandInInstallation>;
  /** What the next visit to `{webUrl}/apps/{slug}/installations/new` installs (default: the user's account, all repositories). */
  chooseNextInstallation(options: CreateInstallationOptions): void;
  /** `installation.deleted`; its tokens answer 401 from now on. */
  deleteInstallation(installationId: number): Promise<void>;
  /** `installation.suspend`; its tokens answer 403 and new ones are refused. */
  suspendInstallation(installationId: number): Promise<void>;
  unsuspendInstallation(installationId: number): Promise<void>;
  /** `installation_repositories.added` / `.removed`. */
  addRepositories(installationId: number, repositories: string[]): Promise<void>;
  removeRepositories(installationId: number, repositories: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startGitHubStandIn(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const ownsRoot = options.root === undefined;
  const root = options.root ?? (await mkdtemp(path.join(tmpdir(), "github-stand-in-")));
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const userLogin = options.userLogin ?? "octo-user";
  const state = new StandInState({
    root,
    origin: `http://127.0.0.1:${port}`,
    userLogin,
    internalKey: randomBytes(32).toString("hex"),
    treeEntryLimit: options.treeEntryLimit ?? 100_000,
    downloadUrlTtlMs: options.downloadUrlTtlMs ?? 5 * 60_000,
  });
  const apps = new AppRegistry(state);
  const checks = new CheckRegistry(state, apps);
  state.pushListeners.unshift(synchronizePullRequests(state));
  const flow: WebFlowState = { manifestCodes: new Map<string, PendingCode>(), oauthCodes: new Map<string, PendingCode>(), nextInstallation: undefined, denyNextAuthorization: false };
  // Check and status routes first: `commits/{ref}/check-runs` would otherwise be read as a ref by "Get a commit".
  const routes = [...checkRunRoutes(checks), ...statusRoutes, ...repositoryRoutes, ...gitDataRoutes, ...refRoutes, ...compareRoutes, ...pullRoutes, ...hookRoutes, ...appRoutes(apps, flow.manifestCodes), ...userRoutes(apps), ...webRoutes(apps, flow)];
  server.on("request", createDispatcher(state, routes));

  return {
    apiUrl: state.apiUrl,
    webUrl: state.webUrl,
    userLogin,
    faults: state.faults,
    requests: state.requests,
    async createRepository(fullName, repositoryOptions = {}) {
      if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(fullName) || fullName.endsWith(".git")) {
        throw new TypeError(`createRepository: "${fullName}" is not an owner/name GitHub would accept`);
      }
      if (state.repositories.has(fullName.toLowerCase())) throw new Error(`createRepository: ${fullName} already exists`);
      const repo = await StandInRepository.create(fullName, repositoryOptions, {
        id: state.nextId(),
        root,
        hookScript: (name) => postReceiveHook({ url: `${state.webUrl}/_stand-in/pushes/${name}`, key: state.sign(`push:${name}`) }),
      });
      state.repositories.set(fullName.toLowerCase(), repo);
      return repo;
    },
    getRepository: (fullName) => state.repositories.get(fullName.toLowerCase()),
    pullRequests: (fullName) => state.pulls.get(fullName.toLowerCase()) ?? [],
    closePullRequest: (fullName, number, changeOptions = {}) => setPullRequestState(state, fullName, number, false, changeOptions.sender ?? state.people.signedIn),
    reopenPullRequest: (fullName, number, changeOptions = {}) => setPullRequestState(state, fullName, number, true, changeOptions.sender ?? state.people.signedIn),
    checkRuns: (fullName) => {
      const repo = state.repositories.get(fullName.toLowerCase());
      return repo ? checks.runs(repo) : [];
    },
    checkSuites: (fullName) => {
      const repo = state.repositories.get(fullName.toLowerCase());
      return repo ? checks.suites(repo) : [];
    },
    commitStatuses: (fullName) => state.commitStatuses.get(fullName.toLowerCase()) ?? [],
    async rerequestCheckRun(fullName, checkRunId, rerunOptions = {}) {
      const repo = requireRepository(state, fullName);
      const run = checks.runs(repo).find((r) => r.id === checkRunId);
      if (!run) throw new Error(`rerequestCheckRun: no check run ${checkRunId} in ${fullName}`);
      await checks.rerequestRun(repo, run, rerunOptions.sender ?? state.people.signedIn);
    },
    async rerequestCheckSuite(fullName, checkSuiteId, rerunOptions = {}) {
      const repo = requireRepository(state, fullName);
      const suite = checks.suites(repo).find((s) => s.id === checkSuiteId);
      if (!suite) throw new Error(`rerequestCheckSuite: no check suite ${checkSuiteId} in ${fullName}`);
      await checks.rerequestSuite(repo, suite, rerunOptions.sender ?? state.people.signedIn);
    },
    addToken(token, grant) {
      const login = grant.login ?? userLogin;
      state.users.add(login.toLowerCase());
      const credential: Credential =
        grant.type === "classic"
          ? { kind: "classic", login, scopes: [...grant.scopes] }
          : { kind: "fine-grained", login, repositories: grant.repositories === "all" ? "all" : [...grant.repositories], permissions: { ...grant.permissions } };
      state.tokens.set(token, credential);
    },
    revokeToken(token) {
      state.tokens.delete(token);
      state.refreshTokens.delete(token);
    },
    addUser: (login, userOptions) => state.people.add(login, userOptions),
    signInAs(login) {
      state.people.signInAs(login);
    },
    denyNextAuthorization() {
      flow.denyNextAuthorization = true;
    },
    deliveries: state.webhooks.deliveries,
    redeliver: (deliveryId) => state.webhooks.redeliver(deliveryId),
    settleDeliveries: () => state.webhooks.settle(),
    createApp: (appOptions) => apps.createApp(appOptions),
    getApp: (slugOrId) => apps.findApp(slugOrId),
    createInstallation: (app, installOptions) => apps.createInstallation(app, installOptions),
    chooseNextInstallation(installOptions) {
      flow.nextInstallation = installOptions;
    },
    deleteInstallation: (id) => apps.deleteInstallation(id),
    suspendInstallation: (id) => apps.suspendInstallation(id, true),
    unsuspendInstallation: (id) => apps.suspendInstallation(id, false),
    addRepositories: (id, repositories) => apps.changeRepositories(id, repositories, "added"),
    removeRepositories: (id, repositories) => apps.changeRepositories(id, repositories, "removed"),
    async close() {
      await state.webhooks.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsRoot) await rm(root, { recursive: true, force: true });
    },
  };
}

function requireRepository(state: StandInState, fullName: string): StandInRepository {
  const repo = state.repositories.get(fullName.toLowerCase());
  if (!repo) throw new Error(`no repository ${fullName}`);
  return repo;
}
