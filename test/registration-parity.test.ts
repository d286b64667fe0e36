// Both hosts serve the same triggers: what functions/index.ts registers with the Functions host equals what
// the local host serves, and every trigger declared in functions/ is in the list.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { app } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Trigger } from "../functions/define.js";
import { triggers } from "../functions/triggers.js";
import { createTempDir } from "./support/temp-dir.js";
import { startTestHost } from "./support/test-host.js";
import { useTestStorage } from "./support/storage.js";

const registered: { kind: string; name: string; route?: string; methods?: string[]; queueName?: string; schedule?: string }[] = [];
let dir: Awaited<ReturnType<typeof createTempDir>>;

beforeAll(async () => {
  dir = await createTempDir();
  const { mkdir } = await import("node:fs/promises");
  await mkdir(`${dir.path}/workspace`);
  await mkdir(`${dir.path}/tmp`);
  vi.stubEnv("WORKSPACE_DIR", `${dir.path}/workspace`);
  vi.stubEnv("TEMP_DIR", `${dir.path}/tmp`);
  // The container default is AUTH_MODE=swa, refused outside Azure unless named as the local emulator.
  vi.stubEnv("AUTH_SWA_EMULATOR", "true");
  vi.stubEnv("AzureWebJobsStorage", (await useTestStorage()).connectionString);
  vi.spyOn(app, "setup").mockImplementation(() => undefined);
  vi.spyOn(app, "http").mockImplementation((name, options) => {
    registered.push({ kind: "http", name, route: options.route, methods: options.methods });
  });
  vi.spyOn(app, "storageQueue").mockImplementation((name, options) => {
    registered.push({ kind: "queue", name, queueName: options.queueName });
  });
  vi.spyOn(app, "timer").mockImplementation((name, options) => {
    registered.push({ kind: "timer", name, schedule: options.schedule });
  });
  await import("../functions/index.js");
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await dir.cleanup();
});

describe("trigger registration", () => {
  it("registers every declared trigger with the Functions host, once", () => {
    expect(registered.map((r) => r.name).sort()).toEqual(triggers.map((t) => t.name).sort());
    expect(new Set(registered.map((r) => r.name)).size).toBe(registered.length);
  });

  it("serves exactly the registered routes, queues and timers on the local host", async () => {
    const host = await startTestHost({ enableQueues: false });
    try {
      const functionsRoutes = registered
        .filter((r) => r.kind === "http")
        .map((r) => `${[...(r.methods ?? [])].sort().join(",")} /api/${r.route}`)
        .sort();
      const localRoutes = host.host.routes.map((r) => `${[...r.methods].sort().join(",")} ${r.path}`).sort();
      expect(localRoutes).toEqual(functionsRoutes);
      expect(host.host.queues.sort()).toEqual(registered.filter((r) => r.kind === "queue").map((r) => r.queueName).sort());
      expect(host.host.timers.map((t) => `${t.name} ${t.schedule}`).sort()).toEqual(
        registered.filter((r) => r.kind === "timer").map((r) => `${r.name} ${r.schedule}`).sort(),
      );
    } finally {
      await host.close();
    }
  });

  it("lists every trigger that a module in functions/ declares", async () => {
    const folder = fileURLToPath(new URL("../functions/", import.meta.url));
    const declared: Trigger[] = [];
    for (const file of await readdir(folder)) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts") || file === "index.ts") continue;
      const module = (await import(pathToFileURL(path.join(folder, file)).href)) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        if (value && typeof value === "object" && ["http", "queue", "timer"].includes((value as Trigger).kind)) {
          declared.push(value as Trigger);
        }
      }
    }
    expect(declared.length).toBeGreaterThan(0);
    for (const trigger of declared) expect(triggers, `${trigger.name} is declared but not in functions/triggers.ts`).toContain(trigger);
  });

  it("gives every HTTP route a role", () => {
    for (const trigger of triggers) {
      if (trigger.kind === "http") expect(["anonymous", "signedIn", "reader", "operator", "admin"]).toContain(trigger.role);
    }
  });
});
