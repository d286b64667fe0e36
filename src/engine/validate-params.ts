// Checks a run's params against the workflow's parameters: every problem named by field and reason (400),
// defaults filled in, numeric and boolean strings from forms accepted.
import { BadRequestError } from "../errors.js";
import type { ParameterDescriptor } from "./workflow-definition.js";

// A 400 `invalid_params` lists the problems in its body: their shape is the API's (src/api-types.ts).
export type { ParameterProblem } from "../api-types.js";
import type { ParameterProblem } from "../api-types.js";

/** Returns the params `run` receives, or throws BadRequestError (`invalid_params`) listing every problem. */
export function validateParams(parameters: readonly ParameterDescriptor[], input: unknown): Record<string, unknown> {
  const problems: ParameterProblem[] = [];
  if (input !== undefined && input !== null && (typeof input !== "object" || Array.isArray(input))) {
    throw invalid([{ field: "params", reason: `must be an object of parameter values (got ${describe(input)})` }]);
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const known = new Set(parameters.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      const expected = parameters.length > 0 ? `expected one of: ${[...known].join(", ")}` : "this workflow takes no parameters";
      problems.push({ field: `params.${name}`, reason: `is not a parameter of this workflow (${expected})` });
    }
  }
  const params: Record<string, unknown> = {};
  for (const parameter of parameters) {
    const value = given[parameter.name];
    if (value === undefined || value === null || value === "") {
      if (parameter.default !== undefined) params[parameter.name] = parameter.default;
      else if (parameter.required) problems.push({ field: `params.${parameter.name}`, reason: "is required" });
      continue;
    }
    const checked = coerceParameterValue(parameter, value);
    if ("reason" in checked) problems.push({ field: `params.${parameter.name}`, reason: checked.reason });
    else params[parameter.name] = checked.value;
  }
  if (problems.length > 0) throw invalid(problems);
  return params;
}

/** One value against one parameter's type (also used to check a definition's defaults). */
export function coerceParameterValue(
  parameter: Pick<ParameterDescriptor, "type" | "options">,
  value: unknown,
): { value: unknown } | { reason: string } {
  switch (parameter.type) {
    case "string":
      if (typeof value !== "string") return { reason: `must be a string (got ${describe(value)})` };
      if (parameter.options && !parameter.options.includes(value)) {
        return { reason: `must be one of ${parameter.options.map((o) => JSON.stringify(o)).join(", ")} (got ${describe(value)})` };
      }
      return { value };
    case "number":
    case "integer": {
      const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
      if (!Number.isFinite(number)) return { reason: `must be a number (got ${describe(value)})` };
      if (parameter.type === "integer" && !Number.isInteger(number)) return { reason: `must be a whole number (got ${describe(value)})` };
      return { value: number };
    }
    case "boolean":
      if (typeof value === "boolean") return { value };
      if (value === "true" || value === "false") return { value: value === "true" };
      return { reason: `must be true or false (got ${describe(value)})` };
    case "json":
      return { value };
  }
}

function invalid(problems: ParameterProblem[]): BadRequestError {
  const message = problems.map((p) => `${p.field} ${p.reason}`).join("; ");
  return new BadRequestError(`Invalid parameters: ${message}.`, { code: "invalid_params", details: { problems } });
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
