// Queue trigger on workspace-sync: one sync job → the engine, with the connection's token (App
// installation token or PAT). A permanent failure (github-app/run-sync-job.ts) is recorded and the message
// completed; a transient one is recorded, then rethrown: the host redelivers the message after
// host.json's visibilityTimeout and moves it to workspace-sync-poison after maxDequeueCount.
import { getConnectionToken } from "../github-app/get-connection-token.js";
import { runSyncJob } from "../github-app/run-sync-job.js";
import type { SyncJob } from "../src/sync/sync-job.js";
import { QUEUES } from "../src/azure/resources.js";
import { QUEUE_MAX_DEQUEUE_COUNT } from "../src/host-limits.js";
import { defineQueue } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const syncWorker = defineQueue({
  name: "syncWorker",
  queueName: QUEUES.workspaceSync,
  handler: async (message, { services, invocation, log }) => {
    const runtime = getGitHubRuntime(services);
    const dequeueCount = Number(invocation.triggerMetadata?.dequeueCount);
    const attempt = Number.isInteger(dequeueCount) && dequeueCount > 0 ? { number: dequeueCount, max: QUEUE_MAX_DEQUEUE_COUNT } : undefined;
    // runSyncJob checks the message's shape (a malformed one is logged and completed).
    const result = await runSyncJob(message as SyncJob, { ...services, getToken: (connection) => getConnectionToken(runtime, connection) }, { attempt });
    if (result.status === "failed") log.warn({ code: result.code }, "sync job failed permanently; not retried");
    else log.debug({ status: result.status }, "sync job done");
  },
});
