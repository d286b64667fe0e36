import { describe, expect, it } from "vitest";
import { buildCheckReport, MAX_SUMMARY_CHARS } from "./check-report.js";
import type { TreeChange } from "./check-tree-change.js";

const tree = (overrides: Partial<TreeChange> = {}): TreeChange => ({ added: [], changed: [], deleted: [], headFiles: 3, emptiesWorkspace: false, unholdable: [], ...overrides });
const shas = { baseSha: "a".repeat(40), headSha: "b".repeat(40) };

describe("buildCheckReport", () => {
  it("succeeds with the preview counts when nothing fails", () => {
    const report = buildCheckReport({ ...shas, tree: tree({ added: ["n.ts"], changed: ["c.ts", "d.ts"] }), workflows: { changed: ["hello"], problems: [] }, typeErrors: [] });
    expect(report.conclusion).toBe("success");
    expect(report.title).toBe("Ready to sync: 1 added, 2 changed, 0 deleted");
    expect(report.summary).toContain("| added | 1 |");
    expect(report.summary).toContain("| changed | 2 |");
    expect(report.summary).toContain("Empty-tree guard: passes.");
    expect(report.summary).toContain("Workflows that change: `hello`.");
    expect(report.annotations).toEqual([]);
  });

  it("fails on a case twin, naming both spellings, with an annotation on the file", () => {
    const report = buildCheckReport({ ...shas, tree: tree({ added: ["README.md"], unholdable: [{ path: "readme.md", kind: "case", reason: '"README.md" is the same name on a case-insensitive share, and it is kept' }] }) });
    expect(report.conclusion).toBe("failure");
    expect(report.summary).toContain("`readme.md` cannot be held by the workspace: \"README.md\" is the same name");
    expect(report.annotations).toEqual([expect.objectContaining({ path: "readme.md", startLine: 1, level: "failure" })]);
  });

  it("fails on code problems at their line, on an emptied workspace, and is neutral when a part could not run", () => {
    const code = buildCheckReport({ ...shas, tree: tree(), typeErrors: [{ path: "flows/a.ts", line: 7, title: "TS2322", message: "Type 'number' is not assignable to type 'string'." }] });
    expect(code.conclusion).toBe("failure");
    expect(code.annotations).toEqual([{ path: "flows/a.ts", startLine: 7, endLine: 7, level: "failure", title: "TS2322", message: "Type 'number' is not assignable to type 'string'." }]);
    expect(buildCheckReport({ ...shas, tree: tree({ emptiesWorkspace: true, headFiles: 0 }) }).summary).toContain("Empty-tree guard: **refuses**");
    expect(buildCheckReport({ ...shas, tree: tree(), skippedParts: ["type check: the tree is too large"] }).conclusion).toBe("neutral");
  });

  it("keeps the summary within GitHub's limit", () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ path: `bad${i}?.txt`, kind: "name" as const, reason: "a name Azure Files cannot hold ".repeat(3) }));
    expect(buildCheckReport({ ...shas, tree: tree({ unholdable: many }) }).summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
  });
});
