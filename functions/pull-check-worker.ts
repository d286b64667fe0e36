// Pull request checks (issue 22). Queue trigger on pull-request-checks: one pull request check → github-app/pull-request-checks/, with
// the connection's token and workflow discovery by the engine over the head's changes (the overlay a draft
// run uses). A malformed message is logged and completed; a failure is rethrown for the host to redeliver.
import { getConnectionToken } from "../github-app/get-connection-token.js";
import { runPullRequestCheck, type DiscoverWorkflows } from "../github-app/pull-request-checks/run-pull-request-check.js";
import { readPullCheckJob } from "../github-app/pull-request-checks/pull-check-job.js";
import { PullCheckStore } from "../src/azure/pull-check-store.js";
import { QUEUES, TABLES } from "../src/azure/resources.js";
import type { PullCheckList } from "../src/api-types.js";
import { compareWorkflowListings } from "../src/checks/compare-workflow-listings.js";
import { defineHttp, defineQueue } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";
import type { Services } from "./services.js";

const discoverWith = (services: Services): DiscoverWorkflows => async (overlay, options) => {
  const [base, head] = await Promise.all([services.engine.listWorkflows(options), services.engine.listWorkflows({ ...options, overlay })]);
  return compareWorkflowListings(base, head, new Set(overlay.files.keys()));
};

export const pullCheckWorker = defineQueue({
  name: "pullCheckWorker",
  queueName: QUEUES.pullRequestChecks,
  handler: async (message, { services, log }) => {
    const job = readPullCheckJob(message);
    if (!job) {
      log.warn("pull request check message is not a check job; dropped");
      return;
    }
    const runtime = getGitHubRuntime(services);
    const result = await runPullRequestCheck(job, {
      ...services,
      connectionToken: (record, options) => getConnectionToken(runtime, record, options),
      discoverWorkflows: discoverWith(services),
    });
    log.info({ pullNumber: job.pullNumber, headSha: job.headSha, ...result }, "pull request check done");
  },
});

/** The connected repository's pull requests with their last check (the UI lists them next to the sync history). */
export const listPullChecks = defineHttp({
  name: "listPullChecks",
  methods: ["GET"],
  route: "github/pull-checks",
  role: "reader",
  handler: async (_request, { services }) => {
    const record = (await services.connections.get())?.record;
    const checks = record ? await new PullCheckStore(services.storage.table(TABLES.pullChecks)).list(record.connectionId) : [];
    const list: PullCheckList = { checks };
    return { headers: { "cache-control": "no-store" }, jsonBody: list };
  },
});

export const pullCheckTriggers = [pullCheckWorker, listPullChecks];
