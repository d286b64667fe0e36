// The registered GitHub App's credentials, kept in the secret store under fixed names. The app id is
// written last, so a registration that stopped half-way never looks complete.
import { SECRET_NAMES } from "../src/azure/secret-names.js";
import type { SecretStore } from "../src/azure/secret-store.js";
import type { AbortOptions } from "./github-app-deps.js";

export interface AppCredentials {
  appId: number;
  slug: string;
  privateKey: string;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
}

/** The App's credentials, or `undefined` while no App is registered. */
export async function getAppCredentials(secrets: SecretStore, options: AbortOptions = {}): Promise<AppCredentials | undefined> {
  const [appId, slug, privateKey, webhookSecret, clientId, clientSecret] = await Promise.all(
    [
      SECRET_NAMES.appId,
      SECRET_NAMES.appSlug,
      SECRET_NAMES.appPrivateKey,
      SECRET_NAMES.appWebhookSecret,
      SECRET_NAMES.appClientId,
      SECRET_NAMES.appClientSecret,
    ].map((name) => secrets.get(name, options)),
  );
  if (!appId || !slug || !privateKey || !webhookSecret || !clientId || !clientSecret) return undefined;
  return { appId: Number(appId), slug, privateKey, webhookSecret, clientId, clientSecret };
}

export async function saveAppCredentials(secrets: SecretStore, credentials: AppCredentials, options: AbortOptions = {}): Promise<void> {
  await secrets.set(SECRET_NAMES.appPrivateKey, credentials.privateKey, options);
  await secrets.set(SECRET_NAMES.appWebhookSecret, credentials.webhookSecret, options);
  await secrets.set(SECRET_NAMES.appClientId, credentials.clientId, options);
  await secrets.set(SECRET_NAMES.appClientSecret, credentials.clientSecret, options);
  await secrets.set(SECRET_NAMES.appSlug, credentials.slug, options);
  await secrets.set(SECRET_NAMES.appId, String(credentials.appId), options);
}
