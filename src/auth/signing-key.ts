// HMAC keys the platform makes for itself (redirect state, session cookies): created on first use in the
// secret store, so every instance signs and verifies with the same one.
import { randomBytes } from "node:crypto";
import type { SecretStore, SecretStoreOptions } from "../azure/secret-store.js";

export async function getSigningKey(secrets: SecretStore, name: string, options: SecretStoreOptions = {}): Promise<string> {
  const existing = await secrets.get(name, options);
  if (existing) return existing;
  await secrets.set(name, randomBytes(32).toString("base64url"), options);
  // Read back: if another instance created one at the same moment, both use whichever was stored last.
  const stored = await secrets.get(name, options);
  if (!stored) throw new Error(`the signing key ${name} could not be stored`);
  return stored;
}
