// The workflows API: discovery, runs (waited for, or queued with ?wait=false) and run records. Each route
// parses the request and calls the engine (src/engine/). Reading and running need a signed-in user; changing
// workflow code is the files API's business (admin).
import type { HttpRequest } from "@azure/functions";
import { BadRequestError } from "../src/errors.js";
import { readRunListQuery } from "../src/engine/read-run-list-query.js";
import { readRunRequest } from "../src/engine/read-run-request.js";
import { FINISHED_STATUSES } from "../src/engine/run-record.js";
import { actorName } from "../src/auth/principal.js";
import type { RunList, RunRecord, WorkflowList } from "../src/api-types.js";
import { defineHttp, type Trigger } from "./define.js";

const NO_STORE = { "cache-control": "no-store" };

export const listWorkflows = defineHttp({
  name: "listWorkflows",
  methods: ["GET"],
  route: "workflows",
  role: "reader",
  handler: async (_request, { services }) => {
    const list: WorkflowList = await services.engine.listWorkflows();
    return { headers: NO_STORE, jsonBody: list };
  },
});

export const startWorkflowRun = defineHttp({
  name: "startWorkflowRun",
  methods: ["POST"],
  route: "workflows/{name}/runs",
  role: "operator",
  handler: async (request, { services, principal }) => {
    const wait = parseWait(request);
    const { params } = await readRunRequest(request.body as AsyncIterable<Uint8Array> | null);
    const run: RunRecord = await services.engine.startRun(request.params.name ?? "", params, { wait, startedBy: actorName(principal) });
    const headers = { ...NO_STORE, location: `/api/runs/${run.id}` };
    // 200 with the outcome; 202 when queued, or still going after the bounded wait (GET the Location for it).
    return { status: FINISHED_STATUSES.includes(run.status) ? 200 : 202, headers, jsonBody: run };
  },
});

export const getWorkflowRun = defineHttp({
  name: "getWorkflowRun",
  methods: ["GET"],
  route: "runs/{id}",
  role: "reader",
  handler: async (request, { services }) => {
    const run: RunRecord = await services.engine.getRun(request.params.id ?? "");
    return { headers: NO_STORE, jsonBody: run };
  },
});

export const listWorkflowRuns = defineHttp({
  name: "listWorkflowRuns",
  methods: ["GET"],
  route: "runs",
  role: "reader",
  handler: async (request, { services }) => {
    const list: RunList = await services.engine.listRuns(readRunListQuery(request.query));
    return { headers: NO_STORE, jsonBody: list };
  },
});

function parseWait(request: HttpRequest): boolean {
  const wait = request.query.get("wait");
  if (wait === null || wait === "true" || wait === "1") return true;
  if (wait === "false" || wait === "0") return false;
  throw new BadRequestError(`wait must be true or false (got "${wait}").`, { code: "invalid_wait" });
}

export const workflowTriggers: readonly Trigger[] = [listWorkflows, startWorkflowRun, getWorkflowRun, listWorkflowRuns];
