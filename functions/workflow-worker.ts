// The `workflow-runs` queue trigger: runs a workflow queued with `POST /api/workflows/{name}/runs?wait=false`.
// A malformed message throws, so after the host's retries it rests in `workflow-runs-poison` for inspection.
// A failure is rethrown (the host redelivers after host.json's visibilityTimeout); on the last delivery the run
// is first recorded `failed` with why, so a job the host gives up on does not leave its run `queued` for ever.
import { QUEUES } from "../src/azure/resources.js";
import { isWorkflowRunJob } from "../src/engine/run-record.js";
import { QUEUE_MAX_DEQUEUE_COUNT } from "../src/host-limits.js";
import { defineQueue } from "./define.js";

export const workflowWorker = defineQueue({
  name: "workflowWorker",
  queueName: QUEUES.workflowRuns,
  handler: async (message, { services, invocation, log }) => {
    if (!isWorkflowRunJob(message)) throw new TypeError("not a workflow run job: expected { runId, workflow, params }");
    try {
      const run = await services.engine.executeJob(message);
      log.info({ runId: run.id, workflow: run.workflow, status: run.status }, "queued workflow run done");
    } catch (error) {
      const attempt = Number(invocation.triggerMetadata?.dequeueCount);
      if (attempt >= QUEUE_MAX_DEQUEUE_COUNT) {
        const recorded = await services.engine.recordJobGaveUp(message, error, attempt).catch((failure: unknown) => {
          log.error({ err: failure, runId: message.runId }, "could not record the run as failed");
          return false;
        });
        log.warn({ runId: message.runId, attempt, recorded }, "queued workflow run: last attempt failed");
      }
      throw error;
    }
  },
});
