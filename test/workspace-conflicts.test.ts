// Never lose an edit silently, never half-write: conditional writes (ETags), racing editors, and uploads
// over the size limit, through the real local host.
import { request } from "node:http";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "./support/test-host.js";

const LIMIT = 64 * 1024;
let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ enableQueues: false, env: { MAX_FILE_BYTES: String(LIMIT) } });
});
afterAll(async () => {
  await host.close();
});

const file = (p: string) => `/api/workspace/files/${p}`;
const put = (p: string, body: string | Buffer, headers: Record<string, string> = {}) => host.fetch(file(p), { method: "PUT", body: body as BodyInit, headers });
const onDisk = (p: string) => path.join(host.workspaceDir, ...p.split("/"));
const exists = (p: string) => stat(onDisk(p)).then(() => true, () => false);

/** Every file and folder under the workspace, temp files included (what a crash or a leak would leave). */
async function listAll(dir = host.workspaceDir): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

describe("conditional writes", () => {
  it("replaces only the version named by If-Match; a stale ETag gets 412 with the current ETag and nothing is written", async () => {
    const v1 = (await put("cond/a.ts", "v1")).headers.get("etag")!;
    const v2Response = await put("cond/a.ts", "v2", { "if-match": v1 });
    expect(v2Response.status).toBe(200);
    const v2 = v2Response.headers.get("etag")!;

    const stale = await put("cond/a.ts", "lost edit", { "if-match": v1 });
    expect(stale.status).toBe(412);
    expect(stale.headers.get("etag")).toBe(v2);
    expect(await stale.json()).toMatchObject({ error: "precondition_failed", currentEtag: v2 });
    expect(await readFile(onDisk("cond/a.ts"), "utf8")).toBe("v2");
    expect((await listAll()).filter((n) => n.includes(".funcspace-tmp-"))).toEqual([]);
  });

  it("creates only with If-None-Match: *", async () => {
    expect((await put("cond/new.ts", "first", { "if-none-match": "*" })).status).toBe(201);
    const second = await put("cond/new.ts", "second", { "if-none-match": "*" });
    expect(second.status).toBe(412);
    expect(second.headers.get("etag")).toBe((await host.fetch(file("cond/new.ts"))).headers.get("etag"));
    expect(await readFile(onDisk("cond/new.ts"), "utf8")).toBe("first");
  });

  it("answers 412 to If-Match on a file that is gone, and creates nothing", async () => {
    const response = await put("cond/gone/x.ts", "x", { "if-match": '"whatever"' });
    expect(response.status).toBe(412);
    expect(await response.json()).toMatchObject({ currentEtag: null });
    expect(await exists("cond/gone")).toBe(false);
  });

  it("deletes only the version named by If-Match", async () => {
    const v1 = (await put("cond/del.ts", "v1")).headers.get("etag")!;
    await put("cond/del.ts", "v2");
    expect((await host.fetch(file("cond/del.ts"), { method: "DELETE", headers: { "if-match": v1 } })).status).toBe(412);
    expect(await exists("cond/del.ts")).toBe(true);
    const v2 = (await host.fetch(file("cond/del.ts"))).headers.get("etag")!;
    expect((await host.fetch(file("cond/del.ts"), { method: "DELETE", headers: { "if-match": v2 } })).status).toBe(204);
    expect(await exists("cond/del.ts")).toBe(false);
  });

  it("refuses a malformed If-Match with a 400 that says how to send it", async () => {
    await put("cond/m.ts", "m");
    const response = await put("cond/m.ts", "n", { "if-match": "no-quotes" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/quotes included/);
    expect(await readFile(onDisk("cond/m.ts"), "utf8")).toBe("m");
  });

  it("lets exactly one of two editors holding the same ETag win; the other gets 412", async () => {
    for (let round = 0; round < 15; round++) {
      const etag = (await put("race.ts", `base ${round}`)).headers.get("etag")!;
      const [a, b] = await Promise.all([
        put("race.ts", `editor A ${round}`, { "if-match": etag }),
        put("race.ts", `editor B ${round}`, { "if-match": etag }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 412]);
      const winner = a.status === 200 ? "A" : "B";
      const loser = a.status === 200 ? b : a;
      expect(await readFile(onDisk("race.ts"), "utf8")).toBe(`editor ${winner} ${round}`);
      expect(loser.headers.get("etag")).toBe((a.status === 200 ? a : b).headers.get("etag"));
    }
    expect((await listAll()).filter((n) => n.includes(".funcspace-tmp-"))).toEqual([]);
  });
});

describe("size limit", () => {
  it("accepts a file of exactly MAX_FILE_BYTES", async () => {
    expect((await put("limit/exact.bin", Buffer.alloc(LIMIT, 1))).status).toBe(201);
    expect((await stat(onDisk("limit/exact.bin"))).size).toBe(LIMIT);
  });

  it("refuses a declared oversized upload with 413 and writes nothing", async () => {
    const before = await listAll();
    const response = await put("limit/new/too-big.bin", Buffer.alloc(LIMIT + 1, 2));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: "payload_too_large", maxBytes: LIMIT });
    expect(await listAll()).toEqual(before);
  });

  it("stops a streamed upload without Content-Length at the limit: 413, no partial file, no temp file, no new folder", async () => {
    await put("limit/keep.bin", "original");
    const before = await listAll();
    for (const target of ["limit/keep.bin", "limit/streamed/deep/new.bin"]) {
      const { status, body } = await chunkedPut(file(target), 40, 16 * 1024);
      expect(status).toBe(413);
      expect(JSON.parse(body)).toMatchObject({ error: "payload_too_large" });
    }
    expect(await listAll()).toEqual(before);
    expect(await readFile(onDisk("limit/keep.bin"), "utf8")).toBe("original");
  });
});

/** A PUT whose body is sent in chunks with Transfer-Encoding: chunked (no Content-Length to refuse early). */
function chunkedPut(route: string, chunks: number, chunkSize: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(route, host.url), { method: "PUT" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    let sent = 0;
    const write = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(Buffer.alloc(chunkSize, 3))) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}
