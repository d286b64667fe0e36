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

  it.each([
    ["the exact size", 0],
    ["a size from before the file grew", -1000],
    ["a size from before the file shrank", 1000],
  ])("reads the whole file when told %s", async (_name, delta) => {
    for (const content of [Buffer.alloc(0), Buffer.from("short"), Buffer.alloc(10_240, "x"), straddling, Buffer.alloc(200_000, "y")]) {
      const file = path.join(dir, `f-${Math.random()}`);
      await writeFile(file, content);
      const handle = await open(file, "r");
      try {
        const result = await hashFileHandle(handle, { size: Math.max(0, content.length + delta) });
        expect(result.size).toBe(content.length);
        expect(result.etag).toBe(`"${createHash("sha256").update(content).digest("base64url")}"`);
        // The bytes come back when read in one call, and are then exactly the file.
        if (content.length < 64 * 1024 && delta >= 0) expect(result.bytes?.equals(content)).toBe(true);
        if (result.bytes) expect(result.bytes.equals(content)).toBe(true);
      } finally {
        await handle.close();
      }
    }
  });

  it("skips the text check when asked (the ETag is the same)", async () => {
    const file = path.join(dir, "text.ts");
    await writeFile(file, "export {};\n");
    const handle = await open(file, "r");
    try {
      const quick = await hashFileHandle(handle, { detectText: false });
      expect(quick.isText).toBe(false);
      expect(quick.etag).toBe((await hashFileHandle(handle)).etag);
    } finally {
      await handle.close();
    }
  });

  it("gives equal content equal ETags and different content different ones", async () => {
    expect((await hash(Buffer.from("same"))).etag).toBe((await hash(Buffer.from("same"))).etag);
    expect((await hash(Buffer.from("same"))).etag).not.toBe((await hash(Buffer.from("Same"))).etag);
  });
});
