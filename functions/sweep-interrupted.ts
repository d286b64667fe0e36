// Timer: runs and syncs whose worker died (crash, restart) are marked `interrupted` once past their deadline
// (src/engine/sweep-interrupted-runs.ts, src/sync/sweep-interrupted-syncs.ts). Schedule: SWEEP_SCHEDULE.
import { TABLES } from "../src/azure/resources.js";
import { LeaseStore } from "../src/azure/lease-store.js";
import { SyncRunStore } from "../src/azure/sync-run-store.js";
import { WorkflowRunStore } from "../src/azure/workflow-run-store.js";
import { DEFAULT_WORKSPACE_ID } from "../src/connection/connection-record.js";
import { sweepInterruptedRuns } from "../src/engine/sweep-interrupted-runs.js";
import { sweepInterruptedSyncs } from "../src/sync/sweep-interrupted-syncs.js";
import { recordOperationalState } from "../src/telemetry/record-operational-state.js";
import { defineTimer } from "./define.js";

export const sweepInterrupted = defineTimer({
  name: "sweepInterrupted",
  schedule: (config) => config.sweepSchedule,
  handler: async (_timer, { services, log }) => {
    const abortSignal = AbortSignal.timeout(60_000);
    const runs = await sweepInterruptedRuns(new WorkflowRunStore(services.storage.table(TABLES.workflowRuns)), log, { abortSignal });
    const syncs = await sweepInterruptedSyncs(
      {
        workspaceId: DEFAULT_WORKSPACE_ID,
        syncRuns: new SyncRunStore(services.storage.table(TABLES.syncRuns)),
        connections: services.connections,
        leases: new LeaseStore(services.storage.table(TABLES.leases)),
        logger: log,
      },
      { abortSignal },
    );
    log.debug({ runs: runs.length, syncs: syncs.length }, "sweep");
    // Sampled here for the alerts (funcspace.queue.poison, funcspace.connection.failed); best effort.
    await recordOperationalState(services, { abortSignal }).catch((error: unknown) => log.warn({ err: error }, "operational state not recorded"));
  },
});
