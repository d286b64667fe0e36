import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStaged, createStaging, openStaging, OWNER_FILE, readOwner, setStagedMode, stagedFile } from "./staging.js";

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), "staging-"));
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

const write = (content: string) => (file: string) => writeFile(file, content, { flag: "wx" });

describe("staging", () => {
  it("lays files out at their repository paths, so a new folder can move whole", async () => {
    const staging = await createStaging(workspace);
    const { file } = await createStaged(staging, "src/deep/a.ts", write("a"));
    expect(file).toBe(path.join(staging.dir, "src", "deep", "a.ts"));
    expect(staging.isInPlace("src/deep/a.ts", file)).toBe(true);
    expect(await readFile(file, "utf8")).toBe("a");
  });

  it("falls back to a numbered name when the path cannot be created (a case twin, a leftover)", async () => {
    const staging = await createStaging(workspace);
    await createStaged(staging, "dir/same.txt", write("first"));
    const second = await createStaged(staging, "dir/same.txt", write("second"));
    expect(staging.isInPlace("dir/same.txt", second.file)).toBe(false);
    expect(await readFile(second.file, "utf8")).toBe("second");
    // A file where a folder of the path must go: "x" is a file, "x/y" cannot be made under it.
    await createStaged(staging, "x", write("file"));
    const under = await createStaged(staging, "x/y", write("under"));
    expect(staging.isInPlace("x/y", under.file)).toBe(false);
    expect(await readFile(under.file, "utf8")).toBe("under");
  });

  it("starts over empty on reset (its owner record kept), and leaves nothing behind on remove", async () => {
    const staging = await createStaging(workspace, undefined, { owner: { host: "h", pid: 1, generation: 7 } });
    await createStaged(staging, "a/b.txt", write("b"));
    staging.files.set("a/b.txt", stagedFile(path.join(staging.dir, "a/b.txt"), "0", false, { size: 1, mtimeMs: 0, mode: 0o644 }));
    await staging.reset();
    expect(staging.files.size).toBe(0);
    expect(await readdir(staging.dir)).toEqual([OWNER_FILE]);
    expect(await readOwner(staging.dir)).toMatchObject({ host: "h", pid: 1, generation: 7 });
    const again = await createStaged(staging, "a/b.txt", write("again"));
    expect(staging.isInPlace("a/b.txt", again.file)).toBe(true);
    await staging.remove();
    expect(await readdir(workspace)).toEqual([]);
  });

  it("does not swallow other failures", async () => {
    const staging = await createStaging(workspace);
    const boom = Object.assign(new Error("disk full"), { code: "ENOSPC" });
    await expect(createStaged(staging, "a.txt", () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it("keeps the files adopted from an interrupted run on reset, and removes the rest (a half-written file too)", async () => {
    const first = await createStaging(workspace);
    await createStaged(first, "a/kept.txt", write("kept"));
    const kept = stagedFile(path.join(first.dir, "a/kept.txt"), "1", false, { size: 4, mtimeMs: 0, mode: 0o644 });
    const staging = openStaging(first.dir, { files: new Map([["a/kept.txt", kept]]) });
    await createStaged(staging, "a/new.txt", write("new"));
    staging.files.set("a/new.txt", { ...kept, file: path.join(staging.dir, "a/new.txt") });
    await createStaged(staging, "b/half.txt", write("ha")); // a download cut mid-file: never recorded
    await staging.reset();
    expect([...staging.files.keys()]).toEqual(["a/kept.txt"]);
    expect((await readdir(staging.dir, { recursive: true })).sort()).toEqual([OWNER_FILE, "a", "a/kept.txt", "b"].sort());
  });

  it("makes a staged copy its own manifest entry: the stat's fields, and the executable bit the disk kept", () => {
    const plain = stagedFile("/s/a.sh", "1".repeat(40), true, { size: 7, mtimeMs: 1_700_000_000_000.5, mode: 0o100644 });
    expect(plain).toEqual({ file: "/s/a.sh", sha: "1".repeat(40), executable: true, size: 7, mtimeMs: 1_700_000_000_000.5, mode: 0o100644, diskExecutable: false });
    expect(stagedFile("/s/b.sh", "2".repeat(40), false, { size: 1, mtimeMs: 0, mode: 0o100744 }).diskExecutable).toBe(true);
    setStagedMode(plain, 0o100755);
    expect(plain).toMatchObject({ mode: 0o100755, diskExecutable: true });
    setStagedMode(plain, 0o100644);
    expect(plain).toMatchObject({ mode: 0o100644, diskExecutable: false });
  });
});
