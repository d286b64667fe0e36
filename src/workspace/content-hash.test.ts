import { createHash } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFileHandle } from "./content-hash.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "content-hash-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function hash(content: Buffer) {
  const file = path.join(dir, `f-${Math.random()}`);
  await writeFile(file, content);
  const handle = await open(file, "r");
  try {
    return await hashFileHandle(handle);
  } finally {
    await handle.close();
  }
}

// A 3-byte character straddling the 64 KiB read boundary must not be mistaken for invalid UTF-8.
const straddling = Buffer.concat([Buffer.alloc(64 * 1024 - 1, "a"), Buffer.from("€ and more")]);

describe("hashFileHandle", () => {
  it.each([
    ["empty", Buffer.alloc(0), true],
    ["ASCII", Buffer.from("export const a = 1;\n"), true],
    ["UTF-8", Buffer.from("// naïve café ☕ 日本\n"), true],
    ["a character across two reads", straddling, true],
    ["a NUL byte", Buffer.from("abc\u0000def"), false],
    ["invalid UTF-8", Buffer.from([0x61, 0xff, 0x62]), false],
    ["a truncated character at the end", Buffer.from([0x61, 0xe2, 0x82]), false],
    ["a PNG header", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), false],
  ])("hashes %s and tells text from binary", async (_name, content, isText) => {
    const result = await hash(content);
    expect(result.size).toBe(content.length);
    expect(result.isText).toBe(isText);
    expect(result.etag).toBe(`"${createHash("sha256").update(content).digest("base64url")}"`);
  });

  it("gives equal content equal ETags and different content different ones", async () => {
    expect((await hash(Buffer.from("same"))).etag).toBe((await hash(Buffer.from("same"))).etag);
    expect((await hash(Buffer.from("same"))).etag).not.toBe((await hash(Buffer.from("Same"))).etag);
  });
});
