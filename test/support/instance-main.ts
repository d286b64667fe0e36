// One platform instance as its own process, for tests that need several (test/two-instances.test.ts): the
// services and triggers of `npm start` (queue pollers included, timers off), on the storage account and
// folders the environment names (AzureWebJobsStorage, WORKSPACE_DIR, TEMP_DIR, ...). Prints
// "READY <url> <pid>" once listening; log lines (JSON) go to stdout. Instances share nothing in memory.
import { createServices } from "../../functions/services.js";
import { triggers } from "../../functions/triggers.js";
import { readHostSettings } from "../../local/host-json.js";
import { startLocalHost } from "../../local/local-host.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";

const config = loadConfig(process.env, { profile: "local" });
const services = createServices(config);
await ensureStorageResources(services.storage);
const settings = readHostSettings();
const host = await startLocalHost({
  triggers,
  services,
  host: "127.0.0.1",
  port: config.port,
  enableQueues: true,
  enableTimers: false,
  settings: { ...settings, queues: { ...settings.queues, maxPollingIntervalInMs: 100, visibilityTimeoutInMs: 200 } },
});
process.stdout.write(`READY ${host.url} ${process.pid}\n`);
process.once("SIGTERM", () => {
  void host.close().finally(() => process.exit(0));
});
