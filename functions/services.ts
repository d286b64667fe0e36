// The composition root: builds the app's dependencies once per process from the configuration.
// Both hosts use it: the Functions host through `getServices()`, the local host and tests by calling
// `createServices` with their own config (so several hosts can live in one test process).
import { statSync } from "node:fs";
import { ConfigError, loadConfig, type Config } from "../src/config.js";
import { AccessStore } from "../src/azure/access-store.js";
import { SwaSessionCheck } from "../src/auth/swa-session-check.js";
import { checkHealth } from "../src/health/check-health.js";
import { HealthCache } from "../src/health/health-cache.js";
import { ConnectionStore } from "../src/azure/connection-store.js";
import { QUEUES, TABLES } from "../src/azure/resources.js";
import { createSecretStore, type SecretStore } from "../src/azure/secret-store.js";
import { createStorageClients, sendJsonMessage, type StorageClients } from "../src/azure/storage.js";
import { WorkflowRunStore } from "../src/azure/workflow-run-store.js";
import { RunEventStore } from "../src/azure/run-event-store.js";
import { WorkflowEngine } from "../src/engine/workflow-engine.js";
import { WorkflowSecretStore } from "../src/engine/workflow-secrets.js";
import { createLogger, type Logger } from "../src/logger.js";
import { createLocalThreads, type RunThreads } from "../src/engine/run-threads.js";
import { prepareRunnerFolders } from "../src/runner/prepare-runner-folders.js";
import { appRoot, RunnerThreads } from "../src/runner/runner-threads.js";
import { firstClosedFolder, resolveRunnerUser, type RunnerUser } from "../src/runner/runner-user.js";

export interface Services {
  config: Config;
  logger: Logger;
  storage: StorageClients;
  secrets: SecretStore;
  /** The GitHub connection record (read on every request: no cache). */
  connections: ConnectionStore;
  /** Sessions, role grants, the setup code, used redirect nonces (src/auth/). */
  access: AccessStore;
  /** Workflow discovery, runs and run records (worker threads start on first use). */
  engine: WorkflowEngine;
  /** The readiness report behind `/api/health/details`, at most one round of checks per 20 s. */
  health: HealthCache;
  /** `swa` mode: who a caller is, asked of the Static Web App (src/auth/swa-session-check.ts). */
  swaSessions?: SwaSessionCheck;
}

export interface CreateServicesOptions {
  logger?: Logger;
}

export function createServices(config: Config, options: CreateServicesOptions = {}): Services {
  const logger = options.logger ?? createLogger({ level: config.logLevel, consoleLevel: config.consoleLogLevel });
  const storage = createStorageClients(config.storage);
  const secrets = createSecretStore(config, storage.credential);
  const connections = new ConnectionStore(storage.table(TABLES.connections), { stateDir: config.stateDir });
  const workflowRunQueue = storage.queue(QUEUES.workflowRuns);
  const access = new AccessStore(storage.table(TABLES.access));
  const engine = new WorkflowEngine({
    config,
    secrets: new WorkflowSecretStore(secrets, access),
    ...createRunThreads(config, logger),
    logger: logger.child({ component: "engine" }),
    runs: new WorkflowRunStore(storage.table(TABLES.workflowRuns)),
    events: new RunEventStore(storage.table(TABLES.workflowRunEvents)),
    enqueue: async (job, { abortSignal }) => void (await sendJsonMessage(workflowRunQueue, job, { abortSignal })),
  });
  const swaSessions = config.authMode === "swa" && config.authSwaCheckUrl ? new SwaSessionCheck({ url: config.authSwaCheckUrl }) : undefined;
  const health = new HealthCache(() => checkHealth({ config, storage, secrets }));
  return { config, logger, storage, secrets, connections, access, engine, health, swaSessions };
}

/**
 * Where workflow code runs: the runner process (default), as its own user when the platform is root, or (the
 * benchmark's baseline) threads of this process.
 */
function createRunThreads(config: Config, logger: Logger): { threads: RunThreads; runUser?: RunnerUser } {
  if (config.workflowRunner === "in-process") {
    return { threads: createLocalThreads({ workspaceDir: config.workspaceDir, memoryLimitMb: config.workflowMemoryMb }) };
  }
  const runUser = resolveRunnerUser(config.workflowRunnerUser);
  if (runUser) {
    for (const [what, target] of [["the app's folder", appRoot], ["WORKSPACE_DIR", config.workspaceDir]] as const) {
      const closed = firstClosedFolder(runUser, target, statSync);
      if (closed) {
        throw new ConfigError([
          `Workflow code runs as ${runUser.name} (the platform is root), which cannot reach ${what} (${target}): ${closed} is closed ` +
            `to it. Open it (chmod o+x ${closed}), name another user with WORKFLOW_RUNNER_USER, or run as a non-root user.`,
        ]);
      }
    }
  }
  const { homeDir } = prepareRunnerFolders(config, runUser);
  const threads = new RunnerThreads({
    workspaceDir: config.workspaceDir,
    memoryLimitMb: config.workflowMemoryMb,
    user: runUser,
    homeDir,
    logger: logger.child({ component: "runner" }),
    inspector: config.enableDebugging ? { host: config.profile === "local" ? "127.0.0.1" : "0.0.0.0", port: config.debugPort } : undefined,
  });
  return { threads, runUser };
}

let processServices: Services | undefined;

/** The process-wide services of the Functions host, built on first use from `process.env`. */
export function getServices(): Services {
  processServices ??= createServices(loadConfig(process.env, { profile: "container" }));
  return processServices;
}
