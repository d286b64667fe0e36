// Turns a loaded module into the descriptor discovery lists, or says precisely what is wrong with it.
// Runs inside the worker that imported the module.
import { MAX_WORKFLOW_TIMEOUT_MS } from "../host-limits.js";
import { coerceParameterValue } from "./validate-params.js";
import {
  PARAMETER_TYPES,
  WORKFLOW_NAME_PATTERN,
  type ParameterDescriptor,
  type ParameterType,
  type WorkflowDescriptor,
} from "./workflow-definition.js";

const BRAND = Symbol.for("funcspace.workflow");

/** A default export that is meant as a workflow but is not a valid one. */
export class WorkflowDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkflowDefinitionError";
  }
}

/**
 * `undefined` when the module is not a workflow (no default export, or one that does not look like a
 * workflow: a helper module). Throws WorkflowDefinitionError for a definition with mistakes.
 */
export function describeWorkflow(module: Record<string, unknown>, file: string): WorkflowDescriptor | undefined {
  const exported = module.default;
  if (!isObject(exported)) return undefined;
  if (!(BRAND in exported) && !("run" in exported) && !("name" in exported && "parameters" in exported)) return undefined;
  const fail = (problem: string): never => {
    throw new WorkflowDefinitionError(`The default export of ${file} is not a valid workflow: ${problem}.`);
  };

  const { name, description, parameters, timeoutMs, run } = exported;
  if (typeof name !== "string" || !WORKFLOW_NAME_PATTERN.test(name)) {
    fail(`"name" must be 1-100 letters, digits, ".", "_" or "-" (got ${JSON.stringify(name) ?? "nothing"})`);
  }
  if (typeof run !== "function") fail('"run" must be a function: async run(params, context) { ... }');
  if (description !== undefined && typeof description !== "string") fail('"description" must be a string');
  if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 1)) {
    fail('"timeoutMs" must be a whole number of milliseconds');
  }
  // The Functions host stops every invocation at functionTimeout (host.json); a longer run would be cut off
  // unrecorded. (Past 2^31-1 ms, setTimeout would also fire at once.)
  if (typeof timeoutMs === "number" && timeoutMs > MAX_WORKFLOW_TIMEOUT_MS) {
    fail(
      `"timeoutMs" is ${timeoutMs} ms, above the most a run may take here (${MAX_WORKFLOW_TIMEOUT_MS} ms, ${MAX_WORKFLOW_TIMEOUT_MS / 60_000} min: ` +
        "the Functions host stops every invocation after its functionTimeout); use a smaller timeout or split the work into several runs",
    );
  }
  if (parameters !== undefined && !isObject(parameters)) fail('"parameters" must be an object: { name: { type: "string" } }');

  const described: ParameterDescriptor[] = [];
  for (const [key, value] of Object.entries((parameters ?? {}) as Record<string, unknown>)) {
    if (!isObject(value)) fail(`parameter "${key}" must be an object such as { type: "string" }`);
    const parameter = value as Record<string, unknown>;
    const type = parameter.type as ParameterType;
    if (!PARAMETER_TYPES.includes(type)) fail(`parameter "${key}" has type ${JSON.stringify(type)}: use ${PARAMETER_TYPES.join(", ")}`);
    if (parameter.required !== undefined && typeof parameter.required !== "boolean") fail(`parameter "${key}": "required" must be true or false`);
    for (const field of ["label", "help"] as const) {
      if (parameter[field] !== undefined && typeof parameter[field] !== "string") fail(`parameter "${key}": "${field}" must be a string`);
    }
    const options = parameter.options;
    if (options !== undefined && (type !== "string" || !Array.isArray(options) || !options.every((o) => typeof o === "string"))) {
      fail(`parameter "${key}": "options" is a list of strings, for string parameters only`);
    }
    const descriptor: ParameterDescriptor = {
      name: key,
      type,
      required: parameter.required === true,
      label: (parameter.label as string | undefined) ?? key,
    };
    if (parameter.help !== undefined) descriptor.help = parameter.help as string;
    if (options !== undefined) descriptor.options = [...(options as string[])];
    if (parameter.default !== undefined) {
      const checked = coerceParameterValue(descriptor, parameter.default);
      if ("reason" in checked) fail(`parameter "${key}": the default ${checked.reason}`);
      descriptor.default = JSON.parse(JSON.stringify(parameter.default)) as unknown;
    }
    described.push(descriptor);
  }

  const result: WorkflowDescriptor = { name: name as string, description: (description as string | undefined) ?? "", file, parameters: described };
  if (timeoutMs !== undefined) result.timeoutMs = timeoutMs as number;
  return result;
}

function isObject(value: unknown): value is Record<string | symbol, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
