// GitHub checks a request body against the endpoint's JSON schema before anything else. A body that does not
// fit answers 422 "Invalid request." and one line per problem, worded by the json_schema gem GitHub runs
// (brandur/json_schema, lib/json_schema/validator.rb). Lines seen in GitHub's answers:
//   "head_sha" wasn't supplied.                         "annotation_level", "path" weren't supplied.
//   No more than 50 items are allowed; 51 were supplied.  Only 65535 characters are allowed; 68338 were supplied.
//   No subschema in "anyOf" matched.                    waiting is not a member of ["queued", "in_progress"].
//   For 'properties/strict', "true" is not a boolean.
// GitHub lists the problems of "anyOf" branches after the others, as its answers show; so does this.
import { invalidRequest } from "./git-data-routes.js";
import type { HttpError } from "./http-kit.js";

export type SchemaType = "string" | "integer" | "boolean" | "object" | "array" | "null";

export interface Schema {
  type?: SchemaType | SchemaType[];
  enum?: readonly (string | null)[];
  required?: readonly string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  maxItems?: number;
  maxLength?: number;
  format?: "date-time";
  anyOf?: Schema[];
}

// The gem accepts no fraction of a second; GitHub takes `new Date().toISOString()` (Probot's examples send it).
const dateTime = /^\d{4}-\d{2}-\d{2}T[0-2]\d:[0-5]\d:[0-5]\d(\.\d+)?(Z|[-+]\d{2}:[0-5]\d)$/;

/** The problems GitHub would list for `data`, in its order and words; empty when the body fits. */
export function schemaProblems(schema: Schema, data: unknown): string[] {
  const problems: string[] = [];
  const deferred: string[] = [];
  check(schema, data, problems, deferred, undefined);
  return [...problems, ...deferred];
}

/** Throws GitHub's 422 "Invalid request." when the body does not fit the endpoint's schema. */
export function assertSchema(schema: Schema, data: unknown, documentationUrl: string): void {
  const problems = schemaProblems(schema, data);
  if (problems.length > 0) throw schemaError(problems, documentationUrl);
}

export function schemaError(problems: string[], documentationUrl: string): HttpError {
  return invalidRequest(problems.join("\n"), documentationUrl);
}

function check(schema: Schema, data: unknown, problems: string[], deferred: string[], name: string | undefined): boolean {
  let valid = true;
  if (schema.anyOf) {
    const branches = schema.anyOf.map((branch) => {
      const own: string[] = [];
      const nested: string[] = [];
      return { ok: check(branch, data, own, nested, name), lines: [...own, ...nested] };
    });
    if (!branches.some((b) => b.ok)) {
      valid = false;
      problems.push(`No subschema in "anyOf" matched.`);
      for (const branch of branches) deferred.push(...branch.lines);
    }
  }
  if (schema.enum && !schema.enum.includes(data as string)) {
    valid = false;
    problems.push(`${rubyToS(data)} is not a member of ${rubyInspect(schema.enum)}.`);
  }
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => isType(data, type))) {
      problems.push(`For '${name === undefined ? "#" : `properties/${name}`}', ${rubyInspect(data)} is not a${/^[aeiou]/.test(types.join("/")) ? "n" : ""} ${types.join("/")}.`);
      return false;
    }
  }
  if (Array.isArray(data)) {
    if (schema.items) for (const item of data) valid = check(schema.items, item, problems, deferred, name) && valid;
    if (schema.maxItems !== undefined && data.length > schema.maxItems) {
      valid = false;
      problems.push(`No more than ${schema.maxItems} item${schema.maxItems === 1 ? " is" : "s are"} allowed; ${data.length} ${data.length === 1 ? "was" : "were"} supplied.`);
    }
  }
  if (isObject(data)) {
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (Object.hasOwn(data, key)) valid = check(sub, data[key], problems, deferred, key) && valid;
    }
    const missing = (schema.required ?? []).filter((key) => !Object.hasOwn(data, key)).sort();
    if (missing.length > 0) {
      valid = false;
      problems.push(`"${missing.join('", "')}" ${missing.length === 1 ? "wasn't" : "weren't"} supplied.`);
    }
  }
  if (typeof data === "string") {
    if (schema.format === "date-time" && !dateTime.test(data)) {
      valid = false;
      problems.push(`${data} is not a valid date-time.`);
    }
    // Ruby counts characters (code points), not UTF-16 units.
    const length = [...data].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      valid = false;
      problems.push(`Only ${schema.maxLength} character${schema.maxLength === 1 ? " is" : "s are"} allowed; ${length} ${length === 1 ? "was" : "were"} supplied.`);
    }
  }
  return valid;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isType(value: unknown, type: SchemaType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
  }
}

/** Ruby's `to_s`, as the gem interpolates an enum miss: a string bare, nil empty. */
function rubyToS(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : rubyInspect(value);
}

/** Ruby's `inspect`, near enough: strings quoted, nil, arrays `["a", "b"]`, hashes `{"a" => 1}`. */
function rubyInspect(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(", ")}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} => ${rubyInspect(v)}`).join(", ")}}`;
  return String(value);
}
