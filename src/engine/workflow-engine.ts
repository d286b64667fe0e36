// The workflow engine as the hosts see it: discovery, runs (waited for or queued), run records. It assembles
// the catalog, the worker pool and the run store; each step lives in its own module.
import pLimit, { type LimitFunction } from "p-limit";
import { poisonQueueName, QUEUES } from "../azure/resources.js";
import type { WorkflowRunStore } from "../azure/workflow-run-store.js";
import type { Config } from "../config.js";
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../errors.js";
import type { RunEventStore } from "../azure/run-event-store.js";
import type { RunEvent, RunList, RunListQuery } from "../api-types.js";
import { RunEventFeed } from "./run-event-feed.js";
import type { Logger } from "../logger.js";
import { executeRun, type ExecuteRunOptions } from "./execute-run.js";
import { pruneRuns } from "./prune-runs.js";
import { createRunRecord } from "./create-run-record.js";
import type { DraftOverlay } from "./draft-overlay.js";
import type { DraftWorkers } from "./draft-workers.js";
import { listDraftWorkflows } from "./list-draft-workflows.js";
import { FINISHED_STATUSES, RUN_ID_PATTERN, type RunRecord, type RunSummary, type WorkflowRunJob } from "./run-record.js";
import { startDraftRun } from "./start-draft-run.js";
import { validateParams } from "./validate-params.js";
import { WorkflowCatalog, type WorkflowListing } from "./workflow-catalog.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";
import type { RunThreads } from "./run-threads.js";
import type { WorkflowSecretStore } from "./workflow-secrets.js";
import { WorkerPool, type RunWorkers } from "./worker-pool.js";
export const MAX_RUNS_LIMIT = 200;
/** WORKFLOW_WAIT_MS's default: below the 230 s after which Azure's front end answers a request itself. */
const DEFAULT_WAIT_IN_MS = 200_000;

export interface WorkflowEngineOptions {
  config: Pick<
    Config,
    "workspaceDir" | "workflowTempDir" | "ioConcurrency" | "workflowTimeoutMs" | "workflowConcurrency" | "runRetentionMs" | "runRetentionPerWorkflow"
  > &
    Partial<Pick<Config, "workflowWaitMs">>;
  /** Where run threads live: the runner process (src/runner/) or this process (engine/run-threads.ts). */
  threads: RunThreads;
  /** The runner's own user, if it has one (it owns each run's temp folder). */
  runUser?: { uid: number; gid: number };
  /** Workflow secrets, answered to runs over their message channel. */
  secrets?: WorkflowSecretStore;
  logger: Logger;
  runs: WorkflowRunStore;
  /** Each run's events as they happen (GET /api/runs/{id}/events); without it, runs are seen when they finish. */
  events?: RunEventStore;
  /** How often a run's instance reads its record for a cancel request made on another instance (default 1 s). */
  cancelCheckInMs?: number;
  /** Puts a job on the `workflow-runs` queue. */
  enqueue: (job: WorkflowRunJob, options: { abortSignal?: AbortSignal }) => Promise<void>;
}

export interface StartRunOptions {
  /**
   * false: queue the run and return at once (status `queued`). Default true: wait for the run, at most
   * `waitInMs`; a run still going then is returned as it stands (`queued` or `running`) and goes on.
   */
  wait?: boolean;
  /** The longest wait (default WORKFLOW_WAIT_MS). */
  waitInMs?: number;
  /** Who started it, recorded with the run. */
  startedBy?: string;
  /**
   * Run the workflow as a draft changeset has it (start-draft-run.ts): the draft's files over the workspace's, in
   * a thread of its own. Waited for only (`wait: false` is refused: a queued job carries no files).
   */
  overlay?: DraftOverlay;
  abortSignal?: AbortSignal;
}

export interface ListWorkflowsOptions {
  /** The draft's view: its added, changed, renamed or broken workflows as they would be once it is merged. */
  overlay?: DraftOverlay;
  abortSignal?: AbortSignal;
}

export class WorkflowEngine {
  readonly catalog: WorkflowCatalog;
  readonly pool: WorkerPool;
  /** Where run threads live (the runner process, or this one). */
  readonly threads: RunThreads;
  /** Workflow secrets (ctx.secrets), when the host gives them. */
  readonly secrets: WorkflowSecretStore | undefined;
  /** Watching runs' events (when the engine has an event store). */
  readonly feed: RunEventFeed | undefined;
  readonly #options: WorkflowEngineOptions;
  readonly #limit: LimitFunction;
  /** Runs executing on this instance → how to cancel them. */
  readonly #active = new Map<string, { controller: AbortController; by?: string }>();

  constructor(options: WorkflowEngineOptions) {
    const { config, logger } = options;
    this.#options = options;
    this.threads = options.threads;
    this.secrets = options.secrets;
    this.pool = new WorkerPool({ threads: options.threads, logger: logger.child({ component: "run-workers" }) });
    this.catalog = new WorkflowCatalog({ workspaceDir: config.workspaceDir, pool: this.pool, ioConcurrency: config.ioConcurrency });
    this.#limit = pLimit(config.workflowConcurrency);
    this.feed = options.events ? new RunEventFeed(options.events, (id) => options.runs.get(id)) : undefined;
  }

