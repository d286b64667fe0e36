// Where secrets live: Azure Key Vault in Azure, a 0600 file under .data/ locally. One interface for both,
// so nothing above this folder knows which one it talks to.
import type { TokenCredential } from "@azure/identity";
import type { Config } from "../config.js";
import { KeyVaultSecretStore } from "./key-vault-secret-store.js";
import { LocalSecretStore } from "./local-secret-store.js";
import { withSecretRedaction } from "./redacting-secret-store.js";

export interface SecretStoreOptions {
  abortSignal?: AbortSignal;
}

export interface SecretStore {
  /** Where the secrets are kept, for health and logs (never a secret itself). */
  readonly description: string;
  /** The secret's value, or `undefined` when absent. */
  get(name: string, options?: SecretStoreOptions): Promise<string | undefined>;
  /** Creates or replaces. */
  set(name: string, value: string, options?: SecretStoreOptions): Promise<void>;
  /** Succeeds when absent. */
  delete(name: string, options?: SecretStoreOptions): Promise<void>;
  /** Names of the secrets present. */
  listNames(options?: SecretStoreOptions): AsyncIterable<string>;
}

/** Key Vault's rule for secret names; the local store applies the same one so names port between them. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

export function assertSecretName(name: string): void {
  if (typeof name !== "string" || !SECRET_NAME.test(name)) {
    throw new TypeError(`secret name "${String(name)}" must be 1-127 letters, digits or dashes`);
  }
}

/** The configured store; every value it reads or writes is blanked from log lines (src/known-secret-values.ts). */
export function createSecretStore(config: Config, credential?: TokenCredential): SecretStore {
  if (config.keyVaultUrl) return withSecretRedaction(new KeyVaultSecretStore(config.keyVaultUrl, { credential }));
  return withSecretRedaction(new LocalSecretStore(config.localSecretsFile));
}
