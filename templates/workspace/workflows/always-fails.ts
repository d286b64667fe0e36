// A workflow that fails on purpose: its run record shows the error with this file and line.
import { defineWorkflow } from "funcspace";

export default defineWorkflow({
  name: "always-fails",
  description: "Fails on purpose, to show what a failed run looks like.",
  parameters: {
    reason: { type: "string", default: "this workflow always fails" },
  },
  async run({ reason }, { log }) {
    log.warn("about to fail", { reason });
    throw new Error(reason);
  },
});
