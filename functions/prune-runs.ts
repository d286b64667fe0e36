// Timer: run retention (RUN_RETENTION_DAYS, RUN_RETENTION_PER_WORKFLOW; schedule RUN_RETENTION_SCHEDULE).
import { defineTimer } from "./define.js";

export const pruneWorkflowRuns = defineTimer({
  name: "pruneWorkflowRuns",
  schedule: (config) => config.runRetentionSchedule,
  handler: async (_timer, { services, log }) => {
    const { deleted, kept } = await services.engine.pruneRuns();
    if (deleted > 0) log.info({ deleted, kept }, "old workflow runs deleted");
  },
});
