// What the GitHub side needs from the host: the same values as the Functions host's `Services`, named
// here so github-app/ never imports functions/ (the layers point one way).
import type { AccessStore } from "../src/azure/access-store.js";
import type { ConnectionStore } from "../src/azure/connection-store.js";
import type { SecretStore } from "../src/azure/secret-store.js";
import type { StorageClients } from "../src/azure/storage.js";
import type { Config } from "../src/config.js";
import type { Logger } from "../src/logger.js";

export interface GitHubAppDeps {
  config: Config;
  logger: Logger;
  storage: StorageClients;
  secrets: SecretStore;
  connections: ConnectionStore;
  /** Sessions, role grants, setup code, used redirect nonces. */
  access: AccessStore;
}

export interface AbortOptions {
  abortSignal?: AbortSignal;
}
