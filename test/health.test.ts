// checkHealth against dependencies that are down: each failure named, nothing secret in the report.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { LocalSecretStore } from "../src/azure/local-secret-store.js";
import { createStorageClients } from "../src/azure/storage.js";
import { checkHealth } from "../src/health/check-health.js";
import { createTempDir } from "./support/temp-dir.js";

const deadStorage =
  "DefaultEndpointsProtocol=http;AccountName=nobody;AccountKey=c2VjcmV0LWtleS1kby1ub3QtbGVhaw==;" +
  "QueueEndpoint=http://127.0.0.1:9/nobody;TableEndpoint=http://127.0.0.1:9/nobody;";

describe("checkHealth", () => {
  let dir: Awaited<ReturnType<typeof createTempDir>>;
  beforeEach(async () => {
    dir = await createTempDir();
  });
  afterEach(() => dir.cleanup());

  it("fails storage checks and the missing temp folder, with actionable, secret-free messages", async () => {
    const config = loadConfig(
      { AzureWebJobsStorage: deadStorage, WORKSPACE_DIR: dir.path, TEMP_DIR: `${dir.path}-missing-tmp` },
      { profile: "local" },
    );
    const report = await checkHealth(
      { config, storage: createStorageClients(config.storage), secrets: new LocalSecretStore(`${dir.path}-s/secrets.json`) },
      { timeoutInMs: 1500 },
    );
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(report.status).toBe("unhealthy");
    expect(byName.workspace!.status).toBe("pass");
    expect(byName.temp!.status).toBe("fail");
    expect(byName.temp!.message).toBe(`TEMP_DIR ${dir.path}-missing-tmp does not exist`);
    expect(byName.tableStorage!.status).toBe("fail");
    expect(byName.tableStorage!.message).toMatch(/^Table storage is unavailable: /);
    expect(byName.queueStorage!.status).toBe("fail");
    expect(byName.queueStorage!.message).toMatch(/^Queue storage is unavailable: /);
    expect(byName.secretStore!.status).toBe("pass");
    expect(byName.fileShare!.status).toBe("not_configured");
    expect(byName.poisonQueues!.status).toBe("fail");
    expect(byName.poisonQueues!.message).toMatch(/^Queue storage \(poison queues\) is unavailable: /);
    expect(JSON.stringify(report)).not.toContain("c2VjcmV0LWtleS1kby1ub3QtbGVhaw");
    for (const check of report.checks) expect(check.latencyMs).toBeLessThan(3000);
  });
});
