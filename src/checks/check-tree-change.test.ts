import { describe, expect, it } from "vitest";
import { resolveLimits } from "../sync/limits.js";
import type { SourceTreeEntry } from "../sync/repository-source.js";
import { checkTreeChange } from "./check-tree-change.js";

const limits = resolveLimits(1024);
const file = (path: string, sha: string, mode = "100644", size = 10): SourceTreeEntry => ({ path, mode, type: "blob", sha, size });
const shas = { base: "b".repeat(40), head: "h".repeat(40) };

describe("checkTreeChange", () => {
  it("lists added, changed (content or executable bit) and deleted files against the workspace's commit", () => {
    const base = [file("a.ts", "1"), file("b.ts", "2"), file("bin/x", "3", "100644"), file("gone.ts", "4")];
    const head = [file("a.ts", "1"), file("b.ts", "22"), file("bin/x", "3", "100755"), file("new.ts", "5")];
    expect(checkTreeChange(base, head, limits, shas)).toEqual({
      added: ["new.ts"],
      changed: ["b.ts", "bin/x"],
      deleted: ["gone.ts"],
      headFiles: 4,
      emptiesWorkspace: false,
      unholdable: [],
    });
  });

  it("reports the entries the pull request brings that the workspace cannot hold, not those already there", () => {
    const base = [file("README.md", "1"), file("old:name.txt", "2")];
    const head = [...base, file("readme.md", "3"), file("new?.txt", "4"), { path: "link", mode: "120000", type: "blob" as const, sha: "5", size: 4 }];
    const change = checkTreeChange(base, head, limits, shas);
    expect(change.unholdable.map((s) => [s.kind, s.path])).toEqual([
      ["name", "new?.txt"],
      ["symlink", "link"],
      ["case", "readme.md"],
    ]);
    expect(change.unholdable.find((s) => s.kind === "case")?.reason).toContain('"README.md"');
    expect(change.added).toEqual([]);
  });

  it("says when the head would empty the workspace, and when the sync would refuse it whole", () => {
    expect(checkTreeChange([file("a.ts", "1")], [], limits, shas)).toMatchObject({ emptiesWorkspace: true, deleted: ["a.ts"], headFiles: 0 });
    expect(checkTreeChange([], [], limits, shas).emptiesWorkspace).toBe(false);
    const big = checkTreeChange([file("a.ts", "1")], [file("a.ts", "1"), file("huge.bin", "2", "100644", 4096)], limits, shas);
    expect(big.refused).toMatchObject({ reason: "file_too_large", path: "huge.bin" });
    expect(big.refused?.message).toContain("huge.bin");
    expect(checkTreeChange([], [file(".git/config", "1")], limits, shas).refused).toMatchObject({ reason: "git_folder" });
  });
});
