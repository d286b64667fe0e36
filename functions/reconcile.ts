// Timer: catch what webhooks missed (and poll PAT connections without one). Schedule: RECONCILE_SCHEDULE.
import { reconcileConnection } from "../github-app/reconcile-connection.js";
import { defineTimer } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const reconcile = defineTimer({
  name: "reconcile",
  schedule: (config) => config.reconcileSchedule,
  handler: async (_timer, { services, log }) => {
    const runtime = getGitHubRuntime(services);
    const outcome = await reconcileConnection(runtime);
    log.debug({ outcome }, "reconcile");
    // Housekeeping on the same tick: delivery ids older than GitHub's redelivery window.
    const pruned = await runtime.deliveries.pruneExpired().catch((error: unknown) => {
      log.warn({ err: error }, "pruning webhook deliveries failed");
      return 0;
    });
    if (pruned > 0) log.info({ pruned }, "expired webhook deliveries pruned");
  },
});
