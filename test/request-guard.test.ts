// The browser holes of a loopback server, probed as a hostile page would: cross-site POSTs (fetch metadata and
// Origin), `text/plain` and form bodies on JSON routes, a foreign Host (DNS rebinding). Each is refused with
// nothing changed on disk or in tables; the same requests from funcspace's own pages go through.
import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "./support/test-host.js";

describe("request guard (npm start, AUTH_MODE=local)", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ enableQueues: false });
  });
  afterAll(() => host?.close());

  const workspaceFiles = () => readdir(host.workspaceDir);
  const runs = async () => (await host.fetch("/api/runs").then((r) => r.json()) as { runs: unknown[] }).runs.length;

  it.each([
    ["a cross-site page (Sec-Fetch-Site)", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
    ["a same-site sibling (Sec-Fetch-Site)", { "sec-fetch-site": "same-site", origin: "http://evil.localhost:7071" }],
    ["a foreign Origin without fetch metadata", { origin: "https://evil.example" }],
    ["an opaque origin (sandboxed frame, file://)", { origin: "null" }],
  ])("refuses every unsafe method from %s, changing nothing", async (_label, headers) => {
    const before = await workspaceFiles();
    const attempts = [
      host.fetch("/api/workspace/files/pwn.ts", { method: "PUT", headers, body: "export default 1" }),
      host.fetch("/api/workspace/folders", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: '{"path":"pwn"}' }),
      host.fetch("/api/workspace/move", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: '{"from":"a","to":"b"}' }),
      host.fetch("/api/github/connection", {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ kind: "pat", token: "ghp_x", repository: "evil/repo", branch: "main" }),
      }),
      host.fetch("/api/github/app/manifest", { method: "POST", headers }),
      host.fetch("/api/github/connect", { method: "POST", headers }),
      host.fetch("/api/github/connection", { method: "DELETE", headers }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: "cross_site" });
    }
    expect(await workspaceFiles()).toEqual(before);
    expect((await host.fetch("/api/github/connection").then((r) => r.json())) as object).toEqual({ connected: false });
  });

  it("refuses text/plain and form bodies on JSON routes (a cross-site form needs no preflight)", async () => {
    const before = await runs();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const folder = await host.fetch("/api/workspace/folders", { method: "POST", headers: { "content-type": type }, body: '{"path":"pwn"}' });
      expect(folder.status).toBe(415);
      expect(await folder.json()).toMatchObject({ error: "json_required" });
      const run = await host.fetch("/api/workflows/x/runs", { method: "POST", headers: { "content-type": type }, body: '{"params":{}}' });
      expect(run.status).toBe(415);
    }
    const bare = await host.fetch("/api/workspace/folders", { method: "POST", body: '{"path":"pwn"}', headers: { "content-type": "" } });
    expect(bare.status).toBe(415);
    await expect(access(path.join(host.workspaceDir, "pwn"))).rejects.toThrow();
    expect(await runs()).toBe(before);
  });

  it("answers 421 to a Host it does not serve (DNS rebinding), on every route", async () => {
    const { request } = await import("node:http");
    const url = new URL(host.url);
    const status = (method: string, route: string, hostHeader: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, method, path: route, headers: { host: hostHeader, "content-type": "application/json" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end(method === "GET" ? undefined : '{"path":"rebound"}');
      });
    for (const hostHeader of ["evil.example", `evil.example:${url.port}`, "127.0.0.1.evil.example", "localhost.evil"]) {
      expect(await status("GET", "/api/workspace/tree", hostHeader)).toBe(421);
      expect(await status("POST", "/api/workspace/folders", hostHeader)).toBe(421);
      expect(await status("GET", "/api/health", hostHeader)).toBe(421);
    }
    await expect(access(path.join(host.workspaceDir, "rebound"))).rejects.toThrow();
    for (const hostHeader of [`127.0.0.1:${url.port}`, `localhost:${url.port}`, `[::1]:${url.port}`]) {
      expect(await status("GET", "/api/workspace/tree", hostHeader)).toBe(200);
    }
  });

  it("lets funcspace's own pages through (same-origin fetch metadata, own Origin)", async () => {
    const own = { "sec-fetch-site": "same-origin", origin: host.url, "content-type": "application/json" };
    const created = await host.fetch("/api/workspace/folders", { method: "POST", headers: own, body: '{"path":"mine"}' });
    expect(created.status).toBe(201);
    const typed = await host.fetch("/api/workspace/files/mine/a.ts", { method: "PUT", headers: { "sec-fetch-site": "same-origin", origin: host.url }, body: "x" });
    expect(typed.status).toBe(201);
  });

  it("puts the security headers on every API answer, errors included", async () => {
    for (const response of [await host.fetch("/api/workspace/tree"), await host.fetch("/api/workspace/files/missing.txt"), await host.fetch("/api/health")]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("answers anonymous health with up or down only; no GET starts a GitHub flow", async () => {
    for (const route of ["/api/github/app/manifest", "/api/github/connect"]) {
      expect((await host.fetch(route, { redirect: "manual" })).status).toBe(405);
    }
  });
});

describe("request guard behind https (AUTH_MODE=github)", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ enableQueues: false, env: { AUTH_MODE: "github", PUBLIC_URL: "https://funcspace.example.com" } });
  });
  afterAll(() => host?.close());

  it("refuses the http:// twin of the https origin (a network attacker's page), and takes the https one", async () => {
    const post = (origin: string) =>
      host.fetch("/api/auth/setup", { method: "POST", headers: { origin, "content-type": "application/json", host: "funcspace.example.com" }, body: '{"code":"x"}' });
    const twin = await post("http://funcspace.example.com");
    expect(twin.status).toBe(403);
    expect(await twin.json()).toMatchObject({ error: "cross_site" });
    expect((await post("https://funcspace.example.com")).status).toBe(403); // past the guard: the code is wrong
    expect(await (await post("https://funcspace.example.com")).json()).toMatchObject({ error: "invalid_setup_code" });
  });
});
