// Finds workflow runs left `running` by a process that stopped (a crash, a restart, a host that recycled the
// instance) and marks them `interrupted`, so nobody waits on them forever. A run's owner is judged gone by the
// deadline alone, which needs no heartbeat and holds across instances: a live run is stopped at its timeout
// (plus 250 ms of grace) and records its end, and no invocation outlives the host's functionTimeout, so a run
// still `running` past startedAt + timeoutMs + margin has nobody left to finish it.
import type { WorkflowRunStore } from "../azure/workflow-run-store.js";
import { MAX_WORKFLOW_TIMEOUT_MS } from "../host-limits.js";
import type { Logger } from "../logger.js";

/** Time past a run's timeout before it is judged abandoned: thread start-up, grace, the final record write. */
export const SWEEP_MARGIN_IN_MS = 5 * 60 * 1000;

export interface SweepOptions {
  /** The clock (tests). */
  now?: Date;
  marginInMs?: number;
  abortSignal?: AbortSignal;
}

/** Marks abandoned runs `interrupted`; resolves with their ids. */
export async function sweepInterruptedRuns(runs: WorkflowRunStore, logger: Logger, options: SweepOptions = {}): Promise<string[]> {
  const now = options.now ?? new Date();
  const margin = options.marginInMs ?? SWEEP_MARGIN_IN_MS;
  const swept: string[] = [];
  for await (const run of runs.listRunning({ abortSignal: options.abortSignal })) {
    const startedAt = Date.parse(run.startedAt ?? run.createdAt);
    const deadline = startedAt + (run.timeoutMs ?? MAX_WORKFLOW_TIMEOUT_MS) + margin;
    if (!(deadline < now.getTime())) continue;
    const error = {
      name: "InterruptedError",
      message:
        `The run was interrupted: the process running it stopped (a crash or a restart) before it finished, ` +
        `and nothing was heard of it for ${Math.round((now.getTime() - startedAt) / 60_000)} min. Start it again.`,
    };
    if (await runs.markInterrupted(run.id, error, { now, abortSignal: options.abortSignal })) {
      swept.push(run.id);
      logger.warn({ runId: run.id, workflow: run.workflow, startedAt: run.startedAt }, "workflow run interrupted");
    }
  }
  return swept;
}
