import { describe, expect, it } from "vitest";
import { PreconditionFailedError } from "../errors.js";
import { checkPreconditions, parseEtagList } from "./preconditions.js";

const current = '"abc"';

describe("parseEtagList", () => {
  it.each([
    ["*", "*"],
    ['"abc"', ['"abc"']],
    [' "a", W/"b" ,"c"', ['"a"', 'W/"b"', '"c"']],
  ] as const)("parses %j", (header, expected) => {
    expect(parseEtagList(header)).toEqual(expected);
  });

  it.each(["abc", '"abc', '"a" junk', ""])("refuses %j with a 400 that says what to send", (header) => {
    expect(() => parseEtagList(header)).toThrow(/send the ETag exactly as it was received/);
  });
});

describe("checkPreconditions", () => {
  const cases: [string, string | undefined, { ifMatch?: string; ifNoneMatch?: string }, boolean][] = [
    ["no conditions, file exists", current, {}, true],
    ["no conditions, file absent", undefined, {}, true],
    ["If-Match equal", current, { ifMatch: current }, true],
    ["If-Match in a list", current, { ifMatch: '"x", "abc"' }, true],
    ["If-Match other", current, { ifMatch: '"x"' }, false],
    ["If-Match weak never matches", current, { ifMatch: 'W/"abc"' }, false],
    ["If-Match on an absent file", undefined, { ifMatch: current }, false],
    ["If-Match * on an existing file", current, { ifMatch: "*" }, true],
    ["If-Match * on an absent file", undefined, { ifMatch: "*" }, false],
    ["If-None-Match * on an absent file", undefined, { ifNoneMatch: "*" }, true],
    ["If-None-Match * on an existing file", current, { ifNoneMatch: "*" }, false],
    ["If-None-Match equal (weak compare)", current, { ifNoneMatch: 'W/"abc"' }, false],
    ["If-None-Match other", current, { ifNoneMatch: '"x"' }, true],
  ];

  it.each(cases)("%s", (_name, etag, conditions, holds) => {
    if (holds) {
      expect(() => checkPreconditions(etag, conditions, "a.ts")).not.toThrow();
      return;
    }
    let thrown: unknown;
    try {
      checkPreconditions(etag, conditions, "a.ts");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PreconditionFailedError);
    const error = thrown as PreconditionFailedError;
    expect(error.status).toBe(412);
    expect(error.details).toEqual({ currentEtag: etag ?? null });
    expect(error.headers).toEqual(etag === undefined ? {} : { etag });
  });
});
