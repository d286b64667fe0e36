import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROBE_PREFIX } from "../health/folder-check.js";
import { TEMP_PREFIX } from "./hidden-names.js";
import { listWorkspaceTree, type FolderNode, type TreeNode } from "./list-workspace-tree.js";

let base: string;
let workspace: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), "tree-"));
  workspace = path.join(base, "ws");
  await mkdir(workspace);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const deps = () => ({ workspaceDir: workspace, ioConcurrency: 4 });
const names = (folder: FolderNode) => folder.children.map((c: TreeNode) => c.name);

describe("listWorkspaceTree", () => {
  it("lists folders first, then files, in natural order, with size, time and ETag", async () => {
    await mkdir(path.join(workspace, "b-folder", "inner"), { recursive: true });
    await mkdir(path.join(workspace, "A-folder"));
    for (const name of ["file10.ts", "file2.ts", "Zeta.md", "alpha.ts"]) await writeFile(path.join(workspace, name), name);
    await writeFile(path.join(workspace, "b-folder", "inner", "deep.ts"), "deep");
    const tree = await listWorkspaceTree(deps());
    expect(names(tree.root)).toEqual(["A-folder", "b-folder", "alpha.ts", "file2.ts", "file10.ts", "Zeta.md"]);
    expect(tree).toMatchObject({ files: 5, folders: 3, bytes: "file10.ts".length + "file2.ts".length + "Zeta.md".length + "alpha.ts".length + 4 });
    const deep = ((tree.root.children[1] as FolderNode).children[0] as FolderNode).children[0]!;
    expect(deep).toMatchObject({ type: "file", name: "deep.ts", path: "b-folder/inner/deep.ts", size: 4, etag: expect.stringMatching(/^"[\w-]{43}"$/) });
    expect(Number.isNaN(Date.parse(deep.modified))).toBe(false);
  });

  it("hides noise and the platform's files, and leaves symbolic links out", async () => {
    await mkdir(path.join(workspace, "src"));
    for (const name of [".DS_Store", "._a.ts", "Thumbs.db", `${PROBE_PREFIX}1`, "src/.DS_Store", "src/a.ts", ".env"]) {
      await writeFile(path.join(workspace, name), "x");
    }
    await mkdir(path.join(workspace, ".funcspace-sync-1a2b3c4d"));
    await writeFile(path.join(workspace, ".funcspace-sync-1a2b3c4d", "staged.ts"), "x");
    await mkdir(path.join(workspace, "outside"));
    await symlink(path.join(base), path.join(workspace, "link-out"));
    await symlink("src/a.ts", path.join(workspace, "link-in"));
    const tree = await listWorkspaceTree(deps());
    expect(names(tree.root)).toEqual(["outside", "src", ".env"]);
    expect(names(tree.root.children[1] as FolderNode)).toEqual(["a.ts"]);
  });

  it("removes temp files left over by a crash, but not one that may be an upload in flight", async () => {
    const stale = path.join(workspace, `${TEMP_PREFIX}stale`);
    const fresh = path.join(workspace, `${TEMP_PREFIX}fresh`);
    await writeFile(stale, "x");
    await writeFile(fresh, "x");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    const tree = await listWorkspaceTree(deps());
    expect(tree.root.children).toEqual([]);
    expect(await readdir(workspace)).toEqual([`${TEMP_PREFIX}fresh`]);
  });

  it("skips the hashing when asked (zip)", async () => {
    await writeFile(path.join(workspace, "a.ts"), "a");
    const tree = await listWorkspaceTree(deps(), { etags: false });
    expect(tree.root.children[0]).not.toHaveProperty("etag");
    expect(tree.root.children[0]).toMatchObject({ size: 1 });
  });

  it("lists a few thousand files in many folders", async () => {
    for (let f = 0; f < 40; f++) {
      await mkdir(path.join(workspace, `f${f}`));
      await Promise.all(Array.from({ length: 50 }, (_, i) => writeFile(path.join(workspace, `f${f}`, `${i}.ts`), `// ${f}/${i}`)));
    }
    const tree = await listWorkspaceTree(deps());
    expect(tree.files).toBe(2000);
    expect(tree.folders).toBe(40);
    expect(new Set(tree.root.children.flatMap((c) => (c as FolderNode).children.map((x) => (x as { etag: string }).etag))).size).toBe(2000);
  });
});
