// Starts the local host for a test, exactly as `npm start` does (same triggers, same HTTP path), on a free
// port, with a temporary workspace and temp folder and the test file's own Azurite account.
import { Writable } from "node:stream";
import { createServices, type Services } from "../../functions/services.js";
import { triggers as allTriggers } from "../../functions/triggers.js";
import type { Trigger } from "../../functions/define.js";
import { loadConfig, type Config, type Env } from "../../src/config.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { createLogger } from "../../src/logger.js";
import { startLocalHost, type LocalHost, type LocalHostOptions } from "../../local/local-host.js";
import type { HostSettings } from "../../local/host-json.js";
import { createTempDir } from "./temp-dir.js";
import { useTestStorage } from "./storage.js";

export interface TestHostOptions {
  /** Environment on top of the test defaults (AUTH_MODE, GITHUB_API_URL, ...). */
  env?: Env;
  triggers?: readonly Trigger[];
  enableQueues?: boolean;
  enableTimers?: boolean;
  settings?: HostSettings;
  /** Extra handler for paths outside /api (the built web UI in browser tests). */
  fallback?: LocalHostOptions["fallback"];
}

export interface TestHost {
  url: string;
  config: Config;
  services: Services;
  host: LocalHost;
  workspaceDir: string;
  tempDir: string;
  /** Every log line the app wrote (JSON), for assertions such as "no secret was logged". */
  logs: string[];
  /** fetch relative to the host's URL: `host.fetch("/api/health")`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const root = await createTempDir();
  const storage = await useTestStorage();
  const { mkdir } = await import("node:fs/promises");
  const workspaceDir = `${root.path}/workspace`;
  const tempDir = `${root.path}/tmp`;
  await mkdir(workspaceDir);
  await mkdir(tempDir);
  const config = loadConfig(
    {
      AzureWebJobsStorage: storage.connectionString,
      WORKSPACE_DIR: workspaceDir,
      TEMP_DIR: tempDir,
      LOCAL_SECRETS_FILE: `${root.path}/secrets.json`,
      PORT: "0",
      LOG_LEVEL: "debug",
      // A swa-mode host that is not told where to confirm sessions stands for the SWA CLI on loopback, which
      // sends the principal header itself (test/auth-swa-check.test.ts covers the check).
      ...(options.env?.AUTH_MODE === "swa" && options.env.AUTH_SWA_CHECK_URL === undefined ? { AUTH_SWA_EMULATOR: "true" } : {}),
      ...options.env,
    },
    { profile: "local" },
  );
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  const services = createServices(config, { logger: createLogger({ level: config.logLevel, destination }) });
  await ensureStorageResources(services.storage);
  const host = await startLocalHost({
    triggers: options.triggers ?? allTriggers,
    services,
    host: "127.0.0.1",
    // PORT in `env` picks a fixed port (so PUBLIC_URL can name the host before it listens); default: any free one.
    port: config.port,
    enableQueues: options.enableQueues,
    enableTimers: options.enableTimers ?? false,
    settings: options.settings,
    fallback: options.fallback,
  });
  return {
    url: host.url,
    config,
    services,
    host,
    workspaceDir,
    tempDir,
    logs,
    fetch: (path, init) => fetch(new URL(path, host.url), init),
    close: async () => {
      await host.close();
      await root.cleanup();
    },
  };
}

/** A base64 `x-ms-client-principal` header as Static Web Apps sends it (a signed-in user: `authenticated` plus `roles`). */
export function swaPrincipalHeader(roles: string[], user = "octocat"): string {
  return Buffer.from(
    JSON.stringify({ identityProvider: "github", userId: `id-${user}`, userDetails: user, userRoles: ["anonymous", "authenticated", ...roles] }),
  ).toString("base64");
}
