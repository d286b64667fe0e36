// The editor's copy of a workflow file (web/src/editor/workflow-copy.ts): where the name is, which name is free,
// and when a copy is refused. Pure functions; the browser test (ui-safe-edit.test.ts) covers the flow.
import { describe, expect, it } from "vitest";
import { findWorkflowName, freeWorkflowName, isWorkflowPath, planWorkflowCopy } from "../web/src/editor/workflow-copy.js";

describe("isWorkflowPath", () => {
  it.each([
    ["flows/hello.mine.ts", true],
    ["hello.mine.mjs", true],
    ["flows/_text.mine.ts", false],
    ["notes.mine.md", false],
    ["hello.test.mine.ts", false],
    ["types.mine.d.ts", false],
    [".github/x.mine.ts", false],
    ["node_modules/p/x.mine.js", false],
  ])("%s → %s", (path, expected) => {
    expect(isWorkflowPath(path)).toBe(expected);
  });
});

describe("findWorkflowName", () => {
  it.each([
    ['export default defineWorkflow({ name: "hello", run() {} });', "hello"],
    ["export default { name: 'single', run: () => 1 };", "single"],
    ['export default { "name": "quoted-key", run: () => 1 };', "quoted-key"],
    ["export default defineWorkflow({\n  name: `tpl`,\n});", "tpl"],
    // The first name after the definition starts, not a helper's before it.
    ['const helper = { name: "not-this" };\nexport default defineWorkflow({ name: "this", run() {} });', "this"],
    ['export default defineWorkflow({ displayName: "x", name: "real" });', "real"],
  ])("%j → %s", (text, expected) => {
    const found = findWorkflowName(text);
    expect(found?.name).toBe(expected);
    expect(text.slice(found!.start, found!.end)).toBe(expected);
  });

  it.each([
    ['import { meta } from "./_meta.ts";\nexport default { ...meta, run: () => 1 };'],
    ["export default defineWorkflow({ name: `wf-${suffix}` });"],
    ['export default defineWorkflow({ name: ["a", "b"].join("") });'],
    ['export const x = { name: "no default export" };'],
  ])("finds no plain name in %j", (text) => {
    expect(findWorkflowName(text)).toBeUndefined();
  });
});

describe("freeWorkflowName", () => {
  it.each([
    ["hello", [], "hello-copy"],
    ["hello", ["hello-copy"], "hello-copy-2"],
    ["hello", ["hello-copy", "hello-copy-2"], "hello-copy-3"],
    ["hello-copy", ["hello-copy"], "hello-copy-2"],
    ["hello-copy-2", ["hello-copy", "hello-copy-2"], "hello-copy-3"],
    ["x".repeat(100), [], `${"x".repeat(95)}-copy`],
  ])("%s with %j taken → %s", (name, taken, expected) => {
    const free = freeWorkflowName(name, new Set(taken));
    expect(free).toBe(expected);
    expect(free.length).toBeLessThanOrEqual(100);
  });
});

describe("planWorkflowCopy", () => {
  const source = 'import { defineWorkflow } from "funcspace";\nexport default defineWorkflow({ name: "greet", run: () => 1 });\n';

  it("rewrites the name of a workflow copy to a free one, and only the name", () => {
    const plan = planWorkflowCopy("flows/greet.mine.ts", source, { originalIsWorkflow: true, takenNames: new Set(["greet", "greet-copy"]) });
    expect(plan).toEqual({ text: source.replace('"greet"', '"greet-copy-2"'), renamed: { from: "greet", to: "greet-copy-2" } });
  });

  it("copies a file discovery never reads as it is", () => {
    expect(planWorkflowCopy("flows/_greet.mine.ts", source, { originalIsWorkflow: false, takenNames: new Set(["greet"]) })).toEqual({ text: source });
    expect(planWorkflowCopy("notes.mine.md", "name: x", { originalIsWorkflow: false, takenNames: new Set() })).toEqual({ text: "name: x" });
  });

  it("refuses a workflow whose name it cannot change, and copies a plain module", () => {
    const computed = 'import { meta } from "./_meta.ts";\nexport default { ...meta, run: () => 1 };\n';
    expect(planWorkflowCopy("flows/w.mine.ts", computed, { originalIsWorkflow: true, takenNames: new Set() })).toMatchObject({
      refused: expect.stringContaining("not saved as a copy"),
    });
    const viaDefine = 'export default defineWorkflow({ name: NAME, run: () => 1 });\n';
    expect(planWorkflowCopy("flows/w.mine.ts", viaDefine, { originalIsWorkflow: false, takenNames: new Set() })).toHaveProperty("refused");
    const plain = "export const twice = (n: number) => n * 2;\n";
    expect(planWorkflowCopy("flows/math.mine.ts", plain, { originalIsWorkflow: false, takenNames: new Set() })).toEqual({ text: plain });
  });
});
