// Check runs and check suites: records, the changes the API and the web UI make, and the webhooks GitHub sends
// about them. Who hears what, as "Webhook events and payloads" says for `check_run` and `check_suite`:
//   https://docs.github.com/webhooks/webhook-events-and-payloads#check_run
//   https://docs.github.com/webhooks/webhook-events-and-payloads#check_suite
// - `created` / `completed`: repository hooks subscribed to the event, and apps installed on the repository
//   with the `checks` permission that subscribe to it ("GitHub Apps with write-level access for the Checks
//   permission are automatically subscribed"), whichever app made the check run.
// - `rerequested` (and `check_suite` `requested`): "only sent to the GitHub App being requested", which needs
//   `checks: write`; never to repository hooks.
// - A push to a branch sends `check_suite` `requested` to every app with `checks: write` installed on the
//   repository ("By default, GitHub creates a check suite automatically when code is pushed to the repository").
// - Rerequesting: "the status of the check suite it belongs to is reset to queued and the conclusion is
//   cleared. The check run itself is not updated." (https://docs.github.com/rest/checks/runs#rerequest-a-check-run)
import type { AppRegistry } from "./app-registry.js";
import type { CheckRunInput } from "./check-input.js";
import { checkRunJson, checkSuiteJson, type CheckJsonContext, type StandInCheckRun, type StandInCheckSuite } from "./check-json.js";
import { listBranches, ZERO_SHA } from "./git-objects.js";
import { deliverEvent } from "./hook-routes.js";
import { repositoryJson } from "./repository-json.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { AppHookTarget, PushedRef, StandInState } from "./stand-in-state.js";

/** A suite's conclusion is its runs' most severe one, in this order (the stand-in's reading of GitHub's UI). */
const severity = ["action_required", "cancelled", "timed_out", "failure", "neutral", "success", "skipped"];

export class CheckRegistry {
  private readonly runsByRepo = new Map<string, StandInCheckRun[]>();
  private readonly suitesByRepo = new Map<string, StandInCheckSuite[]>();
  readonly json: CheckJsonContext;

  constructor(
    private readonly state: StandInState,
    apps: AppRegistry,
  ) {
    this.json = { state, apps };
    state.pushListeners.push((repo, update, pusher) => this.requestSuites(repo, update, pusher));
  }

  /** A repository's check runs, oldest first. */
  runs(repo: StandInRepository): StandInCheckRun[] {
    return listOf(this.runsByRepo, repo);
  }

  suites(repo: StandInRepository): StandInCheckSuite[] {
    return listOf(this.suitesByRepo, repo);
  }

  suiteOf(repo: StandInRepository, run: StandInCheckRun): StandInCheckSuite {
    const suite = this.suites(repo).find((s) => s.id === run.suiteId);
    if (!suite) throw new Error(`check run ${run.id} has no suite`);
    return suite;
  }

  runJson(repo: StandInRepository, run: StandInCheckRun): Promise<Record<string, unknown>> {
    return checkRunJson(this.json, repo, run, this.suiteOf(repo, run));
  }

  suiteJson(repo: StandInRepository, suite: StandInCheckSuite): Promise<Record<string, unknown>> {
    return checkSuiteJson(this.json, repo, suite, this.runs(repo));
  }

  /** Creates a check run in its app's suite for the commit (made if needed); sends `created` (and `completed`). */
  async createRun(repo: StandInRepository, appId: number, input: CheckRunInput & { name: string; headSha: string }, sender: string): Promise<StandInCheckRun> {
    const suite = (await this.findOrCreateSuite(repo, appId, input.headSha)).suite;
    const now = new Date();
    const run: StandInCheckRun = {
      id: this.state.nextId(),
      appId,
      suiteId: suite.id,
      name: input.name,
      headSha: input.headSha,
      status: "queued",
      conclusion: null,
      startedAt: now,
      completedAt: null,
      externalId: "",
      detailsUrl: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      actions: [],
      createdAt: now,
      updatedAt: now,
    };
    applyInput(run, input, now);
    this.runs(repo).push(run);
    await this.sendRun(repo, run, "created", sender);
    if (run.status === "completed") await this.sendRun(repo, run, "completed", sender);
    await this.refreshSuite(repo, suite, sender);
    return run;
  }

  /**
   * Applies an update; annotations are appended. Sends `completed` when the update completes the run (also
   * again, after a rerequest, for a run that had completed before).
   */
  async updateRun(repo: StandInRepository, run: StandInCheckRun, input: CheckRunInput, sender: string): Promise<void> {
    applyInput(run, input, new Date());
    if (input.conclusion !== undefined) await this.sendRun(repo, run, "completed", sender);
    await this.refreshSuite(repo, this.suiteOf(repo, run), sender);
  }

  /** "Re-run" on a check run: its suite goes back to queued and the app that made it hears `rerequested`. */
  async rerequestRun(repo: StandInRepository, run: StandInCheckRun, sender: string): Promise<void> {
    this.resetSuite(this.suiteOf(repo, run));
    await this.sendRun(repo, run, "rerequested", sender, { only: run.appId });
  }

  /** "Re-run all checks" of one app's suite: the suite goes back to queued, the app hears `check_suite` `rerequested`. */
  async rerequestSuite(repo: StandInRepository, suite: StandInCheckSuite, sender: string): Promise<void> {
    this.resetSuite(suite);
    await this.sendSuite(repo, suite, "rerequested", sender, { only: suite.appId });
  }

