import { describe, expect, it } from "vitest";
import { BadRequestError } from "../errors.js";
import { validateParams } from "./validate-params.js";
import type { ParameterDescriptor } from "./workflow-definition.js";

const parameters: ParameterDescriptor[] = [
  { name: "who", type: "string", required: true, label: "who" },
  { name: "mode", type: "string", required: false, label: "mode", options: ["fast", "slow"], default: "fast" },
  { name: "count", type: "integer", required: false, label: "count", default: 1 },
  { name: "ratio", type: "number", required: false, label: "ratio" },
  { name: "dry", type: "boolean", required: false, label: "dry" },
  { name: "extra", type: "json", required: false, label: "extra" },
];

function problemsOf(input: unknown): { field: string; reason: string }[] {
  try {
    validateParams(parameters, input);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).code).toBe("invalid_params");
    return (error as BadRequestError).details!.problems as { field: string; reason: string }[];
  }
  throw new Error("expected a BadRequestError");
}

describe("validateParams", () => {
  it.each([
    [{ who: "a" }, { who: "a", mode: "fast", count: 1 }],
    [{ who: "a", mode: "slow", count: "3", ratio: "0.5", dry: "true" }, { who: "a", mode: "slow", count: 3, ratio: 0.5, dry: true }],
    [{ who: "a", count: 2, ratio: -1.25, dry: false, extra: { deep: [1, null] } }, { who: "a", mode: "fast", count: 2, ratio: -1.25, dry: false, extra: { deep: [1, null] } }],
    [{ who: "a", ratio: "", dry: null }, { who: "a", mode: "fast", count: 1 }],
  ])("accepts %j as %j", (input, expected) => {
    expect(validateParams(parameters, input)).toEqual(expected);
  });

  it.each([
    [{}, "params.who", "is required"],
    [{ who: "" }, "params.who", "is required"],
    [{ who: ["a"] }, "params.who", "must be a string (got an array)"],
    [{ who: "a", mode: "medium" }, "params.mode", 'must be one of "fast", "slow" (got "medium")'],
    [{ who: "a", count: 1.5 }, "params.count", "must be a whole number (got number 1.5)"],
    [{ who: "a", count: "1e400" }, "params.count", 'must be a number (got "1e400")'],
    [{ who: "a", ratio: {} }, "params.ratio", "must be a number (got an object)"],
    [{ who: "a", dry: 1 }, "params.dry", "must be true or false (got number 1)"],
    [{ who: "a", nope: 1 }, "params.nope", "is not a parameter of this workflow"],
  ])("refuses %j: %s %s", (input, field, reason) => {
    const problem = problemsOf(input).find((p) => p.field === field);
    expect(problem?.reason).toContain(reason);
  });

  it("lists every problem at once, and says when a workflow takes no parameters", () => {
    expect(problemsOf({ count: "x", dry: "maybe" }).map((p) => p.field)).toEqual(["params.who", "params.count", "params.dry"]);
    expect(() => validateParams([], { a: 1 })).toThrow(/params\.a is not a parameter of this workflow \(this workflow takes no parameters\)/);
    expect(validateParams([], undefined)).toEqual({});
    expect(() => validateParams(parameters, "who=a")).toThrow(/params must be an object/);
  });
});
