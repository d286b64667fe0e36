// Small JSON request bodies, for every route that takes one: read with a size cap (the body is a stream:
// never buffer an unbounded one), and every way it can be wrong is a 400 that says what to send.
import { BadRequestError, PayloadTooLargeError } from "./errors.js";

const MAX_JSON_BYTES = 64 * 1024;

export interface ReadJsonBodyOptions {
  /** An empty body reads as `{}` (routes whose fields are all optional). */
  allowEmpty?: boolean;
}

export async function readJsonBody(
  body: AsyncIterable<Uint8Array> | null | undefined,
  example: string,
  options: ReadJsonBodyOptions = {},
): Promise<Record<string, unknown>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    const iterator = body[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      size += next.value.byteLength;
      if (size > MAX_JSON_BYTES) throw new PayloadTooLargeError(`The JSON body is larger than ${MAX_JSON_BYTES / 1024} KiB.`);
      chunks.push(next.value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") {
    if (options.allowEmpty) return {};
    throw new BadRequestError(`The request needs a JSON body such as ${example}.`, { code: "invalid_body" });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`The body is not valid JSON (${(error as Error).message}). Send e.g. ${example}.`, { code: "invalid_body" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequestError(`The body must be a JSON object such as ${example}.`, { code: "invalid_body" });
  }
  return value as Record<string, unknown>;
}

/** A required string field, or a 400 naming it. `field` is one of the body's (an `Unchecked<…>` request of src/api-types.ts). */
export function requireString<T extends object>(body: T, field: keyof T & string, example: string): string {
  const value: unknown = body[field];
  if (typeof value !== "string") {
    throw new BadRequestError(`"${field}" must be a string (the workspace-relative path), e.g. ${example}.`, { code: "invalid_body" });
  }
  return value;
}

/** An optional boolean field, or a 400 naming it. */
export function optionalBoolean<T extends object>(body: T, field: keyof T & string): boolean | undefined {
  const value: unknown = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new BadRequestError(`"${field}" must be true or false.`, { code: "invalid_body" });
  return value;
}
