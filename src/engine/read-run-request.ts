// The body of `POST /api/workflows/{name}/runs`: `{ "params": { ... } }`, or nothing for a workflow without
// parameters. Read from the request stream with a size cap; every mistake is a 400 that shows what to send.
import { BadRequestError } from "../errors.js";
import { readJsonBody } from "../json-body.js";
import type { RunRequest, Unchecked } from "../api-types.js";

const EXAMPLE = '{"params": {"name": "value"}}';

/** The body's `params`, unchecked (validateParams checks them against the workflow). */
export async function readRunRequest(body: AsyncIterable<Uint8Array> | null | undefined): Promise<Unchecked<RunRequest>> {
  const value = await readJsonBody(body, EXAMPLE, { allowEmpty: true });
  const extra = Object.keys(value).filter((key) => key !== "params");
  if (extra.length > 0) {
    throw new BadRequestError(`Unexpected field(s) ${extra.map((k) => `"${k}"`).join(", ")}: put parameter values under "params", e.g. ${EXAMPLE}.`, {
      code: "invalid_body",
    });
  }
  return { params: value.params ?? {} };
}