  private resetSuite(suite: StandInCheckSuite): void {
    Object.assign(suite, { status: "queued", conclusion: null, updatedAt: new Date() });
  }

  private async findOrCreateSuite(repo: StandInRepository, appId: number, headSha: string, push?: PushedRef): Promise<{ suite: StandInCheckSuite; created: boolean }> {
    const existing = this.suites(repo).find((s) => s.appId === appId && s.headSha === headSha);
    if (existing) return { suite: existing, created: false };
    const branch = push ? push.ref.slice("refs/heads/".length) : (await listBranches(repo.bareDir)).find((b) => b.sha === headSha)?.name;
    const now = new Date();
    const suite: StandInCheckSuite = {
      id: this.state.nextId(),
      appId,
      headSha,
      headBranch: branch ?? null,
      before: push && push.before !== ZERO_SHA ? push.before : null,
      after: headSha,
      status: "queued",
      conclusion: null,
      createdAt: now,
      updatedAt: now,
    };
    this.suites(repo).push(suite);
    return { suite, created: true };
  }

  /** A suite's status follows its runs; when it becomes completed, `check_suite` `completed` goes out. */
  private async refreshSuite(repo: StandInRepository, suite: StandInCheckSuite, sender: string): Promise<void> {
    const runs = this.runs(repo).filter((r) => r.suiteId === suite.id);
    if (runs.length === 0) return;
    const wasCompleted = suite.status === "completed";
    suite.status = runs.every((r) => r.status === "completed") ? "completed" : runs.some((r) => r.status === "in_progress") ? "in_progress" : "queued";
    suite.conclusion = suite.status === "completed" ? (severity.find((c) => runs.some((r) => r.conclusion === c)) ?? null) : null;
    suite.updatedAt = new Date();
    if (suite.status === "completed" && !wasCompleted) await this.sendSuite(repo, suite, "completed", sender);
  }

  /** A push to a branch: a suite for every app with `checks: write` on the new head, and `check_suite` `requested`. */
  private async requestSuites(repo: StandInRepository, update: PushedRef, pusher: string): Promise<void> {
    if (!update.ref.startsWith("refs/heads/") || update.after === ZERO_SHA) return;
    for (const app of this.state.appHookTargets(repo).filter((t) => t.permissions.checks === "write")) {
      const { suite, created } = await this.findOrCreateSuite(repo, app.appId, update.after, update);
      if (created) await this.sendSuite(repo, suite, "requested", pusher, { only: app.appId });
    }
  }

  private async sendRun(repo: StandInRepository, run: StandInCheckRun, action: string, sender: string, options: { only?: number } = {}): Promise<void> {
    const suite = this.suiteOf(repo, run);
    const { repository: _repository, ...simpleSuite } = await this.suiteJson(repo, suite);
    const payload = { action, check_run: { ...(await this.runJson(repo, run)), check_suite: simpleSuite }, repository: repositoryJson(this.state, repo), sender: this.state.accountJson(sender) };
    await deliverEvent(this.state, repo, "check_run", payload, hearers("check_run", options.only));
  }

  private async sendSuite(repo: StandInRepository, suite: StandInCheckSuite, action: string, sender: string, options: { only?: number } = {}): Promise<void> {
    const { repository: _repository, ...json } = await this.suiteJson(repo, suite);
    const payload = { action, check_suite: json, repository: repositoryJson(this.state, repo), sender: this.state.accountJson(sender) };
    await deliverEvent(this.state, repo, "check_suite", payload, hearers("check_suite", options.only));
  }
}

/** Everyone who hears a check event, or only the requested app (then it needs `checks: write`, and no repository hook hears it). */
function hearers(event: string, only: number | undefined): { hooks: boolean; apps: (app: AppHookTarget) => boolean } {
  if (only !== undefined) return { hooks: false, apps: (app) => app.appId === only && app.permissions.checks === "write" };
  return { hooks: true, apps: (app) => app.permissions.checks !== undefined && (app.events.includes(event) || app.permissions.checks === "write") };
}

/** Applies a create or update: a `conclusion` completes the run ("Providing `conclusion` will automatically set the `status` parameter to `completed`"). */
function applyInput(run: StandInCheckRun, input: CheckRunInput, now: Date): void {
  if (input.name !== undefined) run.name = input.name;
  if (input.detailsUrl !== undefined) run.detailsUrl = input.detailsUrl;
  if (input.externalId !== undefined) run.externalId = input.externalId;
  if (input.startedAt !== undefined) run.startedAt = input.startedAt;
  if (input.conclusion !== undefined) {
    run.status = "completed";
    run.conclusion = input.conclusion;
    run.completedAt = input.completedAt ?? run.completedAt ?? now;
  } else if (input.status !== undefined && input.status !== "completed") {
    run.status = input.status;
    run.conclusion = null;
    run.completedAt = null;
  }
  if (input.output) {
    if (input.output.title !== undefined) run.output.title = input.output.title;
    run.output.summary = input.output.summary;
    if (input.output.text !== undefined) run.output.text = input.output.text;
    run.annotations.push(...input.output.annotations);
  }
  if (input.actions) run.actions = input.actions;
  run.updatedAt = now;
}

function listOf<T>(map: Map<string, T[]>, repo: StandInRepository): T[] {
  const key = repo.fullName.toLowerCase();
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