  async listWorkflows(options: ListWorkflowsOptions = {}): Promise<WorkflowListing> {
    if (!options.overlay) return this.catalog.list(options);
    return (await listDraftWorkflows(options.overlay, this.#draftDeps(), options)).listing;
  }

  /** Validates and runs (or queues) a workflow. BadRequestError names each bad parameter. */
  async startRun(name: string, params: unknown, options: StartRunOptions = {}): Promise<RunRecord> {
    if (options.overlay) {
      const run = (record: RunRecord, workflow: WorkflowDescriptor, workers: DraftWorkers) => this.#runWithinWait(record, workflow, options, workers);
      return startDraftRun(name, params, options.overlay, { ...this.#draftDeps(), runs: this.#options.runs, run }, options);
    }
    const workflow = await this.catalog.find(name, options);
    const record = createRunRecord(workflow, params, options);
    if (options.wait === false) {
      await this.#options.runs.upsert(record, options);
      await this.#options.enqueue(
        { runId: record.id, workflow: name, params: record.params, ...(options.startedBy ? { startedBy: options.startedBy } : {}) },
        options,
      );
      return record;
    }
    return this.#runWithinWait(record, workflow, options);
  }

  /**
   * Runs the workflow and waits for it at most `waitInMs` (an HTTP caller behind Azure's front end gets no answer
   * after 230 s). The run is not tied to the request: past the wait it goes on and records its own outcome.
   * A draft run brings its own threads (`draft`), closed when the run ends.
   */
  async #runWithinWait(record: RunRecord, workflow: WorkflowDescriptor, options: StartRunOptions, draft?: DraftWorkers): Promise<RunRecord> {
    const waitInMs = options.waitInMs ?? this.#options.config.workflowWaitMs ?? DEFAULT_WAIT_IN_MS;
    // Every thread busy: the run waits for one, so store it as queued first (a 202 must name a run that exists).
    try {
      if (this.#limit.activeCount + this.#limit.pendingCount >= this.#limit.concurrency) await this.#options.runs.upsert(record, options);
    } catch (error) {
      void draft?.close();
      throw error;
    }
    let started = false;
    const running = this.#limit(() => {
      started = true;
      // Not the caller's signal: the run outlives a request that stopped waiting.
      return this.#execute(record, workflow, {}, draft).finally(() => void draft?.close());
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitInMs)));
    try {
      const finished = await Promise.race([running, waited]);
      if (finished) return finished;
    } finally {
      clearTimeout(timer);
    }
    running.catch((error: unknown) => this.#options.logger.error({ err: error, runId: record.id }, "workflow run failed after its caller stopped waiting"));
    return { ...record, status: started ? "running" : "queued" };
  }

  /**
   * Runs a queued job (the `workflow-runs` queue trigger). A redelivered job whose run already finished is a
   * no-op; a workflow that disappeared or whose parameters no longer fit is recorded as failed, not retried.
   */
  async executeJob(job: WorkflowRunJob, options: { abortSignal?: AbortSignal } = {}): Promise<RunRecord> {
    const existing = await this.#options.runs.get(job.runId, options);
    if (existing && FINISHED_STATUSES.includes(existing.status)) return existing;
    const record: RunRecord = existing ?? {
      id: job.runId,
      workflow: job.workflow,
      status: "queued",
      trigger: "queue",
      ...(job.startedBy ? { startedBy: job.startedBy } : {}),
      params: job.params,
      logs: [],
      createdAt: new Date().toISOString(),
    };
    let workflow;
    let params;
    try {
      workflow = await this.catalog.find(job.workflow, options);
      params = validateParams(workflow.parameters, job.params);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const failed: RunRecord = {
        ...record,
        status: "failed",
        error: { name: error.name, message: error.message },
        finishedAt: new Date().toISOString(),
        durationMs: 0,
      };
      await this.#options.runs.upsert(failed, options);
      return failed;
    }
    return this.#limit(() => this.#execute({ ...record, params }, workflow, options));
  }

  /**
   * The last delivery of a queued run's job failed (the host moves it to `workflow-runs-poison` next): the run
   * is recorded `failed` with why, instead of staying `queued` or `running` for ever. Only the error's code or
   * name is kept: an infrastructure message may name server paths. A run that ended meanwhile keeps its outcome.
   */
  async recordJobGaveUp(job: WorkflowRunJob, error: unknown, attempts: number, options: { abortSignal?: AbortSignal } = {}): Promise<boolean> {
    const cause = (error as { code?: unknown })?.code ?? (error as { name?: unknown })?.name ?? "Error";
    return this.#options.runs.endUnfinished(
      job.runId,
      {
        status: "failed",
        from: ["queued", "running"],
        error: {
          name: "GaveUp",
          message:
            `The run could not be carried out: its job failed ${attempts} times (${String(cause).slice(0, 80)}), so the platform gave up. ` +
            `The job rests in the ${poisonQueueName(QUEUES.workflowRuns)} queue; start the run again, and if it fails the same way, check the platform's health page.`,
        },
      },
      options,
    );
  }

