// The composition root: builds the app's dependencies once per process from the configuration.
// Both hosts use it: the Functions host through `getServices()`, the local host and tests by calling
// `createServices` with their own config (so several hosts can live in one test process).
import { loadConfig, type Config } from "../src/config.js";
import { AccessStore } from "../src/azure/access-store.js";
import { ConnectionStore } from "../src/azure/connection-store.js";
import { QUEUES, TABLES } from "../src/azure/resources.js";
import { createSecretStore, type SecretStore } from "../src/azure/secret-store.js";
import { createStorageClients, sendJsonMessage, type StorageClients } from "../src/azure/storage.js";
import { WorkflowRunStore } from "../src/azure/workflow-run-store.js";
import { WorkflowEngine } from "../src/engine/workflow-engine.js";
import { createLogger, type Logger } from "../src/logger.js";

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
}

export interface CreateServicesOptions {
  logger?: Logger;
}

export function createServices(config: Config, options: CreateServicesOptions = {}): Services {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const storage = createStorageClients(config.storage);
  const secrets = createSecretStore(config, storage.credential);
  const connections = new ConnectionStore(storage.table(TABLES.connections), { stateDir: config.stateDir });
  const workflowRunQueue = storage.queue(QUEUES.workflowRuns);
  const engine = new WorkflowEngine({
    config,
    logger: logger.child({ component: "engine" }),
    runs: new WorkflowRunStore(storage.table(TABLES.workflowRuns)),
    enqueue: async (job, { abortSignal }) => void (await sendJsonMessage(workflowRunQueue, job, { abortSignal })),
  });
  const access = new AccessStore(storage.table(TABLES.access));
  return { config, logger, storage, secrets, connections, access, engine };
}

let processServices: Services | undefined;

/** The process-wide services of the Functions host, built on first use from `process.env`. */
export function getServices(): Services {
  processServices ??= createServices(loadConfig(process.env, { profile: "container" }));
  return processServices;
}
