// The body of "Create a check run" and "Update a check run", checked the way GitHub checks it: first its JSON
// schema (request-schema.ts: 422 "Invalid request." with the schema's problems), then GitHub's own rules (422
// "Validation Failed" with an `errors` list, or one sentence). Limits from the documentation:
//   https://docs.github.com/rest/checks/runs#create-a-check-run
//   https://docs.github.com/rest/checks/runs#update-a-check-run
// "The Checks API limits the number of annotations to a maximum of 50 per API request"; `summary` and `text`:
// "Maximum length: 65535 characters" (GitHub also refuses more than 65535 bytes: "summary exceeds a maximum
// bytesize of 65535"); an annotation's `title` "The maximum size is 255 characters", `message` and `raw_details`
// "The maximum size is 64 KB"; "Annotations only support `start_column` and `end_column` on the same line";
// `actions`: "A maximum of three actions", label 20, description 40, identifier 20 characters.
import type { CheckRunAction, CheckStatus, StandInAnnotation } from "./check-json.js";
import { invalidRequest } from "./git-data-routes.js";
import { HttpError } from "./http-kit.js";
import { assertSchema, type Schema } from "./request-schema.js";

export const checkDocs = {
  create: "https://docs.github.com/rest/checks/runs#create-a-check-run",
  get: "https://docs.github.com/rest/checks/runs#get-a-check-run",
  update: "https://docs.github.com/rest/checks/runs#update-a-check-run",
  listForRef: "https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference",
  listInSuite: "https://docs.github.com/rest/checks/runs#list-check-runs-in-a-check-suite",
  annotations: "https://docs.github.com/rest/checks/runs#list-check-run-annotations",
  rerequest: "https://docs.github.com/rest/checks/runs#rerequest-a-check-run",
  getSuite: "https://docs.github.com/rest/checks/suites#get-a-check-suite",
  rerequestSuite: "https://docs.github.com/rest/checks/suites#rerequest-a-check-suite",
};

/** What a create or update asks for, checked; absent fields are left as they are. */
export interface CheckRunInput {
  name?: string;
  headSha?: string;
  detailsUrl?: string;
  externalId?: string;
  status?: CheckStatus;
  conclusion?: string;
  startedAt?: Date;
  completedAt?: Date;
  output?: { title?: string; summary: string; text?: string; annotations: StandInAnnotation[] };
  actions?: CheckRunAction[];
}

const conclusions = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"] as const;
/** What GitHub lets an app set: `stale` is listed, but "only GitHub can set this". */
const settableConclusions = ["success", "failure", "neutral", "cancelled", "timed_out", "action_required", "skipped"];
const maxBytes = 65535;

const annotationSchema: Schema = {
  type: "object",
  required: ["path", "start_line", "end_line", "annotation_level", "message"],
  properties: {
    path: { type: "string" },
    start_line: { type: "integer" },
    end_line: { type: "integer" },
    start_column: { type: "integer" },
    end_column: { type: "integer" },
    annotation_level: { type: "string", enum: ["notice", "warning", "failure"] },
    message: { type: "string" },
    title: { type: "string" },
    raw_details: { type: "string" },
  },
};

function outputSchema(required: string[]): Schema {
  return {
    type: "object",
    required,
    properties: {
      title: { type: "string" },
      summary: { type: "string", maxLength: 65535 },
      text: { type: "string", maxLength: 65535 },
      annotations: { type: "array", maxItems: 50, items: annotationSchema },
      images: { type: "array", items: { type: "object", required: ["alt", "image_url"], properties: { alt: { type: "string" }, image_url: { type: "string" }, caption: { type: "string" } } } },
    },
  };
}

const actionsSchema: Schema = {
  type: "array",
  maxItems: 3,
  items: {
    type: "object",
    required: ["label", "description", "identifier"],
    properties: { label: { type: "string", maxLength: 20 }, description: { type: "string", maxLength: 40 }, identifier: { type: "string", maxLength: 20 } },
  },
};

// "Required if you provide `completed_at` or a `status` of `completed`": GitHub's schema says it with anyOf, and its
// answer to `status: "completed"` alone is "No subschema in "anyOf" matched." plus each branch's problem.
const completedNeedsConclusion: Schema[] = [{ properties: { status: { enum: ["completed"] } }, required: ["conclusion"] }, { properties: { status: { enum: ["queued", "in_progress"] } } }];

const createSchema: Schema = {
  type: "object",
  required: ["name", "head_sha"],
  properties: {
    name: { type: "string" },
    head_sha: { type: "string" },
    details_url: { type: "string" },
    external_id: { type: "string" },
    status: { type: "string", enum: ["queued", "in_progress", "completed"] },
    started_at: { type: "string", format: "date-time" },
    conclusion: { type: "string", enum: conclusions },
    completed_at: { type: "string", format: "date-time" },
    output: outputSchema(["title", "summary"]),
    actions: actionsSchema,
  },
  anyOf: completedNeedsConclusion,
};

