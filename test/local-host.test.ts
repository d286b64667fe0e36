// The local host end to end: routes, auth, streaming, health, against real Azurite and real folders.
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { defineHttp, type Trigger } from "../functions/define.js";
import { triggers as appTriggers } from "../functions/triggers.js";
import { readdir, stat } from "node:fs/promises";
import { makeReadOnly } from "./support/temp-dir.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";

const probeTriggers: Trigger[] = [
  ...appTriggers,
  defineHttp({ name: "open", methods: ["GET"], route: "probe/open", role: "anonymous", handler: async () => ({ jsonBody: { ok: true } }) }),
  defineHttp({ name: "member", methods: ["GET"], route: "probe/member", role: "reader", handler: async (_r, c) => ({ jsonBody: { user: c.principal?.userDetails } }) }),
  defineHttp({ name: "admin", methods: ["POST"], route: "probe/admin", role: "admin", handler: async () => ({ status: 204 }) }),
  defineHttp({
    name: "echo",
    methods: ["PUT"],
    route: "probe/echo/{*path}",
    role: "anonymous",
    body: "bytes",
    handler: async (request) => {
      // Count the body as it streams in: proves the local host hands handlers a stream, not a buffer.
      let bytes = 0;
      let chunks = 0;
      for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        chunks++;
      }
      return { jsonBody: { path: request.params.path, bytes, chunks } };
    },
  }),
  defineHttp({
    name: "stream",
    methods: ["GET"],
    route: "probe/stream",
    role: "anonymous",
    handler: async () => ({
      headers: { "content-type": "text/plain" },
      body: Readable.from((function* () { for (let i = 0; i < 1000; i++) yield Buffer.from(`line ${i}\n`); })()),
    }),
  }),
  defineHttp({ name: "boom", methods: ["GET"], route: "probe/boom", role: "anonymous", handler: async () => { throw new Error("db password=hunter2"); } }),
];

let host: TestHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe("local host", () => {
  it("answers /api/health with 200 and every check listed", async () => {
    host = await startTestHost();
    const bare = await host.fetch("/api/health");
    expect(await bare.json()).toEqual({ status: "up" });
    const response = await host.fetch("/api/health/details");
    expect(response.status).toBe(200);
    const report = (await response.json()) as { status: string; checks: { name: string; status: string; latencyMs: number; message: string }[] };
    expect(report.status).toBe("healthy");
    expect(report.checks.map((c) => c.name)).toEqual(["workspace", "temp", "tableStorage", "queueStorage", "secretStore", "fileShare", "poisonQueues"]);
    for (const check of report.checks) {
      expect(check.status === "pass" || (check.name === "fileShare" && check.status === "not_configured")).toBe(true);
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
      expect(check.message.length).toBeGreaterThan(0);
    }
  });

  it("answers 503 naming the folder when the workspace is read-only", async () => {
    host = await startTestHost();
    await makeReadOnly(host.workspaceDir);
    // Liveness touches nothing: the instance is up, whatever its dependencies say.
    expect((await host.fetch("/api/health")).status).toBe(200);
    const response = await host.fetch("/api/health/details");
    expect(response.status).toBe(503);
    const report = (await response.json()) as { status: string; checks: { name: string; status: string; message: string }[] };
    expect(report.status).toBe("unhealthy");
    const workspace = report.checks.find((c) => c.name === "workspace")!;
    expect(workspace.status).toBe("fail");
    expect(workspace.message).toMatch(new RegExp(`^WORKSPACE_DIR ${host.workspaceDir} is not writable`));
    expect(report.checks.find((c) => c.name === "temp")!.status).toBe("pass");
  });

  it("makes the readiness report at most once per 20 s, coalesces callers, and writes nothing for it", async () => {
    host = await startTestHost();
    const before = await stat(host.workspaceDir);
    const rounds = host.services.health.rounds;
    const answers = await Promise.all(Array.from({ length: 10 }, () => host!.fetch("/api/health/details").then((r) => r.json())));
    expect(host.services.health.rounds).toBe(rounds + 1);
    expect(new Set(answers.map((a: { checkedAt: string }) => a.checkedAt)).size).toBe(1);
    const later = (await (await host.fetch("/api/health/details")).json()) as { checkedAt: string; ageMs: number };
    expect(later.checkedAt).toBe(answers[0].checkedAt);
    expect(host.services.health.rounds).toBe(rounds + 1);
    // Nothing was created in (or removed from) either folder: their modification times did not move.
    const after = await stat(host.workspaceDir);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(host.workspaceDir)).toEqual([]);
  });

  it("serves 404 for unknown routes and 405 with Allow for wrong methods", async () => {
    host = await startTestHost({ triggers: probeTriggers });
    expect((await host.fetch("/api/nothing-here")).status).toBe(404);
    expect((await host.fetch("/elsewhere")).status).toBe(404);
    const wrong = await host.fetch("/api/probe/admin");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect(((await wrong.json()) as { error: string }).error).toBe("method_not_allowed");
  });

  it("enforces route roles with Static Web Apps principals", async () => {
    host = await startTestHost({ triggers: probeTriggers, env: { AUTH_MODE: "swa" } });
    expect((await host.fetch("/api/probe/open")).status).toBe(200);
    const anonymous = await host.fetch("/api/probe/member");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: "unauthorized" });
    const uninvited = await host.fetch("/api/probe/member", { headers: { "x-ms-client-principal": swaPrincipalHeader([]) } });
    expect(uninvited.status).toBe(403);
    expect(await uninvited.json()).toMatchObject({ error: "not_invited" });
    const member = await host.fetch("/api/probe/member", { headers: { "x-ms-client-principal": swaPrincipalHeader(["reader"]) } });
    expect(await member.json()).toEqual({ user: "octocat" });
    const notAdmin = await host.fetch("/api/probe/admin", { method: "POST", headers: { "x-ms-client-principal": swaPrincipalHeader(["operator"]) } });
    expect(notAdmin.status).toBe(403);
    expect(await notAdmin.json()).toMatchObject({ error: "forbidden", requiredRole: "admin" });
    const admin = await host.fetch("/api/probe/admin", { method: "POST", headers: { "x-ms-client-principal": swaPrincipalHeader(["admin"]) } });
    expect(admin.status).toBe(204);
  });

  it("treats the loopback user as admin in local mode", async () => {
    host = await startTestHost({ triggers: probeTriggers });
    expect((await host.fetch("/api/probe/admin", { method: "POST" })).status).toBe(204);
  });

  it("streams request and response bodies", async () => {
    host = await startTestHost({ triggers: probeTriggers });
    const size = 8 * 1024 * 1024;
    const upload = await host.fetch("/api/probe/echo/a/b%20c.ts", { method: "PUT", body: Buffer.alloc(size, 7) });
    const echoed = (await upload.json()) as { path: string; bytes: number; chunks: number };
    expect(echoed.path).toBe("a/b c.ts");
    expect(echoed.bytes).toBe(size);
    expect(echoed.chunks).toBeGreaterThan(1);
    const download = await host.fetch("/api/probe/stream");
    const text = await download.text();
    expect(text.split("\n").filter(Boolean)).toHaveLength(1000);
  });

  it("maps an unknown error to a plain 500 and keeps the detail in the log only", async () => {
    host = await startTestHost({ triggers: probeTriggers });
    const response = await host.fetch("/api/probe/boom");
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain("hunter2");
    expect(JSON.parse(body)).toMatchObject({ error: "internal" });
    expect(host.logs.some((line) => line.includes("request failed") && line.includes("hunter2"))).toBe(true);
  });
});
