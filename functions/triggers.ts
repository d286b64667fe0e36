// Every way into the app, in one list. Both hosts read it: the Functions host (index.ts) and `npm start`
// (local/). Add a trigger here and it is served by both; a test checks that they agree.
import type { Trigger } from "./define.js";
import { authTriggers } from "./auth.js";
import { draftTriggers } from "./drafts.js";
import { healthTriggers } from "./health.js";
import { githubAppTriggers } from "./github-app.js";
import { githubConnectTriggers } from "./github-connect.js";
import { githubPatTriggers } from "./github-pat.js";
import { githubPinTriggers } from "./github-pin.js";
import { githubStatusTriggers } from "./github-status.js";
import { githubWebhooks } from "./github-webhooks.js";
import { reconcile } from "./reconcile.js";
import { pruneWorkflowRuns } from "./prune-runs.js";
import { pullCheckTriggers } from "./pull-check-worker.js";
import { runEventTriggers } from "./run-events.js";
import { secretTriggers } from "./secrets.js";
import { sweepInterrupted } from "./sweep-interrupted.js";
import { syncWorker } from "./sync-worker.js";
import { workspaceTriggers } from "./workspace.js";
import { workflowTriggers } from "./workflows.js";
import { workflowWorker } from "./workflow-worker.js";

export const triggers: readonly Trigger[] = [
  ...healthTriggers, ...authTriggers, ...workspaceTriggers, ...workflowTriggers, workflowWorker,
  githubWebhooks, ...githubAppTriggers, ...githubConnectTriggers, ...githubStatusTriggers, reconcile, sweepInterrupted, syncWorker,
  ...githubPatTriggers, ...githubPinTriggers, ...draftTriggers, ...secretTriggers, ...runEventTriggers, pruneWorkflowRuns, ...pullCheckTriggers,
];
