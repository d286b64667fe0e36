import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, PreconditionFailedError, ReadOnlyError, toErrorResponse } from "./errors.js";

describe("toErrorResponse", () => {
  it("maps app errors to their status, code, message, details and headers", () => {
    expect(toErrorResponse(new PreconditionFailedError("changed", { headers: { etag: '"abc"' }, details: { currentEtag: '"abc"' } }))).toEqual({
      status: 412,
      headers: { etag: '"abc"' },
      body: { error: "precondition_failed", message: "changed", currentEtag: '"abc"' },
    });
    expect(toErrorResponse(new NotFoundError("no such file")).status).toBe(404);
    expect(toErrorResponse(new ConflictError("exists", { code: "target_exists" })).body.error).toBe("target_exists");
  });

  it("words the read-only refusal for the user, with the repository and branch", () => {
    expect(toErrorResponse(new ReadOnlyError("octo/flows", "main"))).toEqual({
      status: 409,
      headers: {},
      body: {
        error: "read_only",
        message: "This workspace is managed by GitHub (octo/flows@main). Edit it there, or disconnect GitHub to edit here.",
        repository: "octo/flows",
        branch: "main",
      },
    });
  });

  it("hides the detail of unknown errors", () => {
    const response = toErrorResponse(new Error("connect ECONNREFUSED https://user:ghp_secret@10.0.0.1"));
    expect(response.status).toBe(500);
    expect(JSON.stringify(response)).not.toContain("ghp_secret");
    expect(JSON.stringify(response)).not.toContain("ECONNREFUSED");
  });
});
