// Azure Key Vault through the SDK and the app's managed identity (DefaultAzureCredential).
// Deleting starts Key Vault's soft delete; we purge so the name can be reused at once (the identity
// needs Key Vault Secrets Officer, which the ARM template grants).
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { assertSecretName, type SecretStore, type SecretStoreOptions } from "./secret-store.js";

export interface KeyVaultSecretStoreOptions {
  credential?: TokenCredential;
  /** Passed to the SDK client (tests point it at a loopback Key Vault and relax its checks). */
  clientOptions?: SecretClientOptions;
}

export class KeyVaultSecretStore implements SecretStore {
  readonly description: string;
  readonly #client: SecretClient;

  constructor(vaultUrl: string, options: KeyVaultSecretStoreOptions = {}) {
    this.description = `Key Vault ${new URL(vaultUrl).host}`;
    this.#client = new SecretClient(vaultUrl, options.credential ?? new DefaultAzureCredential(), options.clientOptions);
  }

  async get(name: string, options: SecretStoreOptions = {}): Promise<string | undefined> {
    assertSecretName(name);
    try {
      const secret = await this.#client.getSecret(name, { abortSignal: options.abortSignal });
      return secret.value;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async set(name: string, value: string, options: SecretStoreOptions = {}): Promise<void> {
    assertSecretName(name);
    await this.#client.setSecret(name, value, { abortSignal: options.abortSignal });
  }

  async delete(name: string, options: SecretStoreOptions = {}): Promise<void> {
    assertSecretName(name);
    try {
      const poller = await this.#client.beginDeleteSecret(name, { abortSignal: options.abortSignal });
      await poller.pollUntilDone({ abortSignal: options.abortSignal });
    } catch (error) {
      if (isStatus(error, 404)) return;
      throw error;
    }
    try {
      await this.#client.purgeDeletedSecret(name, { abortSignal: options.abortSignal });
    } catch (error) {
      // Purge protection forbids it (403): the name stays reserved until retention ends, which is safe.
      if (!isStatus(error, 403) && !isStatus(error, 404)) throw error;
    }
  }

  async *listNames(options: SecretStoreOptions = {}): AsyncIterable<string> {
    for await (const properties of this.#client.listPropertiesOfSecrets({ abortSignal: options.abortSignal })) {
      if (properties.enabled !== false) yield properties.name;
    }
  }
}

function isStatus(error: unknown, status: number): boolean {
  return typeof error === "object" && error !== null && (error as { statusCode?: number }).statusCode === status;
}
