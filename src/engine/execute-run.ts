// One run, start to finish: mark it running, give it a temp folder and a worker whose code is current, wait
// for the result or the timeout, keep the logs, record the outcome. A workflow's failure is a result (recorded,
// not thrown); only the platform's own failures (storage) propagate.
import { annotateActiveSpan, recordMetric } from "../telemetry/telemetry.js";
import { ATTRIBUTES, METRICS } from "../telemetry/telemetry-names.js";
import { chown, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { asciiJson, MAX_FIELD_CHARS, type WorkflowRunStore } from "../azure/workflow-run-store.js";
import { MAX_WORKFLOW_TIMEOUT_MS } from "../host-limits.js";
import type { Logger } from "../logger.js";
import type { RunOutcome } from "./engine-worker.js";
import type { LogEntry, RunRecord } from "./run-record.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";
import type { RunWorkers } from "./worker-pool.js";
import type { RunEventStore } from "../azure/run-event-store.js";
import type { RunEvent } from "../api-types.js";
import { RunEventWriter } from "./run-event-writer.js";
import { redactSecretValues, type WorkflowSecretStore } from "./workflow-secrets.js";
import { serializeError, toWorkspaceError, type WorkspaceError } from "./workspace-error.js";

const MAX_LOG_MESSAGE_CHARS = 4000;
const MAX_STACK_CHARS = 8000;

export interface ExecuteRunDeps {
  workspaceDir: string;
  /** The parent of each run's temp folder (WORKFLOW_TEMP_DIR). */
  tempDir: string;
  defaultTimeoutInMs: number;
  /** Where the run's worker comes from: the pool, or a draft's own thread (draft-workers.ts). */
  workers: RunWorkers;
  /** The workflow secrets a run may ask for (ctx.secrets). */
  secrets?: WorkflowSecretStore;
  /** The runner's user (when it has its own): owns the run's temp folder. */
  runUser?: { uid: number; gid: number };
  runs: WorkflowRunStore;
  /** Where the run's events go as they happen (log lines, progress, status), and who to tell when they are stored. */
  events?: { store: RunEventStore; onStored?: (runId: string, events: readonly RunEvent[]) => void };
  logger: Logger;
}

export interface ExecuteRunOptions {
  abortSignal?: AbortSignal;
  /** Cancels the run; its reason's message names who ("cancelled by octocat"). */
  cancelSignal?: AbortSignal;
  /** Who cancelled, once `cancelSignal` fired. */
  cancelledBy?: () => string | undefined;
}

export async function executeRun(
  record: RunRecord,
  workflow: WorkflowDescriptor,
  deps: ExecuteRunDeps,
  options: ExecuteRunOptions = {},
): Promise<RunRecord> {
  const log = deps.logger.child({ runId: record.id, workflow: record.workflow });
  const started = performance.now();
  // Discovery refuses a larger timeoutMs; the cap here keeps a descriptor from elsewhere inside the host's limit too.
  const timeoutInMs = Math.min(workflow.timeoutMs ?? deps.defaultTimeoutInMs, MAX_WORKFLOW_TIMEOUT_MS);
  const running: RunRecord = { ...record, file: workflow.file, status: "running", startedAt: new Date().toISOString(), timeoutMs: timeoutInMs };
  // The "running" record is written while the run's folder and worker are made ready (a third of a warm run's
  // time, bench/engine); the workflow itself starts only once the record is stored, so no run goes unrecorded.
  const recorded = deps.runs.upsert(running, options);
  recorded.catch(() => undefined);

  // Values this run received: replaced by [secret] in what is kept of it (logs, output, error, events).
  const received = new Set<string>();
  const events = deps.events ? new RunEventWriter(record.id, deps.events.store, { onStored: deps.events.onStored, logger: log }) : undefined;
  const logs = collectLogs(log, received, events);
  const onSecret = async (name: string): Promise<string> => {
    const value = await deps.secrets?.get(name, options);
    if (value === undefined) throw new Error(`There is no secret named "${name}". An admin adds it in Settings → Secrets.`);
    received.add(value);
    return value;
  };
  const tempDir = path.join(deps.tempDir, record.id);
  let outcome: RunOutcome;
  const file = path.join(deps.workspaceDir, workflow.file);
  const preparing = (async () => {
    await mkdir(tempDir, { recursive: true, mode: 0o700 });
    if (deps.runUser) await chown(tempDir, deps.runUser.uid, deps.runUser.gid);
    return deps.workers.acquire({ file });
  })();
  const [stored, prepared] = await Promise.allSettled([recorded, preparing]);
  if (stored.status === "fulfilled") events?.push({ kind: "status", time: running.startedAt!, status: "running" });
  if (stored.status === "rejected") {
    // Storage is down: nothing ran, nothing to record; the caller sees the platform's failure.
    if (prepared.status === "fulfilled") deps.workers.release(prepared.value);
    await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
    throw stored.reason;
  }
  try {
    if (prepared.status === "rejected") throw prepared.reason;
    const worker = prepared.value;
    try {
      outcome = await worker.run(
        { id: record.id, file, workflow: workflow.name, params: record.params, tempDir },
        {
          timeoutInMs,
          onLog: logs.add,
          onSecret,
          abortSignal: options.abortSignal,
          cancelSignal: options.cancelSignal,
          // Its note is the run's own text like a log line: a secret it received is redacted from it too.
          onProgress: (progress) => events?.push({ kind: "progress", time: new Date().toISOString(), ...redactSecretValues(progress, received) }),
        },
      );
    } finally {
      deps.workers.release(worker);
    }
  } catch (error) {
    log.error({ err: error }, "workflow run could not start");
    outcome = { status: "failed", error: serializeError(error) };
  } finally {
    await rm(tempDir, { recursive: true, force: true }).catch((error: unknown) => log.warn({ err: error, tempDir }, "run temp folder not removed"));
  }

  if (outcome.status === "succeeded") outcome = { ...outcome, output: redactSecretValues(outcome.output, received) };
  else if (outcome.status === "failed") outcome = { ...outcome, error: redactSecretValues(outcome.error, received) };
  const finished: RunRecord = {
    ...running,
    status: outcome.status,
    // Again at the end: a line may hold a value the run asked for only later.
    logs: redactSecretValues(logs.entries, received),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
  };
  if (logs.dropped > 0) finished.logsDropped = logs.dropped;
  if (outcome.status === "succeeded") {
    if (asciiJson(outcome.output).length <= MAX_FIELD_CHARS) finished.output = outcome.output;
    else finished.outputTruncated = true;
  } else if (outcome.status === "failed") {
    finished.error = capError(toWorkspaceError(outcome.error, deps.workspaceDir));
  } else if (outcome.status === "cancelled") {
    const by = options.cancelledBy?.();
    if (by) finished.cancelledBy = by;
    finished.error = { name: "Cancelled", message: by ? `Cancelled by ${by}.` : "Cancelled." };
  } else {
    finished.error = { name: "TimeoutError", message: `The run exceeded its timeout of ${timeoutInMs} ms and was stopped.` };
  }
  try {
    await deps.runs.upsert(finished, options);
  } finally {
    // After the record (a watcher told "finished" finds the finished record), and not waited for: the caller has
    // its result at once, and a short run's events (its status, a few lines) go out in one batch behind it.
    void events?.close({
      kind: "status",
      time: finished.finishedAt!,
      status: finished.status as "succeeded" | "failed" | "timed_out" | "cancelled",
      ...(finished.cancelledBy ? { by: finished.cancelledBy } : {}),
      ...(finished.error ? { message: finished.error.message } : {}),
    }).catch((error: unknown) => log.warn({ err: error }, "run events not closed"));
  }
  log.info({ status: finished.status, durationMs: finished.durationMs }, "workflow run finished");
  annotateActiveSpan({ [ATTRIBUTES.runId]: finished.id, [ATTRIBUTES.workflow]: finished.workflow, "funcspace.run.status": finished.status });
  recordMetric(METRICS.workflowRunDuration, finished.durationMs ?? 0, { outcome: finished.status, trigger: finished.trigger });
  return finished;
}

/** Keeps log lines within the record's budget; each is also written to the host's log with the run's ids. */
function collectLogs(log: Logger, secrets: ReadonlySet<string>, events?: RunEventWriter) {
  const state = { entries: [] as LogEntry[], dropped: 0, chars: 2 };
  return {
    get entries() {
      return state.entries;
    },
    get dropped() {
      return state.dropped;
    },
    add(raw: LogEntry) {
      const entry = redactSecretValues(raw, secrets);
      log[entry.level]({ workflowLog: entry.fields ?? {} }, entry.message);
      const kept = entry.message.length > MAX_LOG_MESSAGE_CHARS ? { ...entry, message: `${entry.message.slice(0, MAX_LOG_MESSAGE_CHARS)}…` } : entry;
      events?.push({ kind: "log", ...kept, ...(kept.fields ? { fields: capFields(kept.fields) } : {}) });
      const size = asciiJson(kept).length + 1;
      if (state.chars + size > MAX_FIELD_CHARS) {
        state.dropped++;
        return;
      }
      state.chars += size;
      state.entries.push(kept);
    },
  };
}

/** An error as a record keeps it (the run store's budget for it). */
export function capError(error: WorkspaceError): WorkspaceError {
  return {
    ...error,
    message: error.message.slice(0, MAX_LOG_MESSAGE_CHARS),
    ...(error.stack ? { stack: error.stack.slice(0, MAX_STACK_CHARS) } : {}),
  };
}

/** A log line's fields as an event carries them: whole when small, else a note (the record keeps the line). */
function capFields(fields: Record<string, unknown>): Record<string, unknown> {
  return asciiJson(fields).length <= 8000 ? fields : { truncated: "fields larger than 8000 characters of JSON" };
}
