// Wraps a secret store so every value it hands out or takes in is known to the logger's scrubber
// (src/known-secret-values.ts): whatever later quotes the value in a log line, the line is blanked.
import { knownSecretValues, type KnownSecretValues } from "../known-secret-values.js";
import { SECRET_NAMES } from "./secret-names.js";
import type { SecretStore, SecretStoreOptions } from "./secret-store.js";

/** Kept in the store for convenience but public (shown in URLs and the UI): blanking them would only hide facts. */
const PUBLIC_VALUES = new Set<string>([SECRET_NAMES.appId, SECRET_NAMES.appSlug, SECRET_NAMES.appClientId]);

export function withSecretRedaction(store: SecretStore, registry: KnownSecretValues = knownSecretValues): SecretStore {
  return {
    description: store.description,
    async get(name: string, options?: SecretStoreOptions) {
      const value = await store.get(name, options);
      if (!PUBLIC_VALUES.has(name)) registry.add(value);
      return value;
    },
    async set(name: string, value: string, options?: SecretStoreOptions) {
      if (!PUBLIC_VALUES.has(name)) registry.add(value);
      await store.set(name, value, options);
    },
    delete: (name, options) => store.delete(name, options),
    listNames: (options) => store.listNames(options),
  };
}