  async getRun(id: string, options: { abortSignal?: AbortSignal } = {}): Promise<RunRecord> {
    const record = RUN_ID_PATTERN.test(id) ? await this.#options.runs.get(id, options) : undefined;
    if (!record) throw new NotFoundError(`There is no run "${id}".`);
    return record;
  }

  /**
   * The latest runs that match the filters, newest first, `limit` at most; `nextCursor` (the last run's id)
   * when more match, for the page after this one. One more run is read to know that, so the last page says so.
   */
  async listRuns(options: RunListQuery & { abortSignal?: AbortSignal } = {}): Promise<RunList> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUNS_LIMIT) {
      throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_RUNS_LIMIT}.`, { code: "invalid_limit" });
    }
    if (options.cursor !== undefined && !RUN_ID_PATTERN.test(options.cursor)) {
      throw new BadRequestError("cursor must be the nextCursor of an earlier page of runs.", { code: "invalid_cursor" });
    }
    const { workflow, status, startedBy, cursor, abortSignal } = options;
    const runs: RunSummary[] = [];
    for await (const run of this.#options.runs.list({ workflow, status, startedBy, after: cursor, abortSignal })) {
      if (runs.length === limit) return { runs, nextCursor: runs[limit - 1]!.id };
      runs.push(run);
    }
    return { runs };
  }

  /**
   * Cancels a run: a queued one at once; a running one is stopped by its instance (this one at once, another
   * within `cancelCheckInMs`): its abort signal fires, and its thread is terminated after a grace period.
   */
  async cancelRun(id: string, by: string, options: { abortSignal?: AbortSignal } = {}): Promise<RunRecord> {
    const record = await this.getRun(id, options);
    if (FINISHED_STATUSES.includes(record.status)) {
      throw new ConflictError(`The run has already finished (${record.status.replace("_", " ")}): there is nothing to cancel.`, { code: "run_finished" });
    }
    if (record.status === "queued") {
      const cancelled: RunRecord = { ...record, status: "cancelled", cancelledBy: by, finishedAt: new Date().toISOString(), durationMs: 0, error: { name: "Cancelled", message: `Cancelled by ${by} before it started.` } };
      await this.#options.runs.upsert(cancelled, options);
      return cancelled;
    }
    const local = this.#active.get(id);
    if (local) {
      local.by ??= by;
      local.controller.abort(new Error(`the run was cancelled by ${by}`));
    }
    await this.#options.runs.requestCancel(id, by, options);
    return { ...record, cancelRequestedBy: by };
  }

  /** Deletes runs past retention (config: RUN_RETENTION_DAYS, RUN_RETENTION_PER_WORKFLOW). */
  pruneRuns(options: { now?: number; abortSignal?: AbortSignal } = {}): Promise<{ deleted: number; kept: number }> {
    const { config } = this.#options;
    return pruneRuns(
      { runs: this.#options.runs, events: this.#options.events },
      { maxAgeInMs: config.runRetentionMs, keepPerWorkflow: config.runRetentionPerWorkflow, ...options },
    );
  }

  /** Stops every worker thread (running workflows are cut off). */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** One run on this instance, cancellable from here (at once) or from anywhere (its record, read every second). */
  async #execute(record: RunRecord, workflow: Parameters<typeof executeRun>[1], options: ExecuteRunOptions, workers: RunWorkers = this.pool): Promise<RunRecord> {
    const entry: { controller: AbortController; by?: string } = { controller: new AbortController() };
    this.#active.set(record.id, entry);
    const check = setInterval(() => {
      this.#options.runs.get(record.id).then(
        (stored) => {
          if (stored?.cancelRequestedBy && !entry.controller.signal.aborted) {
            entry.by ??= stored.cancelRequestedBy;
            entry.controller.abort(new Error(`the run was cancelled by ${stored.cancelRequestedBy}`));
          }
        },
        () => undefined,
      );
    }, this.#options.cancelCheckInMs ?? 1000);
    check.unref();
    try {
      return await executeRun(record, workflow, this.#executeDeps(workers), { ...options, cancelSignal: entry.controller.signal, cancelledBy: () => entry.by });
    } finally {
      clearInterval(check);
      this.#active.delete(record.id);
    }
  }

  #draftDeps() {
    return { catalog: this.catalog, threads: this.threads, workspaceDir: this.#options.config.workspaceDir };
  }

  #executeDeps(workers: RunWorkers) {
    const { config, logger, runs } = this.#options;
    return {
      workspaceDir: config.workspaceDir,
      tempDir: config.workflowTempDir,
      defaultTimeoutInMs: config.workflowTimeoutMs,
      workers,
      runUser: this.#options.runUser,
      secrets: this.#options.secrets,
      runs,
      ...(this.#options.events ? { events: { store: this.#options.events, onStored: (runId: string, events: readonly RunEvent[]) => this.feed?.notify(runId, events) } } : {}),
      logger,
    };
  }
}
