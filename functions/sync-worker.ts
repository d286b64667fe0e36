// Queue trigger on workspace-sync: one sync job → the engine, with the connection's token (App
// installation token or PAT). A failed run is recorded, then rethrown: the host redelivers the message
// and moves it to workspace-sync-poison after maxDequeueCount (host.json).
import { getConnectionToken } from "../github-app/get-connection-token.js";
import { runSyncJob } from "../github-app/run-sync-job.js";
import type { SyncJob } from "../src/sync/sync-job.js";
import { QUEUES } from "../src/azure/resources.js";
import { defineQueue } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const syncWorker = defineQueue({
  name: "syncWorker",
  queueName: QUEUES.workspaceSync,
  handler: async (message, { services, log }) => {
    const runtime = getGitHubRuntime(services);
    // runSyncJob checks the message's shape (a malformed one fails with a TypeError and is poisoned).
    const result = await runSyncJob(message as SyncJob, { ...services, getToken: (connection) => getConnectionToken(runtime, connection) });
    log.debug({ status: result.status }, "sync job done");
  },
});