const updateSchema: Schema = {
  ...createSchema,
  required: [],
  properties: {
    ...createSchema.properties,
    // "Only GitHub Actions can set a status of `waiting`, `pending`, or `requested`": the schema lists them, anyOf refuses them.
    status: { type: "string", enum: ["queued", "in_progress", "completed", "waiting", "requested", "pending"] },
    // Update: `summary` is required, `title` is "**Required**." only in words.
    output: outputSchema(["summary"]),
  },
};

export function parseCreateInput(body: Record<string, unknown>): CheckRunInput {
  assertSchema(createSchema, body, checkDocs.create);
  return toInput(body, checkDocs.create);
}

export function parseUpdateInput(body: Record<string, unknown>): CheckRunInput {
  assertSchema(updateSchema, body, checkDocs.update);
  const input = toInput(body, checkDocs.update);
  delete input.headSha; // not a field of an update: a check run's commit never changes
  return input;
}

/** The body, past the schema: GitHub's own rules, then plain values. */
function toInput(body: Record<string, unknown>, documentationUrl: string): CheckRunInput {
  const str = (key: string) => (typeof body[key] === "string" ? body[key] : undefined);
  const conclusion = str("conclusion");
  if (conclusion !== undefined && !settableConclusions.includes(conclusion)) {
    throw invalidRequest(`${conclusion} is not a member of ${JSON.stringify(settableConclusions).replace(/","/g, '", "')}.`, documentationUrl);
  }
  const input: CheckRunInput = {
    name: str("name"),
    headSha: str("head_sha"),
    detailsUrl: str("details_url"),
    externalId: str("external_id"),
    status: str("status") as CheckStatus | undefined,
    conclusion,
    startedAt: str("started_at") === undefined ? undefined : new Date(str("started_at") ?? ""),
    completedAt: str("completed_at") === undefined ? undefined : new Date(str("completed_at") ?? ""),
  };
  if (body.output !== undefined) input.output = toOutput(body.output as Record<string, unknown>, documentationUrl);
  if (Array.isArray(body.actions)) input.actions = (body.actions as Record<string, string>[]).map((a) => ({ label: a.label ?? "", description: a.description ?? "", identifier: a.identifier ?? "" }));
  for (const key of Object.keys(input) as (keyof CheckRunInput)[]) if (input[key] === undefined) delete input[key];
  return input;
}

function toOutput(output: Record<string, unknown>, documentationUrl: string): NonNullable<CheckRunInput["output"]> {
  for (const field of ["summary", "text"] as const) {
    const value = output[field];
    if (typeof value === "string" && Buffer.byteLength(value) > maxBytes) {
      throw validationFailed(documentationUrl, { resource: "CheckRun", code: "custom", field, message: `${field} exceeds a maximum bytesize of ${maxBytes}` });
    }
  }
  const annotations = ((output.annotations ?? []) as Record<string, unknown>[]).map(toAnnotation);
  if (annotations.some((a) => !isValidAnnotation(a))) throw validationFailed(documentationUrl, { resource: "CheckRun", code: "invalid", field: "annotations" });
  return {
    ...(typeof output.title === "string" ? { title: output.title } : {}),
    summary: output.summary as string,
    ...(typeof output.text === "string" ? { text: output.text } : {}),
    annotations,
  };
}

function toAnnotation(raw: Record<string, unknown>): StandInAnnotation {
  const int = (key: string) => (typeof raw[key] === "number" ? raw[key] : null);
  const text = (key: string) => (typeof raw[key] === "string" ? raw[key] : null);
  return {
    path: String(raw.path),
    startLine: Number(raw.start_line),
    endLine: Number(raw.end_line),
    startColumn: int("start_column"),
    endColumn: int("end_column"),
    level: raw.annotation_level as StandInAnnotation["level"],
    message: String(raw.message),
    title: text("title"),
    rawDetails: text("raw_details"),
  };
}

/** What GitHub refuses as `{ resource: "CheckRun", code: "invalid", field: "annotations" }`. */
function isValidAnnotation(a: StandInAnnotation): boolean {
  if (a.path === "" || a.startLine < 1 || a.endLine < a.startLine) return false;
  if ((a.startColumn !== null || a.endColumn !== null) && a.startLine !== a.endLine) return false;
  if (a.startColumn !== null && a.startColumn < 1) return false;
  if (a.startColumn !== null && a.endColumn !== null && a.endColumn < a.startColumn) return false;
  if (a.title !== null && [...a.title].length > 255) return false;
  return Buffer.byteLength(a.message) <= 64 * 1024 && (a.rawDetails === null || Buffer.byteLength(a.rawDetails) <= 64 * 1024);
}

export function validationFailed(documentationUrl: string, ...errors: Record<string, string>[]): HttpError {
  return new HttpError(422, "Validation Failed", { documentationUrl, errors });
}
