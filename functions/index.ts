// The package `main` for the Azure Functions host: check the folders, register every declared trigger.
import { app } from "@azure/functions";
import { assertFoldersUsable } from "../src/health/folder-check.js";
import { checkAuthDeployment } from "../src/auth/check-auth-deployment.js";
import { loadConfig } from "../src/config.js";
import { startTelemetry } from "../src/telemetry/start-telemetry.js";
import { announceSetupCode } from "./announce-setup.js";
import { registerTriggers } from "./register.js";
import { getServices } from "./services.js";
import { triggers } from "./triggers.js";

// Request bodies arrive as streams, so uploads are written to disk with the size limit enforced while reading.
app.setup({ enableHttpStream: true });

// Telemetry first: the services' logger sends its lines as log records when it is on (src/telemetry/).
const telemetry = await startTelemetry(loadConfig(process.env, { profile: "container" }).telemetry);
if (telemetry) app.hook.appTerminate(() => telemetry.shutdown());
const services = getServices();
const { config } = services;
// Fail closed: a mode whose identity source cannot be trusted here never serves a request.
checkAuthDeployment(config, process.env);
await assertFoldersUsable([
  { name: "WORKSPACE_DIR", dir: config.workspaceDir, hint: "is the Azure Files share mounted (azureStorageAccounts, or a volume in Docker)?" },
  { name: "TEMP_DIR", dir: config.tempDir, hint: "is the tmp share mounted, or TEMP_DIR pointing at a writable folder?" },
]);
registerTriggers(triggers, config, getServices);
// The runner process and a first run thread boot now, not on the first run (bench/engine: ~0.4 s of a cold run).
services.engine.pool.warmUp();
await announceSetupCode(services);
