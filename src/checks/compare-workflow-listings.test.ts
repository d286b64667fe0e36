import { describe, expect, it } from "vitest";
import type { WorkflowList } from "../api-types.js";
import { compareWorkflowListings } from "./compare-workflow-listings.js";

const wf = (name: string, file: string, extra: object = {}) => ({ name, file, description: "", parameters: [], ...extra });

describe("compareWorkflowListings", () => {
  it("names workflows added, removed, whose file or definition changed; not the untouched ones", () => {
    const base: WorkflowList = { workflows: [wf("a", "a.ts"), wf("b", "b.ts"), wf("gone", "gone.ts"), wf("p", "p.ts")], errors: [] };
    const head: WorkflowList = { workflows: [wf("a", "a.ts"), wf("b", "b.ts"), wf("new", "new.ts"), wf("p", "p.ts", { timeoutMs: 5000 })], errors: [] };
    expect(compareWorkflowListings(base, head, new Set(["b.ts", "new.ts"]))).toEqual({ changed: ["b", "gone", "new", "p"], problems: [] });
  });

  it("reports the head's load errors at the line at fault, and leaves out errors the workspace already had", () => {
    const old = { file: "old.ts", error: { name: "SyntaxError", message: "broken since forever", file: "old.ts", line: 3 } };
    const base: WorkflowList = { workflows: [wf("a", "a.ts")], errors: [old] };
    const head: WorkflowList = {
      workflows: [],
      errors: [
        old,
        { file: "a.ts", error: { name: "Error", message: "Cannot find module 'lib/x.ts' imported from a.ts", file: "a.ts", line: 2 } },
        { file: "c.ts", error: { name: "DuplicateWorkflowError", message: 'The workflow name "a" is already used by a.ts: names must be unique.', file: "c.ts" } },
        { file: "d.ts", error: { name: "TypeError", message: "boom", file: "lib/helper.ts", line: 9 } },
      ],
    };
    const { problems } = compareWorkflowListings(base, head, new Set(["a.ts", "c.ts", "lib/helper.ts"]));
    expect(problems).toEqual([
      { path: "a.ts", line: 2, title: "Workflow a.ts does not load", message: "Cannot find module 'lib/x.ts' imported from a.ts" },
      { path: "c.ts", line: 1, title: "Workflow name used twice", message: 'The workflow name "a" is already used by a.ts: names must be unique.' },
      { path: "lib/helper.ts", line: 9, title: "Workflow d.ts does not load", message: "boom (while loading d.ts)" },
    ]);
  });
});
