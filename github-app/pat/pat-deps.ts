// What the PAT flows need from the app, as a plain object (the `Services` of functions/ satisfies it).
import type { ConnectionStore } from "../../src/azure/connection-store.js";
import type { SecretStore } from "../../src/azure/secret-store.js";
import type { StorageClients } from "../../src/azure/storage.js";
import type { Config } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";

export interface PatDeps {
  config: Pick<Config, "githubApiUrl" | "publicUrl" | "workspaceDir" | "reconcileSchedule">;
  secrets: SecretStore;
  connections: ConnectionStore;
  storage: Pick<StorageClients, "queue" | "table">;
  logger: Logger;
}

export interface PatOptions {
  abortSignal?: AbortSignal;
}
