// Azure Key Vault through the SDK and the app's managed identity (DefaultAzureCredential).
// Delete is Key Vault's soft delete, never a purge: the vault has purge protection (infra/azuredeploy.json), so
// whoever holds the identity can delete a secret but not destroy it, and an admin can recover it until the
// retention period ends (https://learn.microsoft.com/en-us/azure/key-vault/general/soft-delete-overview). A
// soft-deleted name cannot be reused, so `set` of that name recovers it first, then writes the new value.
// The cost: a deleted value stays in the vault, soft-deleted until retention ends or, once the name is set again,
// as an older version of it. Revoke a leaked credential where it was issued; deleting it here does not.
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { ServiceUnavailableError } from "../errors.js";
import { coreDeadlineOptions, type SdkDeadline } from "./sdk-deadline.js";
import { assertSecretName, type SecretStore, type SecretStoreOptions } from "./secret-store.js";

export interface KeyVaultSecretStoreOptions {
  credential?: TokenCredential;
  /**
   * Passed to the SDK client (tests point it at a loopback Key Vault and relax its checks). Its `retryOptions` win
   * over the deadline's; its `additionalPolicies` run inside the deadline's policy.
   */
  clientOptions?: SecretClientOptions;
  /** Per-try timeout and tries of every call (default DEFAULT_SDK_DEADLINE, src/azure/sdk-deadline.ts). */
  deadline?: SdkDeadline;
  /** Between polls of a delete or recover (Key Vault takes a few seconds; the SDK's default is 2000). */
  pollIntervalInMs?: number;
}

export class KeyVaultSecretStore implements SecretStore {
  readonly description: string;
  readonly #client: SecretClient;
  readonly #pollIntervalInMs: number;

  constructor(vaultUrl: string, options: KeyVaultSecretStoreOptions = {}) {
    this.description = `Key Vault ${new URL(vaultUrl).host}`;
    const deadline = coreDeadlineOptions("Key Vault", options.deadline);
    const clientOptions: SecretClientOptions = {
      ...deadline,
      ...options.clientOptions,
      additionalPolicies: [...deadline.additionalPolicies, ...(options.clientOptions?.additionalPolicies ?? [])],
    };
    this.#client = new SecretClient(vaultUrl, options.credential ?? new DefaultAzureCredential(), clientOptions);
    this.#pollIntervalInMs = options.pollIntervalInMs ?? 2000;
  }

  async get(name: string, options: SecretStoreOptions = {}): Promise<string | undefined> {
    assertSecretName(name);
    try {
      const secret = await this.#client.getSecret(name, { abortSignal: options.abortSignal });
      return secret.value;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw describeFailure("read", name, error);
    }
  }

  async set(name: string, value: string, options: SecretStoreOptions = {}): Promise<void> {
    assertSecretName(name);
    if (typeof value !== "string") throw new TypeError("secret value must be a string");
    const { abortSignal } = options;
    try {
      await this.#client.setSecret(name, value, { abortSignal });
      return;
    } catch (error) {
      // 409: the name is soft-deleted (an earlier delete). Key Vault lets a deleted name be recovered or purged,
      // never reused: recover it, wait until it is live again, then write the new value over it.
      if (!isStatus(error, 409)) throw describeFailure("write", name, error);
    }
    try {
      const poller = await this.#client.beginRecoverDeletedSecret(name, { abortSignal, intervalInMs: this.#pollIntervalInMs });
      await poller.pollUntilDone({ abortSignal });
    } catch (error) {
      // 404: no longer deleted (a concurrent `set` recovered it first), so the write below can go ahead.
      if (!isStatus(error, 404)) throw describeFailure("write", name, error);
    }
    try {
      await this.#client.setSecret(name, value, { abortSignal });
    } catch (error) {
      throw describeFailure("write", name, error);
    }
  }

  async delete(name: string, options: SecretStoreOptions = {}): Promise<void> {
    assertSecretName(name);
    const { abortSignal } = options;
    try {
      // The poller waits until the secret shows up among the deleted ones, so a `set` right after sees a
      // recoverable name (409, handled above) rather than one still being deleted.
      const poller = await this.#client.beginDeleteSecret(name, { abortSignal, intervalInMs: this.#pollIntervalInMs });
      await poller.pollUntilDone({ abortSignal });
    } catch (error) {
      // 404: not live (never set, or already soft-deleted). Delete succeeds if absent.
      if (!isStatus(error, 404)) throw describeFailure("delete", name, error);
    }
  }

  async *listNames(options: SecretStoreOptions = {}): AsyncIterable<string> {
    try {
      for await (const properties of this.#client.listPropertiesOfSecrets({ abortSignal: options.abortSignal })) {
        if (properties.enabled !== false) yield properties.name;
      }
    } catch (error) {
      throw describeFailure("list", undefined, error);
    }
  }
}

function isStatus(error: unknown, status: number): boolean {
  return typeof error === "object" && error !== null && (error as { statusCode?: number }).statusCode === status;
}

/**
 * One actionable sentence per failure. The SDK's own message can quote the response body, so it stays in
 * `cause` (for the log) and never reaches a response.
 */
function describeFailure(action: "read" | "write" | "delete" | "list", name: string | undefined, error: unknown): Error {
  if ((error as Error | undefined)?.name === "AbortError") return error as Error;
  // The deadline's own 503 ("Key Vault did not answer within 10 s; …") already says what happened.
  if (error instanceof ServiceUnavailableError && error.code === "timeout") return error;
  const statusCode = (error as { statusCode?: number } | undefined)?.statusCode;
  const what = name ? `secret "${name}"` : "the secret names";
  const errorName = (error as Error | undefined)?.name;
  if (errorName === "CredentialUnavailableError" || errorName === "AuthenticationError") {
    return new ServiceUnavailableError(
      `Could not ${action} ${what}: the app has no identity that can sign in to Key Vault. Enable the Function App's ` +
        "managed identity (or set AZURE_CLIENT_ID for a user-assigned one), or unset KEY_VAULT_URL to use the local secret file.",
      { cause: error },
    );
  }
  if (statusCode === 401 || statusCode === 403) {
    return new ServiceUnavailableError(
      `Key Vault refused to ${action} ${what} (HTTP ${statusCode}): give the app's managed identity the ` +
        `"Key Vault Secrets Officer" role on the vault (the ARM template does this), then retry.`,
      { cause: error },
    );
  }
  return new ServiceUnavailableError(
    `Key Vault could not ${action} ${what} (${statusCode === undefined ? "no answer" : `HTTP ${statusCode}`}); try again in a moment.`,
    { cause: error },
  );
}
