// The body of `POST /api/workflows/{name}/runs`: `{ "params": { ... } }`, or nothing for a workflow without
// parameters. Read from the request stream with a size cap; every mistake is a 400 that shows what to send.
import { BadRequestError, PayloadTooLargeError } from "../errors.js";

const MAX_BODY_BYTES = 64 * 1024;
const EXAMPLE = '{"params": {"name": "value"}}';

export async function readRunRequest(body: AsyncIterable<Uint8Array> | null | undefined): Promise<{ params: unknown }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError(`The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return { params: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`The body is not valid JSON (${(error as Error).message}). Send e.g. ${EXAMPLE}.`, { code: "invalid_body" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequestError(`The body must be a JSON object such as ${EXAMPLE}.`, { code: "invalid_body" });
  }
  const extra = Object.keys(value).filter((key) => key !== "params");
  if (extra.length > 0) {
    throw new BadRequestError(`Unexpected field(s) ${extra.map((k) => `"${k}"`).join(", ")}: put parameter values under "params", e.g. ${EXAMPLE}.`, {
      code: "invalid_body",
    });
  }
  return { params: (value as { params?: unknown }).params ?? {} };
}
