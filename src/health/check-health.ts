// GET /api/health/details (FR-019): one check per dependency, each timed, each with a message a person can act
// on. Never a secret: messages are built here, not copied from driver errors that may quote URLs with keys. Reads
// only: nothing here writes (a GET, asked often, on every instance); `HealthCache` keeps a report for 20 s.
import type { Config } from "../config.js";
import { getShareUsage } from "../azure/file-share.js";
import { QUEUES, TABLES } from "../azure/resources.js";
import type { SecretStore } from "../azure/secret-store.js";
import type { StorageClients } from "../azure/storage.js";
import { checkPoisonQueues } from "./check-poison-queues.js";
import { inspectFolder } from "./folder-check.js";

// The report's shapes are the API's (src/api-types.ts), written once for the server and the UI.
export type { HealthCheck, HealthReport } from "../api-types.js";
export type { HealthCheckStatus as CheckStatus } from "../api-types.js";
import type { HealthCheck, HealthReport } from "../api-types.js";

export interface HealthDependencies {
  config: Config;
  storage: StorageClients;
  secrets: SecretStore;
}

export interface CheckHealthOptions {
  abortSignal?: AbortSignal;
  /** Per-check deadline. */
  timeoutInMs?: number;
}

type Probe = (signal: AbortSignal) => Promise<{ message: string; details?: Record<string, unknown> } | "not_configured">;

export async function checkHealth(deps: HealthDependencies, options: CheckHealthOptions = {}): Promise<HealthReport> {
  const { config, storage, secrets } = deps;
  const probes: [string, Probe][] = [
    [
      "workspace",
      async () => {
        await inspectFolder(config.workspaceDir).catch((error: Error) => {
          throw new CheckFailure(`WORKSPACE_DIR ${config.workspaceDir} ${error.message}`);
        });
        return { message: `${config.workspaceDir} is a folder this process may write (checked without writing)` };
      },
    ],
    [
      "temp",
      async () => {
        await inspectFolder(config.tempDir).catch((error: Error) => {
          throw new CheckFailure(`TEMP_DIR ${config.tempDir} ${error.message}`);
        });
        return { message: `${config.tempDir} is a folder this process may write (checked without writing)` };
      },
    ],
    [
      "tableStorage",
      async (signal) => {
        const pages = storage
          .table(TABLES.connections)
          .listEntities({ queryOptions: { filter: "PartitionKey eq 'health'" }, abortSignal: signal })
          .byPage({ maxPageSize: 1 });
        await pages.next();
        return { message: `table "${TABLES.connections}" is readable` };
      },
    ],
    [
      "queueStorage",
      async (signal) => {
        const properties = await storage.queue(QUEUES.workspaceSync).getProperties({ abortSignal: signal });
        return {
          message: `queue "${QUEUES.workspaceSync}" is reachable`,
          details: { approximateMessages: properties.approximateMessagesCount ?? 0 },
        };
      },
    ],
    [
      "secretStore",
      async (signal) => {
        await secrets.get("funcspace-health-probe", { abortSignal: signal });
        return { message: `${secrets.description} is readable` };
      },
    ],
    ["fileShare", (signal) => checkFileShare(config, storage, signal)],
    ["poisonQueues", (signal) => checkPoisonQueues(storage, signal)],
  ];

  const checks = await Promise.all(
    probes.map(([name, probe]) => runCheck(name, probe, options.timeoutInMs ?? 5000, options.abortSignal)),
  );
  return { status: checks.every((c) => c.status !== "fail") ? "healthy" : "unhealthy", checks };
}

async function runCheck(name: string, probe: Probe, timeoutInMs: number, parent?: AbortSignal): Promise<HealthCheck> {
  const started = performance.now();
  const signal = parent ? AbortSignal.any([parent, AbortSignal.timeout(timeoutInMs)]) : AbortSignal.timeout(timeoutInMs);
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const result = await Promise.race([probe(signal), rejectOnAbort(signal, timeoutInMs)]);
    if (result === "not_configured") {
      return { name, status: "not_configured", latencyMs: latency(), message: notConfiguredMessage(name) };
    }
    return { name, status: "pass", latencyMs: latency(), message: result.message, ...(result.details && { details: result.details }) };
  } catch (error) {
    return { name, status: "fail", latencyMs: latency(), message: describeFailure(name, error) };
  }
}

function rejectOnAbort(signal: AbortSignal, timeoutInMs: number): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new Error(`no answer within ${timeoutInMs} ms`));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}

function notConfiguredMessage(name: string): string {
  return name === "fileShare"
    ? "not configured: set WORKSPACE_SHARE_NAME (Azure) to report the workspace share's quota and usage"
    : "not configured";
}

/** A failure worded by a check itself: its message is shown as is. */
class CheckFailure extends Error {}

/** A short, secret-free sentence: our own messages pass through; SDK errors give their status/code only. */
function describeFailure(name: string, error: unknown): string {
  const e = error as { statusCode?: number; code?: string; message?: string; name?: string };
  if (error instanceof CheckFailure) return error.message;
  const what: Record<string, string> = {
    tableStorage: "Table storage",
    queueStorage: "Queue storage",
    poisonQueues: "Queue storage (poison queues)",
    secretStore: "the secret store",
    fileShare: "the workspace file share",
  };
  const reason =
    e.statusCode !== undefined
      ? `HTTP ${e.statusCode}${e.code ? ` ${e.code}` : ""}`
      : e.code && /^[A-Z_]+$/.test(e.code)
        ? e.code
        : (e.message ?? "failed").split("\n")[0]!.replace(/(sig|key|token)=[^&\s;]+/gi, "$1=[redacted]").slice(0, 160);
  return `${what[name] ?? name} is unavailable: ${reason}`;
}

async function checkFileShare(config: Config, storage: StorageClients, signal: AbortSignal): ReturnType<Probe> {
  if (!config.workspaceShareName) return "not_configured";
  const { quotaGiB, usedBytes } = await getShareUsage(config.storage, config.workspaceShareName, {
    credential: storage.credential,
    abortSignal: signal,
  });
  const usedPercent = quotaGiB > 0 ? Math.round((usedBytes / (quotaGiB * 1024 ** 3)) * 1000) / 10 : 0;
  // A full share fails every write (sync, editor, workflow temp files): warn before it happens.
  if (usedPercent >= 95) throw new CheckFailure(`share "${config.workspaceShareName}" is ${usedPercent}% full: raise its quota`);
  return {
    message: `share "${config.workspaceShareName}": ${usedPercent}% of ${quotaGiB} GiB used`,
    details: { quotaGiB, usedBytes, usedPercent },
  };
}
