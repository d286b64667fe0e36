// "Run the draft before proposing it": a workflow run against a draft changeset (draft-overlay.ts) in threads of
// the draft's own (draft-workers.ts), so neither the workspace folder nor the pool's warm threads nor the
// catalog's cache ever see the draft. The workflow is found in the draft's listing; one that the draft breaks
// (its file, or a file it imports, fails to load) gets a failed run whose error names the file and line, as the
// run would fail once the draft is merged.
import type { WorkflowRunStore } from "../azure/workflow-run-store.js";
import { BadRequestError, NotFoundError } from "../errors.js";
import { checkParamsSize, createRunRecord } from "./create-run-record.js";
import { checkDraftOverlay, type DraftOverlay } from "./draft-overlay.js";
import { DraftWorkers } from "./draft-workers.js";
import { capError } from "./execute-run.js";
import { listDraftWorkflows } from "./list-draft-workflows.js";
import { createRunId, type RunRecord } from "./run-record.js";
import type { RunThreads } from "./run-threads.js";
import type { WorkflowCatalog } from "./workflow-catalog.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";

export interface DraftRunDeps {
  catalog: WorkflowCatalog;
  threads: RunThreads;
  workspaceDir: string;
  runs: WorkflowRunStore;
  /**
   * Runs the record's workflow in the draft's threads as the engine runs any waited-for run, and closes them once
   * the run ends (it may outlast a caller that stopped waiting) or cannot start.
   */
  run: (record: RunRecord, workflow: WorkflowDescriptor, workers: DraftWorkers) => Promise<RunRecord>;
}

export interface DraftRunOptions {
  /** Only `false` means something here: it is refused (a queued job carries no files). */
  wait?: boolean;
  startedBy?: string;
  abortSignal?: AbortSignal;
}

export async function startDraftRun(
  name: string,
  params: unknown,
  overlay: DraftOverlay,
  deps: DraftRunDeps,
  options: DraftRunOptions = {},
): Promise<RunRecord> {
  checkDraftOverlay(overlay);
  // The `workflow-runs` queue message holds a run's name and parameters; a draft's files would not fit in it
  // (64 KiB), and the instance that takes the job may not be this one.
  if (options.wait === false) {
    throw new BadRequestError("A draft run cannot be queued (wait=false): run it and wait for it.", { code: "draft_run_not_queued" });
  }
  const draft = { owner: overlay.owner, changes: overlay.files.size };
  const workers = new DraftWorkers(deps.threads, overlay);
  let handedOver = false;
  try {
    const { listing, workspace } = await listDraftWorkflows(overlay, deps, { workers, abortSignal: options.abortSignal });
    const workflow = listing.workflows.find((w) => w.name === name);
    if (workflow) {
      const record = createRunRecord(workflow, params, { startedBy: options.startedBy, draft });
      handedOver = true;
      return await deps.run(record, workflow, workers);
    }
    const file = workspace.workflows.find((w) => w.name === name)?.file;
    const broken = file === undefined ? undefined : listing.errors.find((e) => e.file === file);
    if (!broken) {
      const errors = listing.errors.length > 0 ? ` (${listing.errors.length} file(s) of it fail to load)` : "";
      throw new NotFoundError(`No workflow is named "${name}" in ${overlay.owner}'s draft${errors}.`);
    }
    return await recordUnloadable(name, broken.file, broken.error, params, deps, { ...options, draft });
  } finally {
    if (!handedOver) await workers.close();
  }
}

/** The workflow's code (or code it imports) does not load in the draft: the run failed before it started. */
async function recordUnloadable(
  name: string,
  file: string,
  error: NonNullable<RunRecord["error"]>,
  params: unknown,
  deps: DraftRunDeps,
  options: DraftRunOptions & { draft: NonNullable<RunRecord["draft"]> },
): Promise<RunRecord> {
  // Its parameters cannot be checked against a definition that does not load: kept as given.
  const kept = typeof params === "object" && params !== null && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
  checkParamsSize(kept);
  const now = new Date().toISOString();
  const failed: RunRecord = {
    id: createRunId(),
    workflow: name,
    file,
    status: "failed",
    trigger: "http",
    ...(options.startedBy ? { startedBy: options.startedBy } : {}),
    draft: options.draft,
    params: kept,
    logs: [],
    error: capError(error),
    createdAt: now,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
  };
  await deps.runs.upsert(failed, options);
  return failed;
}
