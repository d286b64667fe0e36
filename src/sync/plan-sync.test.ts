import { describe, expect, it } from "vitest";
import { planSync } from "./plan-sync.js";
import type { DiskEntry, WorkspaceScan } from "./scan-workspace.js";
import type { TargetFile, TargetTree } from "./target-tree.js";

function target(paths: string[]): TargetTree {
  const files = new Map<string, TargetFile>(paths.map((p) => [p, { path: p, sha: "a".repeat(40), size: 1, executable: false }]));
  return { commitSha: "c".repeat(40), files, skipped: [], totalBytes: paths.length };
}

function scan(files: string[], dirs: string[]): WorkspaceScan {
  const entry: DiskEntry = { kind: "file", size: 99, mtimeMs: 0, executable: false };
  return { files: new Map(files.map((f) => [f, entry])), dirs: new Set(dirs), leftovers: [] };
}

const plan = (t: TargetTree, s: WorkspaceScan) => planSync(t, { manifest: undefined, scan: s }, { workspaceDir: "/nowhere", concurrency: 2 });

describe("planSync: folders that can arrive whole", () => {
  it("lists the outermost target folders the disk lacks", async () => {
    const result = await plan(target(["top.txt", "new/a/b.txt", "new/c.txt", "old/fresh/d.txt", "old/e.txt"]), scan(["old/e.txt"], ["old"]));
    expect(result.newFolders).toEqual(["new", "old/fresh"]);
  });

  it("counts a folder whose place holds a file (an obstacle) as new", async () => {
    const result = await plan(target(["x/inner.txt"]), scan(["x"], []));
    expect(result.newFolders).toEqual(["x"]);
    expect(result.obstacles.files).toEqual(["x"]);
  });

  it("leaves out names that could meet another folder on a case-insensitive share", async () => {
    const result = await plan(target(["Src/a.ts", "Docs/a.md", "docs/b.md", "lib/x.ts"]), scan([], ["src"]));
    // "Src" may be the disk's "src"; "Docs" and "docs" may be one folder: their files go one by one.
    expect(result.newFolders).toEqual(["lib"]);
  });
});

describe("planSync: what the workspace cannot hold", () => {
  it("never deletes a disk file whose name the commit has but the share cannot hold", async () => {
    const t = target(["ok.ts"]);
    t.skipped.push({ path: "what?.ts", kind: "name", reason: "…" }, { path: "readme.md", kind: "case", reason: "…" }, { path: "link", kind: "symlink" });
    const result = await plan(t, scan(["what?.ts", "readme.md", "link", "gone.ts"], []));
    expect(result.deletes).toEqual(["gone.ts", "link", "readme.md"]);
  });

  it("neither plans nor counts mode changes where the file system keeps no modes", async () => {
    const t: TargetTree = { commitSha: "c".repeat(40), files: new Map([["run.sh", { path: "run.sh", sha: "a".repeat(40), size: 99, executable: true }]]), skipped: [], totalBytes: 99 };
    const disk: WorkspaceScan = { files: new Map([["run.sh", { kind: "file", size: 99, mtimeMs: 0, executable: true }]]), dirs: new Set(), leftovers: [] };
    const manifest = {
      workspaceDir: "/nowhere",
      repository: "o/r",
      commitSha: "b".repeat(40),
      writtenAt: "",
      skipped: [],
      // What the SMB share showed after the last write: the exec bit it invents, not the target's.
      files: new Map([["run.sh", { sha: "a".repeat(40), size: 99, mtimeMs: 0, executable: false, diskExecutable: true }]]),
    };
    const local = await planSync(t, { manifest, scan: disk }, { workspaceDir: "/nowhere", concurrency: 2 });
    expect(local.chmods.map((c) => c.path)).toEqual(["run.sh"]);
    const smb = await planSync(t, { manifest, scan: disk }, { workspaceDir: "/nowhere", concurrency: 2, holdsModes: false });
    expect(smb.chmods).toEqual([]);
    expect(smb.counts.changed).toBe(0);
    expect(smb.isEmpty).toBe(true);
    expect(smb.hashed).toBe(0);
  });
});
