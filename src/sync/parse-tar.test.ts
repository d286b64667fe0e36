import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { pack as createPack } from "tar-stream";
import { afterAll, describe, expect, it } from "vitest";
import { createTarParser, type TarHeader } from "./parse-tar.js";

interface Parsed {
  header: TarHeader;
  content: string;
}

/** Parses `archive` fed in chunks of `chunk` bytes (1 = every boundary a header or a file can be cut at). */
async function parse(archive: Buffer, chunk = archive.length): Promise<Parsed[]> {
  const out: Parsed[] = [];
  let pieces: Buffer[] = [];
  const parser = createTarParser({
    entry(header) {
      out.push({ header, content: "" });
      pieces = [];
    },
    data(piece) {
      pieces.push(Buffer.from(piece));
    },
    end() {
      out.at(-1)!.content = Buffer.concat(pieces).toString();
    },
  });
  for (let at = 0; at < archive.length; at += chunk) await parser.write(archive.subarray(at, at + chunk));
  parser.finish();
  return out;
}

async function packed(entries: { name: string; content?: string; type?: "file" | "directory" | "symlink"; linkname?: string; mode?: number }[]): Promise<Buffer> {
  const pack = createPack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? "file", linkname: e.linkname, mode: e.mode ?? 0o644 }, e.content ?? "");
  pack.finalize();
  return buffer(pack as AsyncIterable<Buffer>);
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An archive made by the system's tar in `format` (gnu: `L`/`K` long-name headers; pax: `x` records). */
function systemTar(format: "gnu" | "pax" | "ustar", files: Record<string, string>): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), "parse-tar-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, "top", name)), { recursive: true });
    writeFileSync(path.join(dir, "top", name), content);
  }
  return execFileSync("tar", ["-c", `--format=${format}`, "-C", dir, "--sort=name", "top"], { maxBuffer: 1 << 26 });
}

describe("createTarParser", () => {
  it("reads what tar-stream writes, cut at every byte", async () => {
    const long = `top/${"d".repeat(120)}/${"n".repeat(90)}.txt`;
    const archive = await packed([
      { name: "top/", type: "directory", mode: 0o755 },
      { name: "top/a.txt", content: "alpha" },
      { name: "top/empty", content: "" },
      { name: "top/run.sh", content: "#!/bin/sh\n", mode: 0o755 },
      { name: "top/block", content: "x".repeat(512) },
      { name: long, content: "long name (pax)" },
      { name: "top/link", type: "symlink", linkname: "../../outside" },
    ]);
    const expected = [
      { name: "top/", type: "directory", size: 0, content: "" },
      { name: "top/a.txt", type: "file", size: 5, content: "alpha" },
      { name: "top/empty", type: "file", size: 0, content: "" },
      { name: "top/run.sh", type: "file", size: 10, content: "#!/bin/sh\n" },
      { name: "top/block", type: "file", size: 512, content: "x".repeat(512) },
      { name: long, type: "file", size: 15, content: "long name (pax)" },
      { name: "top/link", type: "symlink", size: 0, content: "" },
    ];
    for (const chunk of [archive.length, 1000, 511, 7, 1]) {
      const parsed = await parse(archive, chunk);
      expect(parsed.map((p) => ({ name: p.header.name, type: p.header.type, size: p.header.size, content: p.content }))).toEqual(expected);
      expect(parsed[3]!.header.mode & 0o777).toBe(0o755);
      expect(parsed[6]!.header.linkname).toBe("../../outside");
    }
  });

  it.each(["gnu", "pax", "ustar"] as const)("reads long names in the %s format of tar(1)", async (format) => {
    const deep = `${"folder-".repeat(12)}/${"f".repeat(60)}.ts`; // > 100 bytes: a prefix (ustar), L (gnu) or x (pax)
    const files = { "a.txt": "a", [deep]: "deep", "z/b.txt": "b".repeat(1500) };
    const parsed = (await parse(systemTar(format, files), 333)).filter((p) => p.header.type === "file");
    expect(Object.fromEntries(parsed.map((p) => [p.header.name, p.content]))).toEqual(Object.fromEntries(Object.entries(files).map(([k, v]) => [`top/${k}`, v])));
  });

  it("says a damaged header is an invalid tar header, and a cut archive an unexpected end", async () => {
    const archive = await packed([{ name: "top/a.txt", content: "alpha" }]);
    const damaged = Buffer.from(archive);
    damaged[10] = damaged[10]! ^ 0xff;
    await expect(parse(damaged)).rejects.toThrow(/Invalid tar header/);
    await expect(parse(archive.subarray(0, 512 + 3))).rejects.toThrow(/Unexpected end of data/);
    await expect(parse(archive.subarray(0, 300))).rejects.toThrow(/Unexpected end of data/);
    await expect(parse(Buffer.alloc(1024, 0x41))).rejects.toThrow(/Invalid tar header/);
  });

  it("passes over all-zero blocks after the last entry", async () => {
    const archive = await packed([{ name: "top/a.txt", content: "alpha" }]);
    expect(await parse(Buffer.concat([archive, Buffer.alloc(10240)]))).toHaveLength(1);
  });
});
