// `npm start`: the platform on this machine, no Docker and no Functions Core Tools. Starts Azurite
// (unless AzureWebJobsStorage points elsewhere), creates the queues and tables, and serves every
// declared trigger on http://127.0.0.1:7071 with the local secret store and ./workspace.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { checkAuthDeployment } from "../src/auth/check-auth-deployment.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { assertFoldersUsable } from "../src/health/folder-check.js";
import { startTelemetry } from "../src/telemetry/start-telemetry.js";
import type { Telemetry } from "../src/telemetry/telemetry.js";
import { startAzurite, type Azurite } from "./azurite.js";
import { describeUiUrls } from "./describe-urls.js";
import type { LocalHost } from "./local-host.js";

/**
 * The app's modules (Probot, Octokit, the Azure SDKs, every trigger) take seconds to load: they are loaded
 * while Azurite starts instead of before it, which takes that much off the time to a healthy /api/health.
 */
function loadApp() {
  return Promise.all([
    import("../functions/services.js"),
    import("../functions/triggers.js"),
    import("../src/azure/storage.js"),
    import("./inspector.js"),
    import("./local-host.js"),
    import("./static-ui.js"),
    import("../functions/announce-setup.js"),
  ]).then(([services, triggers, storage, inspector, localHost, staticUi, setup]) => ({
    announceSetupCode: setup.announceSetupCode,
    createServices: services.createServices,
    triggers: triggers.triggers,
    ensureStorageResources: storage.ensureStorageResources,
    startInspector: inspector.startInspector,
    startLocalHost: localHost.startLocalHost,
    serveStaticUi: staticUi.serveStaticUi,
  }));
}

async function main(): Promise<void> {
  const env = { ...process.env };
  let azurite: Azurite | undefined;
  let host: LocalHost | undefined;
  let telemetry: Telemetry | undefined;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping…");
    await host?.close().catch(() => undefined);
    await telemetry?.shutdown().catch(() => undefined);
    await azurite?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    const loading = loadApp();
    // If start-up fails before the app is awaited, its load error is not the one to report.
    loading.catch(() => undefined);
    // Validate everything else before starting anything.
    const early = loadConfig({ ...env, AzureWebJobsStorage: env.AzureWebJobsStorage || "UseDevelopmentStorage=true" }, { profile: "local" });
    // Refuse an unsafe auth mode before anything listens or starts.
    checkAuthDeployment(early, env, { bindHost: early.host });

    if (!env.AzureWebJobsStorage && !env.AzureWebJobsStorage__accountName) {
      azurite = await startAzurite({
        location: path.resolve(env.AZURITE_LOCATION ?? ".data/azurite"),
        queuePort: Number(env.AZURITE_QUEUE_PORT ?? 10001),
        tablePort: Number(env.AZURITE_TABLE_PORT ?? 10002),
      });
      env.AzureWebJobsStorage = azurite.connectionString;
    }
    const config = loadConfig(env, { profile: "local" });
    // Locally the folders are ours to create; in the container they are mounts and must already exist.
    await mkdir(config.workspaceDir, { recursive: true });
    await mkdir(config.tempDir, { recursive: true });
    await assertFoldersUsable([
      { name: "WORKSPACE_DIR", dir: config.workspaceDir, hint: "point WORKSPACE_DIR at a folder you can write" },
      { name: "TEMP_DIR", dir: config.tempDir, hint: "point TEMP_DIR at a folder you can write" },
    ]);

    const { createServices, triggers, ensureStorageResources, startInspector, startLocalHost, serveStaticUi, announceSetupCode } = await loading;
    // Before the services: their logger sends its lines as log records when telemetry is on.
    telemetry = await startTelemetry(config.telemetry);
    const services = createServices(config);
    // Workflow code runs in the runner process: the debugger is opened there (in-process: here).
    const debuggerUrl = services.engine.threads.start ? await services.engine.threads.start() : startInspector(config);
    services.engine.pool.warmUp();
    await ensureStorageResources(services.storage);
    // The web UI on the same URL (built on first start when web/dist is missing).
    const webDir = path.resolve("web");
    const ui = serveStaticUi({ distDir: path.join(webDir, "dist"), buildFrom: webDir, log: (message) => console.log(message) });
    host = await startLocalHost({ triggers, services, host: config.host, port: config.port, fallback: ui.fallback });

    console.log(`funcspace is running (local host, ${azurite ? "embedded Azurite" : "external storage"})`);
    for (const line of describeUiUrls(config, host.url)) console.log(line);
    console.log(`  workspace  ${config.workspaceDir}`);
    console.log(`  secrets    ${services.secrets.description}`);
    if (config.telemetry) console.log(`  telemetry  ${describeIngestion(config.telemetry.connectionString)}`);
    if (debuggerUrl) console.log(`  debugger   ${debuggerUrl} (attach VS Code to 127.0.0.1:${new URL(debuggerUrl).port})`);
    for (const route of host.routes) console.log(`  ${route.methods.join(",").padEnd(18)} ${host.url}${route.path}`);
    for (const queue of host.queues) console.log(`  queue              ${queue}`);
    for (const timer of host.timers) console.log(`  timer              ${timer.name} (${timer.schedule})`);
    console.log("Press Ctrl-C to stop.");
    await announceSetupCode(services);
  } catch (error) {
    console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
    await stop(1);
  }
}

/** Where telemetry goes, without the instrumentation key. */
function describeIngestion(connectionString: string): string {
  const endpoint = /IngestionEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  return endpoint ? `Application Insights at ${endpoint}` : "Application Insights (the default ingestion endpoint)";
}

await main();
