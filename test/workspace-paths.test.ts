// Hostile paths through every route, as raw URLs (sent with node:http, so no client normalises them first)
// and inside JSON bodies: each is refused, and nothing outside the workspace is read, written or removed.
import { request } from "node:http";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "./support/test-host.js";

let host: TestHost;
let outside: string;
let root: string;
const SECRET = "do not read, do not overwrite";

beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
  root = path.dirname(host.workspaceDir);
  outside = path.join(root, "outside");
  await mkdir(outside);
  await writeFile(path.join(outside, "secret.txt"), SECRET);
  await writeFile(path.join(host.workspaceDir, "inside.txt"), "inside");
  await mkdir(path.join(host.workspaceDir, "src"));
  await symlink(outside, path.join(host.workspaceDir, "out"));
  await symlink(path.join(outside, "secret.txt"), path.join(host.workspaceDir, "src", "secret-link.txt"));
  await symlink(path.join(outside, "not-there-yet"), path.join(host.workspaceDir, "dangling"));
});
afterAll(async () => {
  await host.close();
});

/** Everything outside the workspace folder that a traversal could reach: its siblings, with content. */
async function snapshotOutside(): Promise<string> {
  const names = (await readdir(root, { recursive: true })).filter((n) => !n.startsWith("workspace")).sort();
  const contents = await Promise.all(
    names.map(async (n) => `${n}:${await readFile(path.join(root, n), "utf8").catch((e: NodeJS.ErrnoException) => e.code)}`),
  );
  return contents.join("\n");
}

function raw(method: string, rawPath: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(host.url);
    const req = request({ host: url.hostname, port: url.port, method, path: rawPath, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body ?? (method === "PUT" ? SECRET.toUpperCase() : undefined));
  });
}

// Reach the route's handler after the one decoding of the URL, and must be refused there with a 400.
const refusedByTheHandler = [
  "..%2f..%2fetc%2fpasswd",
  "..%2F..%2F..%2Foutside%2Fsecret.txt",
  "%2e%2e%2f%2e%2e%2foutside%2fsecret.txt",
  "src/..%2f..%2foutside%2fsecret.txt",
  "%252e%252e/%252e%252e/outside/secret.txt",
  "%25252e%25252e%252f/outside",
  "..%5c..%5coutside%5csecret.txt",
  "%2e%2e%5c%2e%2e%5coutside",
  "%2fetc%2fpasswd",
  "%2f%2f..%2foutside",
  "C:%5cWindows%5cwin.ini",
  "C:/Windows/win.ini",
  "a%00.txt",
  "inside.txt%00.png",
  "a%0ab.txt",
  "a%0d%0aSet-Cookie:x=1",
  "a%7fb",
  "%c0%ae%c0%ae/%c0%ae%c0%ae/outside/secret.txt",
  "%c0%af..%c0%afoutside",
  "%u002e%u002e/%u002e%u002e/outside",
  "%e0%80%ae%e0%80%ae/outside",
  `${"x".repeat(256)}.txt`,
  `${"%C3%A9".repeat(128)}.txt`,
  `${"deep/".repeat(205)}x.txt`,
  "out/secret.txt",
  "out/new-file.txt",
  "src/secret-link.txt",
  "dangling",
  "dangling/x.txt",
  "",
];

// Dot segments are resolved by the URL parser (RFC 3986 §5.2.4) before any routing, so these never reach a
// handler as a traversal: they land on another route or on nothing. They must still touch nothing outside.
const resolvedByTheUrlParser = [
  "../../outside/secret.txt",
  "../../../../../../etc/passwd",
  "%2e%2e/%2e%2e/%2e%2e/outside/secret.txt",
  ".%2e/.%2e/.%2e/outside/secret.txt",
  "%2E%2E/%2E%2E/%2e%2E/outside",
  "..\\..\\..\\outside\\secret.txt",
  "src/../../../../outside/secret.txt",
];

describe("hostile paths", () => {
  it("has a table of at least 30 hostile URLs", () => {
    expect(refusedByTheHandler.length + resolvedByTheUrlParser.length).toBeGreaterThanOrEqual(30);
  });

  it.each(refusedByTheHandler)("refuses %j on every file route with 400, touching nothing outside", async (hostile) => {
    const before = await snapshotOutside();
    for (const [method, prefix] of [["GET", "files"], ["PUT", "files"], ["DELETE", "files"], ["DELETE", "folders"]] as const) {
      const response = await raw(method, `/api/workspace/${prefix}/${hostile}`);
      expect(response.status, `${method} ${prefix}/${hostile}`).toBe(400);
      const body = JSON.parse(response.body) as { error: string; message: string };
      expect(body.error).toBe("invalid_path");
      expect(body.message).not.toContain(SECRET);
    }
    expect(await snapshotOutside()).toBe(before);
  });

  it.each(resolvedByTheUrlParser)("keeps %j away from the outside (never 2xx there, nothing touched)", async (hostile) => {
    const before = await snapshotOutside();
    for (const method of ["GET", "PUT", "DELETE"]) {
      const response = await raw(method, `/api/workspace/files/${hostile}`);
      expect(response.status, `${method} ${hostile}`).toBeGreaterThanOrEqual(400);
      expect(response.body).not.toContain(SECRET);
    }
    expect(await snapshotOutside()).toBe(before);
  });

  // The same hostile names inside JSON bodies, where no URL parser stands in between.
  const hostileJson = [
    "..", "../outside/secret.txt", "src/../../outside", "./inside.txt", "/etc/passwd", "\\outside", "..\\outside",
    "C:\\x", "C:/x", "%2e%2e/outside", "..%2foutside", "a\u0000b", "a\nb", "", "a//b", "x".repeat(256),
    `${"a/".repeat(600)}b`, "out/secret.txt", "out/x", "dangling/x", "%c0%ae%c0%ae/outside", "%u002e%u002e",
    ".", "src/.", "../", "src/..", "..%5coutside", "a\u007f", "\\\\server\\share", "%00",
  ];

  it.each(hostileJson)("refuses %j in move and folder bodies with 400, touching nothing outside", async (hostile) => {
    const before = await snapshotOutside();
    const bodies: [string, unknown][] = [
      ["/api/workspace/move", { from: "inside.txt", to: hostile }],
      ["/api/workspace/move", { from: hostile, to: "stolen.txt" }],
      ["/api/workspace/folders", { path: hostile }],
    ];
    for (const [route, body] of bodies) {
      const response = await raw("POST", route, JSON.stringify(body));
      expect(response.status, `${route} ${JSON.stringify(body)}`).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: "invalid_path" });
    }
    expect(await snapshotOutside()).toBe(before);
    expect(await readFile(path.join(host.workspaceDir, "inside.txt"), "utf8")).toBe("inside");
  });

  it("leaves symbolic links out of the tree and the zip, so nothing outside leaks through them", async () => {
    const tree = await (await host.fetch("/api/workspace/tree")).text();
    expect(tree).not.toContain("secret");
    expect(tree).not.toContain('"out"');
    const zip = Buffer.from(await (await host.fetch("/api/workspace/zip")).arrayBuffer());
    expect(zip.includes("secret")).toBe(false);
    expect(zip.includes("inside.txt")).toBe(true);
  });

  it("refuses a recursive delete through a link to the outside", async () => {
    const before = await snapshotOutside();
    expect((await raw("DELETE", "/api/workspace/folders/out?recursive=true")).status).toBe(400);
    expect(await snapshotOutside()).toBe(before);
  });
});
