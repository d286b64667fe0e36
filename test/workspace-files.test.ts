// The files API through the real local host, on a temporary workspace: files and folders created, read,
// replaced, moved and deleted, with the answers users will hit when something is in the way.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FolderNode } from "../src/api-types.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
});
afterAll(async () => {
  await host.close();
});

const file = (p: string) => `/api/workspace/files/${p.split("/").map(encodeURIComponent).join("/")}`;
const put = (p: string, body: string | Buffer, headers: Record<string, string> = {}) => host.fetch(file(p), { method: "PUT", body: body as BodyInit, headers });
const json = (route: string, body: unknown, method = "POST") =>
  host.fetch(route, { method, headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const onDisk = (p: string) => path.join(host.workspaceDir, ...p.split("/"));
const exists = (p: string) => stat(onDisk(p)).then(() => true, () => false);

describe("files", () => {
  it("creates a file with its parent folders, reads it back with the same ETag, replaces and deletes it", async () => {
    const created = await put("crud/deep/er/hello.ts", "export const hello = 'wörld';\n");
    expect(created.status).toBe(201);
    const createdBody = (await created.json()) as { path: string; etag: string; size: number; created: boolean };
    expect(createdBody).toMatchObject({ path: "crud/deep/er/hello.ts", size: Buffer.byteLength("export const hello = 'wörld';\n"), created: true });
    expect(created.headers.get("etag")).toBe(createdBody.etag);
    expect(await readFile(onDisk("crud/deep/er/hello.ts"), "utf8")).toBe("export const hello = 'wörld';\n");

    const read = await host.fetch(file("crud/deep/er/hello.ts"));
    expect(read.status).toBe(200);
    expect(read.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(read.headers.get("etag")).toBe(createdBody.etag);
    expect(read.headers.get("content-disposition")).toBeNull();
    expect(await read.text()).toBe("export const hello = 'wörld';\n");

    const replaced = await put("crud/deep/er/hello.ts", "export const hello = 2;\n");
    expect(replaced.status).toBe(200);
    const newEtag = replaced.headers.get("etag");
    expect(newEtag).not.toBe(createdBody.etag);
    expect(await (await host.fetch(file("crud/deep/er/hello.ts"))).text()).toBe("export const hello = 2;\n");

    expect((await host.fetch(file("crud/deep/er/hello.ts"), { method: "DELETE" })).status).toBe(204);
    expect(await exists("crud/deep/er/hello.ts")).toBe(false);
    expect((await host.fetch(file("crud/deep/er/hello.ts"))).status).toBe(404);
  });

  it("makes every write visible to the very next read (no cache), also for changes made on disk", async () => {
    for (let i = 0; i < 5; i++) {
      await put("fresh.txt", `version ${i}`);
      expect(await (await host.fetch(file("fresh.txt"))).text()).toBe(`version ${i}`);
    }
    await writeFile(onDisk("fresh.txt"), "edited on disk");
    expect(await (await host.fetch(file("fresh.txt"))).text()).toBe("edited on disk");
  });

  it("stores the exact bytes, and serves a binary file as a download with its content type", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))]);
    expect((await put("assets/logo.png", png)).status).toBe(201);
    expect((await readFile(onDisk("assets/logo.png"))).equals(png)).toBe(true);
    const read = await host.fetch(file("assets/logo.png"));
    expect(read.headers.get("content-type")).toBe("image/png");
    expect(read.headers.get("content-disposition")).toBe("attachment; filename=logo.png");
    expect(Buffer.from(await read.arrayBuffer()).equals(png)).toBe(true);

    await put("assets/data.weird", Buffer.from([0, 1, 2, 255]));
    const unknown = await host.fetch(file("assets/data.weird"));
    expect(unknown.headers.get("content-type")).toBe("application/octet-stream");
  });

  it("serves a small file from the bytes it hashed and a large one as a stream, both exact", async () => {
    for (const size of [64 * 1024 - 1, 64 * 1024, 3 * 1024 * 1024 + 5]) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => 32 + ((i * 31) % 90)));
      const etag = (await put(`sizes/${size}.txt`, bytes)).headers.get("etag");
      const read = await host.fetch(file(`sizes/${size}.txt`));
      expect(read.headers.get("etag")).toBe(etag);
      expect(read.headers.get("content-length")).toBe(String(size));
      expect(read.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(Buffer.from(await read.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it("serves text as UTF-8 text whatever its extension, never as a page", async () => {
    await put("web/page.html", "<script>alert(1)</script>");
    const read = await host.fetch(file("web/page.html"));
    expect(read.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(read.headers.get("x-content-type-options")).toBe("nosniff");
    expect(read.headers.get("content-security-policy")).toContain("sandbox");
    await put("names/naïve café.ts", "// ok");
    expect(await (await host.fetch(file("names/naïve café.ts"))).text()).toBe("// ok");
    expect(await exists("names/naïve café.ts")).toBe(true);
  });

  it("creates an empty file from an empty body, or from none", async () => {
    expect((await put("empty.ts", "")).status).toBe(201);
    expect((await stat(onDisk("empty.ts"))).size).toBe(0);
    expect((await host.fetch(file("no-body.ts"), { method: "PUT" })).status).toBe(201);
    expect((await stat(onDisk("no-body.ts"))).size).toBe(0);
    expect(await (await host.fetch(file("empty.ts"))).text()).toBe("");
  });

  it("answers 304 to If-None-Match with the current ETag", async () => {
    const etag = (await put("cached.ts", "x")).headers.get("etag")!;
    const again = await host.fetch(file("cached.ts"), { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    await put("cached.ts", "y");
    expect((await host.fetch(file("cached.ts"), { headers: { "if-none-match": etag } })).status).toBe(200);
  });

  it("never lets a reader see half a file while it is being replaced", async () => {
    const a = Buffer.alloc(512 * 1024, "a");
    const b = Buffer.alloc(768 * 1024, "b");
    await put("atomic.bin", a);
    const reads: Promise<string>[] = [];
    const writes: Promise<Response>[] = [];
    for (let i = 0; i < 10; i++) {
      writes.push(put("atomic.bin", i % 2 ? a : b));
      reads.push(host.fetch(file("atomic.bin")).then(async (r) => Buffer.from(await r.arrayBuffer()).toString("latin1")));
    }
    await Promise.all(writes);
    for (const text of await Promise.all(reads)) {
      expect(text === a.toString("latin1") || text === b.toString("latin1")).toBe(true);
    }
    expect((await readdir(host.workspaceDir)).filter((n) => n.startsWith(".funcspace-tmp-"))).toEqual([]);
  });

  it("gives the users' mistakes a clear status", async () => {
    await put("mistakes/a.ts", "a");
    const missing = await host.fetch(file("mistakes/nope.ts"));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found", message: 'There is no file "mistakes/nope.ts" in the workspace.' });
    expect((await host.fetch(file("mistakes/nope.ts"), { method: "DELETE" })).status).toBe(404);
    expect(await (await host.fetch(file("mistakes"))).json()).toMatchObject({ error: "not_a_file" });
    expect((await put("mistakes", "x")).status).toBe(409);
    expect(await (await put("mistakes/a.ts/b.ts", "x")).json()).toMatchObject({ error: "parent_is_file" });
    expect((await host.fetch(file("mistakes"), { method: "DELETE" })).status).toBe(409);
    const reserved = await put("mistakes/.DS_Store", "x");
    expect(reserved.status).toBe(400);
    expect(await reserved.json()).toMatchObject({ error: "reserved_name" });
    expect(await exists("mistakes/.DS_Store")).toBe(false);
  });
});

describe("folders", () => {
  it("creates a folder (with parents), lists it, refuses a second create, and deletes it when empty", async () => {
    const created = await json("/api/workspace/folders", { path: "folders/new/inner" });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ path: "folders/new/inner" });
    expect((await stat(onDisk("folders/new/inner"))).isDirectory()).toBe(true);
    const again = await json("/api/workspace/folders", { path: "folders/new/inner" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "already_exists" });

    const tree = (await (await host.fetch("/api/workspace/tree")).json()) as { root: { children: { name: string; type: string; children?: unknown[] }[] } };
    expect(tree.root.children.find((c) => c.name === "folders")).toMatchObject({ type: "folder", children: [{ name: "new", type: "folder" }] });

    expect((await host.fetch("/api/workspace/folders/folders/new/inner", { method: "DELETE" })).status).toBe(204);
    expect(await exists("folders/new/inner")).toBe(false);
    expect(await exists("folders/new")).toBe(true);
  });

  it("deletes a non-empty folder only with ?recursive=true", async () => {
    await put("full/a.ts", "a");
    await put("full/sub/b.ts", "b");
    const refused = await host.fetch("/api/workspace/folders/full", { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: "folder_not_empty", entries: 2 });
    expect(await exists("full/sub/b.ts")).toBe(true);
    expect((await host.fetch("/api/workspace/folders/full?recursive=maybe", { method: "DELETE" })).status).toBe(400);
    expect((await host.fetch("/api/workspace/folders/full?recursive=true", { method: "DELETE" })).status).toBe(204);
    expect(await exists("full")).toBe(false);
  });

  it("treats a folder holding only file-manager noise as empty", async () => {
    await mkdir(onDisk("noisy"));
    await writeFile(onDisk("noisy/.DS_Store"), "x");
    await writeFile(onDisk("noisy/._x"), "x");
    expect((await host.fetch("/api/workspace/folders/noisy", { method: "DELETE" })).status).toBe(204);
    expect(await exists("noisy")).toBe(false);
  });

  it("answers 404 for a missing folder, 409 for a file, 400 for the workspace root", async () => {
    expect((await host.fetch("/api/workspace/folders/ghost", { method: "DELETE" })).status).toBe(404);
    await put("plain.ts", "x");
    expect(await (await host.fetch("/api/workspace/folders/plain.ts", { method: "DELETE" })).json()).toMatchObject({ error: "not_a_folder" });
    expect((await host.fetch("/api/workspace/folders/", { method: "DELETE" })).status).toBe(400);
    expect(await exists("plain.ts")).toBe(true);
  });

  it("refuses bad JSON bodies with a 400 that shows what to send", async () => {
    for (const body of ["", "{not json", "[1,2]", "null", '"text"', JSON.stringify({ path: 42 }), JSON.stringify({ folder: "x" })]) {
      const response = await json("/api/workspace/folders", body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain('{"path": "workflows/reports"}');
    }
  });
});

describe("move", () => {
  it("renames a file, creating the target's folders, and keeps its content and ETag", async () => {
    const etag = (await put("mv/a.ts", "content a")).headers.get("etag");
    const moved = await json("/api/workspace/move", { from: "mv/a.ts", to: "mv/renamed/b.ts" });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({ from: "mv/a.ts", to: "mv/renamed/b.ts", type: "file", replaced: false });
    expect(await exists("mv/a.ts")).toBe(false);
    const read = await host.fetch(file("mv/renamed/b.ts"));
    expect(read.headers.get("etag")).toBe(etag);
    expect(await read.text()).toBe("content a");
  });

  it("moves a folder with everything in it", async () => {
    await put("mvdir/src/x.ts", "x");
    await put("mvdir/src/deep/y.ts", "y");
    expect((await json("/api/workspace/move", { from: "mvdir/src", to: "mvdir/lib" })).status).toBe(200);
    expect(await readFile(onDisk("mvdir/lib/deep/y.ts"), "utf8")).toBe("y");
    expect(await exists("mvdir/src")).toBe(false);
  });

  it("refuses to replace an existing target without overwrite (409), and replaces it with overwrite", async () => {
    await put("mvx/a.ts", "a");
    await put("mvx/b.ts", "b");
    const refused = await json("/api/workspace/move", { from: "mvx/a.ts", to: "mvx/b.ts" });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: "target_exists", path: "mvx/b.ts" });
    expect(await readFile(onDisk("mvx/b.ts"), "utf8")).toBe("b");
    expect(await readFile(onDisk("mvx/a.ts"), "utf8")).toBe("a");

    const replaced = await json("/api/workspace/move", { from: "mvx/a.ts", to: "mvx/b.ts", overwrite: true });
    expect(await replaced.json()).toMatchObject({ replaced: true });
    expect(await readFile(onDisk("mvx/b.ts"), "utf8")).toBe("a");
    expect(await exists("mvx/a.ts")).toBe(false);

    await put("mvx/dir/inner.ts", "i");
    await put("mvx/other/keep.ts", "k");
    expect((await json("/api/workspace/move", { from: "mvx/dir", to: "mvx/other" })).status).toBe(409);
    expect((await json("/api/workspace/move", { from: "mvx/dir", to: "mvx/other", overwrite: true })).status).toBe(200);
    expect(await readdir(onDisk("mvx/other"))).toEqual(["inner.ts"]);
  });

  it("answers 404 for a missing source, 400 for moving into itself or onto itself, 400 for bad bodies", async () => {
    await put("mvy/d/f.ts", "f");
    expect(await (await json("/api/workspace/move", { from: "mvy/none.ts", to: "mvy/x.ts" })).json()).toMatchObject({ error: "not_found" });
    expect(await (await json("/api/workspace/move", { from: "mvy/d", to: "mvy/d/sub" })).json()).toMatchObject({ error: "move_into_itself" });
    expect(await (await json("/api/workspace/move", { from: "mvy/d", to: "mvy/d/" })).json()).toMatchObject({ error: "same_path" });
    for (const body of ["{", JSON.stringify({ from: "mvy/d" }), JSON.stringify({ from: "mvy/d", to: 1 }), JSON.stringify({ from: "mvy/d", to: "e", overwrite: "yes" })]) {
      const response = await json("/api/workspace/move", body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_body" });
    }
    expect(await readFile(onDisk("mvy/d/f.ts"), "utf8")).toBe("f");
  });
});

describe("letter case (one name on Azure Files)", () => {
  const names = async (p: string) => (await readdir(onDisk(p))).sort();
  const children = async (p: string) => {
    const tree = (await (await host.fetch("/api/workspace/tree")).json()) as { root: FolderNode };
    let node = tree.root;
    for (const name of p.split("/")) node = node.children.find((c) => c.name === name) as FolderNode;
    return node.children.map((c) => c.name).sort();
  };

  it("refuses a file or folder whose name differs from an existing one's by letter case only (409), and writes to the exact spelling", async () => {
    await put("cs/README.md", "upper");
    await put("cs/src/x.ts", "x");
    const twin = await put("cs/readme.md", "lower");
    expect(twin.status).toBe(409);
    const body = (await twin.json()) as { error: string; path: string; existing: string; message: string };
    expect(body).toMatchObject({ error: "case_conflict", path: "cs/readme.md", existing: "cs/README.md" });
    expect(body.message).toContain('Use "cs/README.md"');
    expect(await readFile(onDisk("cs/README.md"), "utf8")).toBe("upper");
    expect((await put("cs/README.md", "upper, again")).status).toBe(200);

    const inFolder = await put("cs/Src/y.ts", "y");
    expect(inFolder.status).toBe(409);
    const inFolderBody = (await inFolder.json()) as { existing: string; message: string };
    expect(inFolderBody).toMatchObject({ existing: "cs/src" });
    expect(inFolderBody.message).toContain('Use "cs/src/y.ts"');
    for (const folder of ["cs/SRC", "cs/Src/deeper", "cs/readme.MD"]) {
      const refused = await json("/api/workspace/folders", { path: folder });
      expect(refused.status, folder).toBe(409);
      expect(await refused.json(), folder).toMatchObject({ error: "case_conflict" });
    }
    // Nothing was left behind: no second spelling, no folder made for the refused upload, no temp file.
    expect(await names("cs")).toEqual(["README.md", "src"]);
    expect(await names("cs/src")).toEqual(["x.ts"]);
    expect(await readFile(onDisk("cs/README.md"), "utf8")).toBe("upper, again");
  });

  it("lets only one of two concurrent creates of one name in two spellings succeed", async () => {
    for (let i = 0; i < 5; i++) {
      const files = await Promise.all([put(`race${i}/a.txt`, "a"), put(`race${i}/A.txt`, "A")]);
      expect(files.map((r) => r.status).sort(), `race${i}`).toEqual([201, 409]);
      expect(await names(`race${i}`)).toHaveLength(1);
      // New folders on the way: made under the lock, so the second upload sees the first one's.
      const deep = await Promise.all([put(`race${i}/Sub/a.ts`, "a"), put(`race${i}/sub/b.ts`, "b")]);
      expect(deep.map((r) => r.status).sort(), `race${i}/sub`).toEqual([201, 409]);
      const folders = await Promise.all([json("/api/workspace/folders", { path: `race${i}/Docs` }), json("/api/workspace/folders", { path: `race${i}/docs` })]);
      expect(folders.map((r) => r.status).sort(), `race${i}/docs`).toEqual([201, 409]);
      expect(await names(`race${i}`)).toHaveLength(3);
    }
  });

  it("renames a file or a folder by letter case only, keeping its content, and lists the new spelling", async () => {
    const etag = (await put("case/README.md", "readme")).headers.get("etag");
    await put("case/Dir/File.txt", "file");
    await put("case/Dir/Sub/deep.txt", "deep");
    const file = await json("/api/workspace/move", { from: "case/README.md", to: "case/readme.md" });
    expect(file.status).toBe(200);
    expect(await file.json()).toEqual({ from: "case/README.md", to: "case/readme.md", type: "file", replaced: false });
    const folder = await json("/api/workspace/move", { from: "case/Dir", to: "case/dir" });
    expect(await folder.json()).toEqual({ from: "case/Dir", to: "case/dir", type: "folder", replaced: false });
    expect(await names("case")).toEqual(["dir", "readme.md"]);
    expect(await children("case")).toEqual(["dir", "readme.md"]);
    expect((await host.fetch(`/api/workspace/files/case/readme.md`)).headers.get("etag")).toBe(etag);
    expect(await readFile(onDisk("case/dir/File.txt"), "utf8")).toBe("file");
    expect(await readFile(onDisk("case/dir/Sub/deep.txt"), "utf8")).toBe("deep");
  });

  it("refuses a move onto another spelling of an existing entry, even with overwrite", async () => {
    await put("mvc/src/a.ts", "a");
    await put("mvc/b.ts", "b");
    await put("mvc/Dir/c.ts", "c");
    for (const [to, existing] of [
      ["mvc/SRC/b.ts", "mvc/src"],
      ["mvc/src/A.ts", "mvc/src/a.ts"],
      ["mvc/dir", "mvc/Dir"],
    ]) {
      for (const overwrite of [false, true]) {
        const refused = await json("/api/workspace/move", { from: "mvc/b.ts", to, overwrite });
        expect(refused.status, to).toBe(409);
        expect(await refused.json(), to).toMatchObject({ error: "case_conflict", path: to, existing });
      }
    }
    // A case-only rename of a folder on the way is not a rename of the entry: rename the folder itself.
    const parent = await json("/api/workspace/move", { from: "mvc/Dir/c.ts", to: "mvc/dir/c.ts" });
    expect(await parent.json()).toMatchObject({ error: "case_conflict", existing: "mvc/Dir" });
    expect(await (await json("/api/workspace/move", { from: "mvc/Dir", to: "mvc/dir/Dir" })).json()).toMatchObject({ error: "move_into_itself" });
    expect(await names("mvc")).toEqual(["Dir", "b.ts", "src"]);
    expect(await names("mvc/src")).toEqual(["a.ts"]);
    expect(await readFile(onDisk("mvc/src/a.ts"), "utf8")).toBe("a");
    expect(await readFile(onDisk("mvc/b.ts"), "utf8")).toBe("b");
  });

  it("on a disk that holds two spellings already, renames only onto a free one and treats the other as any existing target", async () => {
    // Made behind the API's back (a case-sensitive disk, as on a laptop).
    await mkdir(onDisk("twins"));
    await writeFile(onDisk("twins/README.md"), "upper");
    await writeFile(onDisk("twins/Readme.md"), "title");
    const third = await json("/api/workspace/move", { from: "twins/README.md", to: "twins/readme.md" });
    expect(await third.json()).toMatchObject({ error: "case_conflict", existing: "twins/Readme.md" });
    expect(await (await json("/api/workspace/move", { from: "twins/README.md", to: "twins/Readme.md" })).json()).toMatchObject({ error: "target_exists" });
    const replaced = await json("/api/workspace/move", { from: "twins/README.md", to: "twins/Readme.md", overwrite: true });
    expect(await replaced.json()).toMatchObject({ replaced: true });
    expect(await names("twins")).toEqual(["Readme.md"]);
    expect(await readFile(onDisk("twins/Readme.md"), "utf8")).toBe("upper");
  });
});

describe("roles", () => {
  it("lets readers read and only admins write", async () => {
    const swa = await startTestHost({ enableQueues: false, env: { AUTH_MODE: "swa" } });
    try {
      const reader = { "x-ms-client-principal": swaPrincipalHeader(["reader"]) };
      const admin = { "x-ms-client-principal": swaPrincipalHeader(["admin"]) };
      expect((await swa.fetch("/api/workspace/tree")).status).toBe(401);
      expect((await swa.fetch("/api/workspace/files/a.ts", { method: "PUT", body: "x", headers: reader })).status).toBe(403);
      expect((await swa.fetch("/api/workspace/files/a.ts", { method: "PUT", body: "x", headers: admin })).status).toBe(201);
      expect((await swa.fetch("/api/workspace/files/a.ts", { headers: reader })).status).toBe(200);
      expect((await swa.fetch("/api/workspace/tree", { headers: reader })).status).toBe(200);
      expect((await swa.fetch("/api/workspace/zip", { headers: reader })).status).toBe(200);
      const writes: [string, RequestInit][] = [
        ["/api/workspace/files/a.ts", { method: "DELETE" }],
        ["/api/workspace/folders", { method: "POST", body: '{"path":"d"}' }],
        ["/api/workspace/folders/d", { method: "DELETE" }],
        ["/api/workspace/move", { method: "POST", body: '{"from":"a.ts","to":"b.ts"}' }],
      ];
      for (const [route, init] of writes) expect((await swa.fetch(route, { ...init, headers: reader })).status).toBe(403);
      expect(await readFile(path.join(swa.workspaceDir, "a.ts"), "utf8")).toBe("x");
    } finally {
      await swa.close();
    }
  });
});
