// The `workflow-runs` queue trigger: runs a workflow queued with `POST /api/workflows/{name}/runs?wait=false`.
// A malformed message throws, so after the host's retries it rests in `workflow-runs-poison` for inspection.
import { QUEUES } from "../src/azure/resources.js";
import { isWorkflowRunJob } from "../src/engine/run-record.js";
import { defineQueue } from "./define.js";

export const workflowWorker = defineQueue({
  name: "workflowWorker",
  queueName: QUEUES.workflowRuns,
  handler: async (message, { services, log }) => {
    if (!isWorkflowRunJob(message)) throw new TypeError("not a workflow run job: expected { runId, workflow, params }");
    const run = await services.engine.executeJob(message);
    log.info({ runId: run.id, workflow: run.workflow, status: run.status }, "queued workflow run done");
  },
});
