// The zip download: streamed, dated, every byte of every visible file back after unzipping with a real zip
// reader (yauzl) and with the `unzip` command, noise and temp files left out, empty folders kept.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { createTempDir } from "./support/temp-dir.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

let host: TestHost;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
  files.set("README.md", Buffer.from("# workflows\n"));
  files.set("src/main.ts", Buffer.from("export const main = () => 'héllo ☕';\n"));
  files.set("src/deep/er/data.json", Buffer.from(JSON.stringify({ a: [1, 2, 3] })));
  files.set("assets/random.bin", randomBytes(300_000));
  files.set("assets/zeros.bin", Buffer.alloc(2_000_000));
  files.set("names/naïve café (1).ts", Buffer.from("// unicode name"));
  files.set("empty.txt", Buffer.alloc(0));
  for (let i = 0; i < 50; i++) files.set(`many/file-${i}.ts`, Buffer.from(`export const n = ${i};\n`));
  for (const [name, content] of files) {
    await mkdir(path.dirname(path.join(host.workspaceDir, name)), { recursive: true });
    await writeFile(path.join(host.workspaceDir, name), content);
  }
  await mkdir(path.join(host.workspaceDir, "empty-folder", "nested"), { recursive: true });
  await writeFile(path.join(host.workspaceDir, ".DS_Store"), "noise");
  await writeFile(path.join(host.workspaceDir, "src", "._main.ts"), "noise");
  await writeFile(path.join(host.workspaceDir, "src", ".funcspace-tmp-0123456789abcdef"), "half an upload");
});
afterAll(async () => {
  await host.close();
});

interface Unzipped {
  files: Map<string, Buffer>;
  folders: string[];
}

function unzip(buffer: Buffer): Promise<Unzipped> {
  return new Promise((resolve, reject) => {
    const result: Unzipped = { files: new Map(), folders: [] };
    yauzl.fromBuffer(buffer, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, zip) => {
      if (error) return reject(error);
      zip.on("error", reject);
      zip.on("end", () => resolve(result));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/")) {
          result.folders.push(entry.fileName);
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            result.files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

describe("zip download", () => {
  it("streams the workspace as a dated zip that unzips to the same bytes, without noise, with empty folders", async () => {
    const response = await host.fetch("/api/workspace/zip");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename=workspace-\d{4}-\d\d-\d\dT\d{6}Z\.zip$/);
    const zip = Buffer.from(await response.arrayBuffer());
    const unzipped = await unzip(zip);
    expect([...unzipped.files.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, content] of files) expect(unzipped.files.get(name)!.equals(content), name).toBe(true);
    expect(unzipped.folders).toEqual(expect.arrayContaining(["empty-folder/", "empty-folder/nested/"]));
    // Compressed, not stored: 2 MB of zeros must not make a 2 MB download.
    expect(zip.length).toBeLessThan(1_000_000);
  });

  it("unzips with the standard unzip command to a byte-identical tree", async () => {
    const dir = await createTempDir();
    try {
      const zipPath = path.join(dir.path, "w.zip");
      await writeFile(zipPath, Buffer.from(await (await host.fetch("/api/workspace/zip")).arrayBuffer()));
      execFileSync("unzip", ["-q", zipPath, "-d", path.join(dir.path, "out")]);
      const names = (await readdir(path.join(dir.path, "out"), { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile())
        .map((d) => path.relative(path.join(dir.path, "out"), path.join(d.parentPath, d.name)))
        .sort();
      expect(names).toEqual([...files.keys()].sort());
      for (const [name, content] of files) expect((await readFile(path.join(dir.path, "out", name))).equals(content), name).toBe(true);
    } finally {
      await dir.cleanup();
    }
  });

  it("zips an empty workspace to a valid, empty zip", async () => {
    const empty = await startTestHost({ enableQueues: false });
    try {
      const unzipped = await unzip(Buffer.from(await (await empty.fetch("/api/workspace/zip")).arrayBuffer()));
      expect(unzipped.files.size).toBe(0);
    } finally {
      await empty.close();
    }
  });
});
