// The query of `GET /api/runs`: `workflow`, `status` and `startedBy` filters, `limit` and `cursor`. Each value is
// checked at the door; a status that no run can have is a 400 naming the ones there are (a typo would otherwise
// answer an empty list, which reads as "no such runs"). Empty values mean "any", as an unset form field sends them.
import { BadRequestError } from "../errors.js";
import { isRunStatus, RUN_STATUSES } from "./run-record.js";
import type { RunListQuery } from "../api-types.js";

export function readRunListQuery(query: URLSearchParams): RunListQuery {
  const read = (name: keyof RunListQuery): string | undefined => query.get(name) || undefined;
  const status = read("status");
  if (status !== undefined && !isRunStatus(status)) {
    throw new BadRequestError(`status must be one of ${RUN_STATUSES.join(", ")} (got "${status}").`, { code: "invalid_status" });
  }
  const limit = read("limit");
  return {
    workflow: read("workflow"),
    status,
    startedBy: read("startedBy"),
    // Not a whole number: NaN, which the engine refuses with the range it accepts.
    limit: limit === undefined ? undefined : /^\d+$/.test(limit) ? Number(limit) : Number.NaN,
    cursor: read("cursor"),
  };
}
