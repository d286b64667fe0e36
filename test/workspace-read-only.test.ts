// While GitHub manages the workspace every mutating route answers 409 read_only and changes nothing; reads
// and the zip keep working; removing the connection record makes the very next write work, on every instance.
import { readdir, readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { connectionRecord } from "./support/github-app-fixtures.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
  await host.fetch("/api/workspace/files/src/main.ts", { method: "PUT", body: "export {};\n" });
  await host.fetch("/api/workspace/files/src/old.ts", { method: "PUT", body: "old" });
  await host.fetch("/api/workspace/folders", { method: "POST", body: JSON.stringify({ path: "empty" }) });
});
afterAll(async () => {
  await host.close();
});

const record = (): ConnectionRecord =>
  connectionRecord({ connectionId: "c-1", kind: "pat", installationId: undefined, repository: "octo-org/workflows", deliveryMode: "polling" });

const mutations: [string, string, RequestInit][] = [
  ["create a file", "/api/workspace/files/src/new.ts", { method: "PUT", body: "new" }],
  ["replace a file", "/api/workspace/files/src/main.ts", { method: "PUT", body: "changed" }],
  ["delete a file", "/api/workspace/files/src/old.ts", { method: "DELETE" }],
  ["create a folder", "/api/workspace/folders", { method: "POST", body: JSON.stringify({ path: "made" }), headers: { "content-type": "application/json" } }],
  ["delete a folder", "/api/workspace/folders/empty", { method: "DELETE" }],
  ["delete a folder recursively", "/api/workspace/folders/src?recursive=true", { method: "DELETE" }],
  ["move a file", "/api/workspace/move", { method: "POST", body: JSON.stringify({ from: "src/old.ts", to: "src/renamed.ts" }), headers: { "content-type": "application/json" } }],
  ["move a folder", "/api/workspace/move", { method: "POST", body: JSON.stringify({ from: "src", to: "lib", overwrite: true }), headers: { "content-type": "application/json" } }],
];

async function snapshot(): Promise<string> {
  const names = (await readdir(host.workspaceDir, { recursive: true })).sort();
  return (await Promise.all(names.map(async (n) => `${n}:${await readFile(`${host.workspaceDir}/${n}`, "utf8").catch(() => "<dir>")}`))).join("\n");
}

describe("read-only guard", () => {
  it("refuses every mutating route with 409 read_only while GitHub is connected, and changes nothing", async () => {
    await host.services.connections.create(record());
    try {
      const before = await snapshot();
      for (const [what, route, init] of mutations) {
        const response = await host.fetch(route, init);
        expect(response.status, what).toBe(409);
        expect(await response.json(), what).toEqual({
          error: "read_only",
          message: "This workspace is managed by GitHub (octo-org/workflows@main). Edit it there, or disconnect GitHub to edit here.",
          repository: "octo-org/workflows",
          branch: "main",
        });
      }
      expect(await snapshot()).toBe(before);
    } finally {
      await host.services.connections.delete();
    }
  });

  it("refuses a large upload with 409 and writes none of it", async () => {
    await host.services.connections.create(record());
    try {
      const response = await host.fetch("/api/workspace/files/big.bin", { method: "PUT", body: new Uint8Array(4 * 1024 * 1024) });
      expect(response.status).toBe(409);
      const names = await readdir(host.workspaceDir, { recursive: true });
      expect(names).not.toContain("big.bin");
      expect(names.filter((n) => n.includes(".funcspace-tmp-"))).toEqual([]);
      // The connection survives the refused upload: the next request on it is answered normally.
      expect((await host.fetch("/api/workspace/tree")).status).toBe(200);
    } finally {
      await host.services.connections.delete();
    }
  });

  it("keeps reads, the tree and the zip working while connected", async () => {
    await host.services.connections.create(record());
    try {
      expect(await (await host.fetch("/api/workspace/files/src/main.ts")).text()).toBe("export {};\n");
      expect((await host.fetch("/api/workspace/tree")).status).toBe(200);
      const zip = await host.fetch("/api/workspace/zip");
      expect(zip.status).toBe(200);
      expect(zip.headers.get("content-type")).toBe("application/zip");
      expect((await zip.arrayBuffer()).byteLength).toBeGreaterThan(0);
    } finally {
      await host.services.connections.delete();
    }
  });

  it("lets the very next write through once the connection record is removed (no cache)", async () => {
    await host.services.connections.create(record());
    expect((await host.fetch("/api/workspace/files/after.ts", { method: "PUT", body: "1" })).status).toBe(409);
    await host.services.connections.delete();
    expect((await host.fetch("/api/workspace/files/after.ts", { method: "PUT", body: "1" })).status).toBe(201);
    await host.services.connections.create(record());
    expect((await host.fetch("/api/workspace/files/after.ts", { method: "PUT", body: "2" })).status).toBe(409);
    await host.services.connections.delete();
    expect(await readFile(`${host.workspaceDir}/after.ts`, "utf8")).toBe("1");
  });

  it("refuses at once a write on one instance after another instance connects, and allows it at once after it disconnects", async () => {
    // A second instance of the app (scale-out): its own process state, the same workspace, state share and tables.
    const other = await startTestHost({ enableQueues: false, env: { WORKSPACE_DIR: host.workspaceDir, TEMP_DIR: host.tempDir } });
    try {
      const put = (body: string) => host.fetch("/api/workspace/files/scaled.ts", { method: "PUT", body });
      expect((await put("1")).status).toBe(201);
      await other.services.connections.create(record());
      expect((await put("2")).status).toBe(409);
      expect((await other.fetch("/api/workspace/files/scaled.ts", { method: "PUT", body: "2" })).status).toBe(409);
      await other.services.connections.delete();
      expect((await put("3")).status).toBe(200);
      expect(await readFile(`${host.workspaceDir}/scaled.ts`, "utf8")).toBe("3");
    } finally {
      await other.services.connections.delete();
      await other.close();
    }
  });
});
