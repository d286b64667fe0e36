import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PayloadTooLargeError } from "../errors.js";
import { stageFile } from "./stage-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "stage-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* chunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, i % 256);
}

describe("stageFile", () => {
  it("streams to a hidden temp file and renames it into place on commit, keeping the old mode", async () => {
    const target = path.join(dir, "run.sh");
    await writeFile(target, "old", { mode: 0o755 });
    const staged = await stageFile(target, chunks(3, 1000), { maxBytes: 10_000, relative: "run.sh" });
    expect(staged.size).toBe(3000);
    expect(await readFile(target, "utf8")).toBe("old");
    const names = await readdir(dir);
    expect(names).toHaveLength(2);
    expect(names.find((n) => n !== "run.sh")).toMatch(/^\.funcspace-tmp-[0-9a-f]{16}$/);
    await staged.commit((await stat(target)).mode & 0o7777);
    expect((await readFile(target)).length).toBe(3000);
    expect((await stat(target)).mode & 0o777).toBe(0o755);
    expect(await readdir(dir)).toEqual(["run.sh"]);
  });

  it("stops reading at the limit: 413, no temp file, and the folders it created are gone", async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        produced++;
        yield Buffer.alloc(4096);
      }
    }
    const target = path.join(dir, "new", "deep", "big.bin");
    await expect(stageFile(target, endless(), { maxBytes: 10_000, relative: "new/deep/big.bin" })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(produced).toBe(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it("creates no folder before commit: the temp file waits in the nearest existing folder", async () => {
    // A folder made while a body streams would be seen by other writers' case-twin checks before this
    // upload's own check (under the write lock) had run.
    await mkdir(path.join(dir, "shared"));
    const target = path.join(dir, "shared", "new", "deep", "a.bin");
    const staged = await stageFile(target, chunks(1, 10), { maxBytes: 100, relative: "shared/new/deep/a.bin" });
    const names = await readdir(path.join(dir, "shared"));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\.funcspace-tmp-[0-9a-f]{16}$/);
    await staged.commit();
    expect(await readdir(path.join(dir, "shared"))).toEqual(["new"]);
    expect((await readFile(target)).length).toBe(10);

    const discarded = await stageFile(path.join(dir, "other", "b.bin"), chunks(1, 10), { maxBytes: 100, relative: "other/b.bin" });
    await discarded.discard();
    expect(await readdir(dir)).toEqual(["shared"]);
  });

  it("creates the missing parent folders, and sets a mode only when it differs from the temp file's", async () => {
    const target = path.join(dir, "new", "deep", "x.ts");
    const staged = await stageFile(target, chunks(1, 10), { maxBytes: 100, relative: "new/deep/x.ts" });
    await staged.commit(0o600);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    const again = await stageFile(target, chunks(1, 20), { maxBytes: 100, relative: "new/deep/x.ts" });
    await again.commit();
    expect((await readFile(target)).length).toBe(20);
    expect(await readdir(path.join(dir, "new", "deep"))).toEqual(["x.ts"]);
  });

  it("discard removes the temp file and leaves the target alone", async () => {
    await mkdir(path.join(dir, "a"));
    const target = path.join(dir, "a", "x.ts");
    await writeFile(target, "keep");
    const staged = await stageFile(target, chunks(1, 10), { maxBytes: 100, relative: "a/x.ts" });
    await staged.discard();
    expect(await readdir(path.join(dir, "a"))).toEqual(["x.ts"]);
    expect(await readFile(target, "utf8")).toBe("keep");
  });

  it("names a file that sits where a parent folder should be (409)", async () => {
    await writeFile(path.join(dir, "file"), "x");
    await expect(stageFile(path.join(dir, "file", "x.ts"), chunks(1, 1), { maxBytes: 10, relative: "file/x.ts" })).rejects.toMatchObject({
      status: 409,
      code: "parent_is_file",
    });
  });
});
