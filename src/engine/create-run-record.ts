// A new run's record, before it is queued or run: its parameters checked against the workflow's definition
// (400 `invalid_params` naming each bad one) and kept within what one record holds.
import { asciiJson } from "../azure/workflow-run-store.js";
import { PayloadTooLargeError } from "../errors.js";
import { createRunId, type RunRecord } from "./run-record.js";
import { validateParams } from "./validate-params.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";

/** Params are stored in one table property (64 KiB of UTF-16). */
export const MAX_PARAMS_CHARS = 30_000;

export function createRunRecord(
  workflow: WorkflowDescriptor,
  params: unknown,
  options: { wait?: boolean; startedBy?: string; draft?: RunRecord["draft"] } = {},
): RunRecord {
  const resolved = validateParams(workflow.parameters, params);
  checkParamsSize(resolved);
  return {
    id: createRunId(),
    workflow: workflow.name,
    file: workflow.file,
    status: "queued",
    trigger: options.wait === false ? "queue" : "http",
    ...(options.startedBy ? { startedBy: options.startedBy } : {}),
    ...(options.draft ? { draft: options.draft } : {}),
    params: resolved,
    logs: [],
    createdAt: new Date().toISOString(),
  };
}

export function checkParamsSize(params: Record<string, unknown>): void {
  if (asciiJson(params).length > MAX_PARAMS_CHARS) {
    throw new PayloadTooLargeError(`The parameters are larger than ${MAX_PARAMS_CHARS} characters of JSON: pass a reference (a path, a URL) instead.`);
  }
}
