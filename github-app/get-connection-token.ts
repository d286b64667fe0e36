// The token a sync or a poll uses for the connection's repository. App: an installation token, cached
// until ten minutes before it expires (InstallationTokens). PAT: read from the secret store every time,
// because the user can revoke or replace it at any moment.
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { UnauthorizedError } from "../src/errors.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";

export async function getConnectionToken(runtime: GitHubRuntime, record: ConnectionRecord, options: AbortOptions = {}): Promise<string> {
  if (record.kind === "app") {
    if (record.installationId === undefined) throw new Error("an app connection has no installation id");
    if (!(await runtime.getApp(options))) {
      throw new UnauthorizedError("The GitHub App's credentials are missing from the secret store. Register the app again, then reconnect.");
    }
    return runtime.installationTokens.get(record.installationId, options);
  }
  const token = record.tokenSecretName ? await runtime.deps.secrets.get(record.tokenSecretName, options) : undefined;
  if (!token) {
    throw new UnauthorizedError("The personal access token is missing from the secret store. Replace the token in Settings → GitHub.");
  }
  return token;
}
