import { describe, expect, it } from "vitest";
import { resolveLimits } from "./limits.js";
import type { SourceTreeEntry } from "./repository-source.js";
import { buildTargetTree, describeSkipped } from "./target-tree.js";
import { UnsafeRepositoryError } from "./sync-error.js";

const blob = (path: string, mode = "100644"): SourceTreeEntry => ({ path, type: "blob", mode, sha: "a".repeat(40), size: 3 });
const limits = resolveLimits(1024 * 1024);

describe("buildTargetTree: names the share cannot hold", () => {
  it("skips each with its reason and keeps everything else", () => {
    const tree = buildTargetTree(
      "c".repeat(40),
      [blob("ok.ts"), blob("what?.ts"), blob("pipe|.ts"), blob("trail."), blob("back\\slash.ts"), blob("tab\t.ts"), blob("CON"), { path: "bad:dir", type: "tree", mode: "040000", sha: "b".repeat(40) }, blob("bad:dir/inner.ts")],
      limits,
    );
    expect([...tree.files.keys()]).toEqual(["ok.ts"]);
    expect(tree.skipped.map((s) => [s.path, s.kind])).toEqual([
      ["what?.ts", "name"],
      ["pipe|.ts", "name"],
      ["trail.", "name"],
      ["back\\slash.ts", "name"],
      ["tab\t.ts", "name"],
      ["CON", "name"],
      ["bad:dir/inner.ts", "name"],
    ]);
    expect(tree.totalBytes).toBe(3);
    expect(describeSkipped(tree.skipped[4]!)).toBe("name:tab\\u0009.ts — a name contains a control character (tab, newline…)");
  });

  it("keeps the first spelling of a case twin in byte order and names it in the reason", () => {
    const tree = buildTargetTree("c".repeat(40), [blob("readme.md"), blob("README.md"), blob("Docs/a.md"), blob("docs/b.md"), blob("x"), blob("X/y.ts"), blob("Dir/File.txt")], limits);
    expect([...tree.files.keys()].sort()).toEqual(["Dir/File.txt", "Docs/a.md", "README.md", "X/y.ts"]);
    const reasons = Object.fromEntries(tree.skipped.map((s) => [s.path, `${s.kind}: ${s.reason}`]));
    expect(reasons).toEqual({
      "readme.md": 'case: "README.md" is the same name on a case-insensitive share, and it is kept',
      "docs/b.md": 'case: "Docs" is the same name on a case-insensitive share, and it is kept',
      x: 'case: "X" is the same name on a case-insensitive share, and it is kept',
    });
  });

  it("still fails on hostile paths", () => {
    expect(() => buildTargetTree("c".repeat(40), [blob("../escape.ts")], limits)).toThrow(UnsafeRepositoryError);
    expect(() => buildTargetTree("c".repeat(40), [blob(".git/config")], limits)).toThrow(UnsafeRepositoryError);
  });
});
