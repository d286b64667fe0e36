// The fixed names of every secret the platform keeps (Key Vault in Azure, .data/secrets.json locally).
// Key Vault names: letters, digits and dashes only.

export const SECRET_NAMES = {
  /** GitHub App registration (manifest flow): numeric id, slug, PEM private key, webhook secret, OAuth client. */
  appId: "github-app-id",
  appSlug: "github-app-slug",
  appPrivateKey: "github-app-private-key",
  appWebhookSecret: "github-app-webhook-secret",
  appClientId: "github-app-client-id",
  appClientSecret: "github-app-client-secret",
  /** HMAC key that signs the `state` of the manifest and connect redirects (created on first use). */
  stateSigningKey: "funcspace-state-key",
  /** HMAC key that signs session cookies in `github` mode, and derives the one-time setup code. */
  sessionSigningKey: "funcspace-session-key",
} as const;

/** The personal access token of a PAT connection. */
export function patSecretName(connectionId: string): string {
  return `github-pat-${connectionId}`;
}

/** The secret of the repository webhook created for a PAT connection. */
export function webhookSecretName(connectionId: string): string {
  return `github-webhook-${connectionId}`;
}
