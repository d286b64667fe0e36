// The Functions host's entry (functions/index.ts) fails closed: in an Azure-like environment whose App Service
// authentication is off, AUTH_MODE=swa stops the import with the fix in the message, before any trigger is
// registered; with authentication on, it registers them.
import { mkdir } from "node:fs/promises";
import { app } from "@azure/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTempDir } from "./support/temp-dir.js";
import { useTestStorage } from "./support/storage.js";

let dir: Awaited<ReturnType<typeof createTempDir>>;
const registered: string[] = [];

beforeAll(async () => {
  dir = await createTempDir();
  await mkdir(`${dir.path}/workspace`);
  await mkdir(`${dir.path}/tmp`);
  vi.spyOn(app, "setup").mockImplementation(() => undefined);
  vi.spyOn(app, "http").mockImplementation((name) => void registered.push(name));
  vi.spyOn(app, "storageQueue").mockImplementation((name) => void registered.push(name));
  vi.spyOn(app, "timer").mockImplementation((name) => void registered.push(name));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await dir.cleanup();
});
beforeEach(async () => {
  vi.resetModules();
  registered.length = 0;
  vi.unstubAllEnvs();
  vi.stubEnv("WORKSPACE_DIR", `${dir.path}/workspace`);
  vi.stubEnv("TEMP_DIR", `${dir.path}/tmp`);
  vi.stubEnv("AzureWebJobsStorage", (await useTestStorage()).connectionString);
  vi.stubEnv("AUTH_MODE", "swa");
  vi.stubEnv("AUTH_SWA_EMULATOR", "");
  vi.stubEnv("WEBSITE_SITE_NAME", "funcspace-fn");
  vi.stubEnv("WEBSITE_HOSTNAME", "funcspace-fn.azurewebsites.net");
});

describe("functions/index.ts start-up", () => {
  it("refuses AUTH_MODE=swa in Azure without App Service authentication, registering nothing", async () => {
    await expect(import("../functions/index.js")).rejects.toThrow(/needs App Service authentication/);
    expect(registered).toEqual([]);
  });

  it("refuses AUTH_MODE=local in the container", async () => {
    vi.stubEnv("AUTH_MODE", "local");
    await expect(import("../functions/index.js")).rejects.toThrow(/only for `npm start` on loopback/);
    expect(registered).toEqual([]);
  });

  it("starts when App Service authentication is on", async () => {
    vi.stubEnv("WEBSITE_AUTH_ENABLED", "True");
    await import("../functions/index.js");
    expect(registered).toContain("health");
    expect(registered).toContain("authMe");
  });
});
