// Every environment variable funcspace reads, parsed once, typed, with defaults for local use.
// A missing or malformed value fails here with the variable's name and the fix, never deep inside a handler.
import { DEFAULT_MAX_FILE_BYTES } from "./sync/limits.js";
import path from "node:path";
import { DEFAULT_FS_THREADS } from "./sync/fs-threads.js";
import { MAX_WORKFLOW_TIMEOUT_MS } from "./host-limits.js";

/** Where the process runs: `local` for `npm start`, `container` for the Functions host (Docker or Azure). */
export type ConfigProfile = "local" | "container";

export type { AuthMode } from "./api-types.js";
import type { AuthMode } from "./api-types.js";

/** Who gets which role in `github` mode (AUTH_ADMINS, AUTH_OPERATORS, AUTH_READERS). */
export interface RoleRules {
  admin: RoleRule[];
  operator: RoleRule[];
  reader: RoleRule[];
}

/** One entry of a role list: a GitHub login, every active member of an organisation, or a team's members. */
export type RoleRule = { kind: "user"; login: string } | { kind: "org"; org: string } | { kind: "team"; org: string; team: string };

export type StorageConfig =
  | { kind: "connectionString"; connectionString: string }
  | {
      kind: "identity";
      accountName: string;
      /** Managed identity client id (user-assigned); absent → system-assigned / DefaultAzureCredential chain. */
      clientId?: string;
      queueServiceUri: string;
      tableServiceUri: string;
      fileServiceUri: string;
    };

export interface Config {
  profile: ConfigProfile;
  /** Absolute path of the workspace folder (`/workspace` in the container). */
  workspaceDir: string;
  /** Absolute path of the temp folder (the Azure Files `tmp` share in Azure). */
  tempDir: string;
  /** Platform state (sync manifests, etc.): under the temp folder, never inside the workspace. */
  stateDir: string;
  storage: StorageConfig;
  /** When set, the Azure Files share behind the workspace, checked by /api/health for quota and usage. */
  workspaceShareName: string | undefined;
  /** Key Vault URL; absent → the local secret file. */
  keyVaultUrl: string | undefined;
  /** Local secret file (mode 0600), used when `keyVaultUrl` is absent. */
  localSecretsFile: string;
  githubApiUrl: string;
  githubWebUrl: string;
  /** The platform's public base URL (webhook and redirect URLs are built from it). */
  publicUrl: string;
  authMode: AuthMode;
  /**
   * AUTH_SWA_EMULATOR: the named development setting that lets `swa` run outside Azure, stating that the only way
   * in is the SWA CLI on this machine (the dev compose publishes on 127.0.0.1). Never set in production.
   */
  authSwaEmulator: boolean;
  /**
   * AUTH_SWA_CHECK_URL: `swa` mode asks this Static Web App endpoint (`/.auth/me`) who the caller's cookies belong
   * to instead of believing the principal header (src/auth/swa-session-check.ts). Defaults to PUBLIC_URL's
   * `/.auth/me`; `off` only with AUTH_SWA_EMULATOR (the emulator's cookie is unsealed, so the check adds nothing).
   */
  authSwaCheckUrl: string | undefined;
  /** `github` mode: role lists from configuration. */
  roleRules: RoleRules;
  /** `github` mode: also derive roles from the user's permission on the connected repository. */
  authRepositoryRoles: boolean;
  /** `github` mode: how long a session lasts. */
  sessionTtlInMs: number;
  /** Host header values accepted besides loopback names and PUBLIC_URL's host (local and github modes). */
  allowedHosts: string[];
  enableDebugging: boolean;
  /** `npm start` only: the inspector's port when debugging (the container's comes from the Functions host's arguments). */
  debugPort: number;
  /** A workflow run is stopped after this long unless its definition sets its own `timeoutMs`. */
  workflowTimeoutMs: number;
  /**
   * WORKFLOW_WAIT_MS: how long `POST /api/workflows/{name}/runs` (wait=true) waits for the run before answering 202
   * with its id; the run goes on. Below the Azure front end's 230 s request limit.
   */
  workflowWaitMs: number;
  /** Workflow runs executing at once in this process (each in its own worker thread). */
  workflowConcurrency: number;
  /**
   * WORKFLOW_RUNNER: where workflow code runs. `process` (default): a runner process with an allow-listed
   * environment, as an unprivileged user where the platform is root. `in-process`: threads of the platform
   * process (the benchmark's baseline; never for code you do not trust).
   */
  workflowRunner: "process" | "in-process";
  /** WORKFLOW_RUNNER_USER: the runner's user when the platform is root (default funcspace-runner, else nobody). */
  workflowRunnerUser: string | undefined;
  /** WORKFLOW_MEMORY_MB: V8 heap cap per run thread; a run over it fails with that reason. */
  workflowMemoryMb: number;
  /**
   * WORKFLOW_TEMP_DIR: where each run's temp folder (`ctx.tempDir`) and the runner's home live. Local disk in the
   * container (runs need no sharing, and a share's fixed owner and modes would keep the runner's user out);
   * under TEMP_DIR for `npm start`.
   */
  workflowTempDir: string;
  /** Largest file the files API and the sync engine accept. */
  maxFileBytes: number;
  /** Bounded parallelism for file-system and network I/O (Azure Files is latency-bound). */
  ioConcurrency: number;
  /** Threads for a sync's bulk file-system work (SYNC_FS_THREADS; see src/sync/fs-threads.ts). */
  syncFsThreads: number;
  /** How long a sync's lease lives without renewal (SYNC_LEASE_TTL_MS; see src/azure/hold-lease.ts). */
  syncLeaseTtlMs: number;
  /** NCRONTAB schedule of the reconcile timer (six fields, seconds first, as in Azure Functions). */
  reconcileSchedule: string;
  /** Run records and their events older than this are deleted (RUN_RETENTION_DAYS, default 30). */
  runRetentionMs: number;
  /** At most this many runs are kept per workflow, the newest (RUN_RETENTION_PER_WORKFLOW, default 1,000). */
  runRetentionPerWorkflow: number;
  /** When the retention timer runs (RUN_RETENTION_SCHEDULE, NCRONTAB; default hourly at :23). */
  runRetentionSchedule: string;
  /** SWEEP_SCHEDULE: NCRONTAB of the timer that marks runs and syncs whose worker died as `interrupted`. */
  sweepSchedule: string;
  logLevel: LogLevel;
  /**
   * LOG_CONSOLE_LEVEL: the lowest level written to stdout (default: LOG_LEVEL). With telemetry on, lines below it
   * still reach Application Insights as traces. The Azure template sets `warn`: the Functions host forwards every
   * stdout line of the worker to Application Insights itself (category Host.Function.Console, with no operation
   * id), so each line would arrive twice.
   */
  consoleLogLevel: LogLevel;
  /**
   * APPLICATIONINSIGHTS_CONNECTION_STRING: where traces, dependencies, metrics and logs go (src/telemetry/).
   * Unset → no telemetry at all (nothing loaded, nothing sent).
   */
  telemetry: TelemetryConfig | undefined;
  /** Local host only: interface and port to listen on. */
  host: string;
  port: number;
}

export interface TelemetryConfig {
  connectionString: string;
  /** TELEMETRY_EXPORT_INTERVAL_MS: how often metrics are exported (and the longest a batch of spans or logs waits). */
  exportIntervalMs: number;
  /** The cloud role name on every item (Application Insights `cloud_RoleName`): WEBSITE_SITE_NAME, else `funcspace`. */
  roleName: string;
  /**
   * Which traces are recorded (OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, the variables and values of Azure
   * Monitor's OpenTelemetry distro): every one (`always_on`, the default), at most N a second
   * (`microsoft.rate_limited`, N default 5) or a fixed share of them (`microsoft.fixed_percentage`, a ratio in
   * [0, 1], default 1). Metrics are never sampled.
   */
  sampling: TraceSampling;
}

export type TraceSampling = { kind: "all" } | { kind: "rate-limited"; tracesPerSecond: number } | { kind: "fixed-percentage"; ratio: number };

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export type Env = Record<string, string | undefined>;

/** Every problem found in the environment, one line each, so a user fixes them all in one go. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export function azuriteConnectionString(
  queuePort: number,
  tablePort: number,
  options: { host?: string; account?: string; key?: string } = {},
): string {
  const { host = "127.0.0.1", account = AZURITE_ACCOUNT, key = AZURITE_KEY } = options;
  return (
    `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};` +
    `QueueEndpoint=http://${host}:${queuePort}/${account};` +
    `TableEndpoint=http://${host}:${tablePort}/${account};`
  );
}

const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/**
 * Parses the environment. `profile` picks the defaults: `local` (npm start: ./workspace, loopback admin) or
 * `container` (the Functions host: /workspace, Static Web Apps auth).
 */
export function loadConfig(env: Env = process.env, options: { profile?: ConfigProfile; cwd?: string } = {}): Config {
  const profile = options.profile ?? (env.FUNCSPACE_PROFILE === "local" ? "local" : "container");
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const absolutePath = (name: string, fallback: string): string => {
    const value = read(name) ?? fallback;
    if (value.includes("\0")) problems.push(`${name} contains a NUL character: set it to a folder path.`);
    return path.resolve(cwd, value);
  };

  const url = (name: string, fallback: string | undefined, { httpsOnly = false } = {}): string | undefined => {
    const value = read(name) ?? fallback;
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      problems.push(`${name}="${value}" is not a URL: use an absolute URL such as https://example.com.`);
      return undefined;
    }
    if (httpsOnly && parsed.protocol !== "https:") {
      problems.push(`${name}="${value}" must use https:// (Azure only serves it over TLS).`);
    } else if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      problems.push(`${name}="${value}" must be an http:// or https:// URL.`);
    }
    return value.replace(/\/+$/, "");
  };

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name}="${value}" must be a whole number between ${min} and ${max}.`);
      return fallback;
    }
    return parsed;
  };

  const boolean = (names: string[], fallback: boolean): boolean => {
    for (const name of names) {
      const value = read(name)?.toLowerCase();
      if (value === undefined) continue;
      if (["true", "1", "yes", "on"].includes(value)) return true;
      if (["false", "0", "no", "off"].includes(value)) return false;
      problems.push(`${name}="${env[name]}" must be true or false.`);
      return fallback;
    }
    return fallback;
  };

  const workspaceDir = absolutePath("WORKSPACE_DIR", profile === "local" ? "./workspace" : "/workspace");
  const tempDir = absolutePath("TEMP_DIR", profile === "local" ? "./.data/tmp" : "/mnt/tmp");
  if (workspaceDir === tempDir || isInside(tempDir, workspaceDir) || isInside(workspaceDir, tempDir)) {
    problems.push(
      `TEMP_DIR (${tempDir}) and WORKSPACE_DIR (${workspaceDir}) overlap: the platform's state must live outside ` +
        "the workspace, so point TEMP_DIR at a separate folder.",
    );
  }

  const storage = parseStorage(read, problems);

  const authModeValue = (read("AUTH_MODE") ?? (profile === "local" ? "local" : "swa")).toLowerCase();
  if (authModeValue !== "local" && authModeValue !== "swa" && authModeValue !== "github") {
    problems.push(
      `AUTH_MODE="${env.AUTH_MODE}" is not supported: use "swa" (behind Azure Static Web Apps), "github" (sign in with ` +
        'the GitHub App, for a self-hosted server) or "local" (npm start on loopback).',
    );
  }
  const roleRules: RoleRules = {
    admin: parseRoleRules("AUTH_ADMINS", read("AUTH_ADMINS"), problems),
    operator: parseRoleRules("AUTH_OPERATORS", read("AUTH_OPERATORS"), problems),
    reader: parseRoleRules("AUTH_READERS", read("AUTH_READERS"), problems),
  };
  const allowedHosts = (read("ALLOWED_HOSTS") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const h of allowedHosts) {
    if (!/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(h)) problems.push(`ALLOWED_HOSTS entry "${h}" is not a host name (no scheme, port or path).`);
  }

  const logLevelValue = (read("LOG_LEVEL") ?? "info").toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevelValue)) {
    problems.push(`LOG_LEVEL="${env.LOG_LEVEL}" must be one of ${LOG_LEVELS.join(", ")}.`);
  }
  const validLogLevel: LogLevel = LOG_LEVELS.includes(logLevelValue) ? logLevelValue : "info";
  const consoleLogLevelValue = (read("LOG_CONSOLE_LEVEL") ?? validLogLevel).toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(consoleLogLevelValue)) {
    problems.push(`LOG_CONSOLE_LEVEL="${env.LOG_CONSOLE_LEVEL}" must be one of ${LOG_LEVELS.join(", ")}.`);
  }

  const websiteHost = read("WEBSITE_HOSTNAME");
  const port = integer("PORT", 7071, 0, 65535);
  const host = read("HOST") ?? "127.0.0.1";
  const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const publicUrlFallback = websiteHost ? `https://${websiteHost}` : `http://${urlHost}:${port}`;

  const publicUrl = url("PUBLIC_URL", publicUrlFallback) ?? publicUrlFallback;
  const authSwaEmulator = boolean(["AUTH_SWA_EMULATOR"], false);
  const swaCheckSetting = read("AUTH_SWA_CHECK_URL");
  const authSwaCheckUrl =
    authModeValue !== "swa" || swaCheckSetting?.toLowerCase() === "off"
      ? undefined
      : url("AUTH_SWA_CHECK_URL", authSwaEmulator ? undefined : `${publicUrl}/.auth/me`);
  if (authSwaCheckUrl && !authSwaCheckUrl.startsWith("https://") && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(authSwaCheckUrl)) {
    problems.push(`AUTH_SWA_CHECK_URL (${authSwaCheckUrl}) carries people's sign-in cookies: use https:// (plain http only on loopback).`);
  }

  const config: Config = {
    profile,
    workspaceDir,
    tempDir,
    stateDir: path.join(tempDir, "funcspace-state"),
    storage,
    workspaceShareName: read("WORKSPACE_SHARE_NAME"),
    keyVaultUrl: url("KEY_VAULT_URL", undefined, { httpsOnly: true }),
    localSecretsFile: absolutePath("LOCAL_SECRETS_FILE", "./.data/secrets.json"),
    githubApiUrl: url("GITHUB_API_URL", "https://api.github.com") ?? "https://api.github.com",
    githubWebUrl: url("GITHUB_WEB_URL", "https://github.com") ?? "https://github.com",
    publicUrl,
    authMode: authModeValue === "local" || authModeValue === "github" ? authModeValue : "swa",
    authSwaEmulator,
    authSwaCheckUrl,
    roleRules,
    authRepositoryRoles: boolean(["AUTH_REPOSITORY_ROLES"], false),
    sessionTtlInMs: integer("AUTH_SESSION_HOURS", 8, 1, 24 * 30) * 60 * 60 * 1000,
    allowedHosts,
    enableDebugging: boolean(["ENABLE_DEBUGGING", "ENABLE_REMOTE_DEBUGGING"], false),
    debugPort: integer("DEBUG_PORT", 9229, 0, 65535),
    workflowTimeoutMs: integer("WORKFLOW_TIMEOUT_MS", 10 * 60 * 1000, 100, MAX_WORKFLOW_TIMEOUT_MS),
    workflowWaitMs: integer("WORKFLOW_WAIT_MS", 200_000, 0, 220_000),
    workflowConcurrency: integer("WORKFLOW_CONCURRENCY", 4, 1, 64),
    workflowRunner: workflowRunner(read("WORKFLOW_RUNNER"), problems),
    workflowRunnerUser: read("WORKFLOW_RUNNER_USER"),
    workflowMemoryMb: integer("WORKFLOW_MEMORY_MB", 512, 32, 16_384),
    workflowTempDir: absolutePath("WORKFLOW_TEMP_DIR", profile === "local" ? path.join(tempDir, "runs") : "/tmp/funcspace-runs"),
    maxFileBytes: integer("MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES, 1, 2 ** 31),
    ioConcurrency: integer("IO_CONCURRENCY", 16, 1, 256),
    syncFsThreads: integer("SYNC_FS_THREADS", DEFAULT_FS_THREADS, 1, 64),
    syncLeaseTtlMs: integer("SYNC_LEASE_TTL_MS", 60_000, 2_000, 600_000),
    reconcileSchedule: read("RECONCILE_SCHEDULE") ?? "0 */5 * * * *",
    runRetentionMs: integer("RUN_RETENTION_DAYS", 30, 1, 3650) * 24 * 60 * 60 * 1000,
    runRetentionPerWorkflow: integer("RUN_RETENTION_PER_WORKFLOW", 1000, 1, 1_000_000),
    runRetentionSchedule: read("RUN_RETENTION_SCHEDULE") ?? "0 23 * * * *",
    sweepSchedule: read("SWEEP_SCHEDULE") ?? "30 */5 * * * *",
    logLevel: validLogLevel,
    consoleLogLevel: LOG_LEVELS.includes(consoleLogLevelValue) ? consoleLogLevelValue : validLogLevel,
    telemetry: parseTelemetry(read, integer("TELEMETRY_EXPORT_INTERVAL_MS", 60_000, 100, 3_600_000), problems),
    host,
    port,
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseTelemetry(read: (name: string) => string | undefined, exportIntervalMs: number, problems: string[]): TelemetryConfig | undefined {
  const connectionString = read("APPLICATIONINSIGHTS_CONNECTION_STRING");
  if (!connectionString) return undefined;
  if (!/(^|;)\s*(InstrumentationKey|ConnectionString)\s*=/i.test(connectionString)) {
    problems.push("APPLICATIONINSIGHTS_CONNECTION_STRING must be an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…); copy it from the resource's Overview page.");
    return undefined;
  }
  return { connectionString, exportIntervalMs, roleName: read("WEBSITE_SITE_NAME") ?? "funcspace", sampling: parseSampling(read, problems) };
}

/** OTEL_TRACES_SAMPLER and its argument, as Azure Monitor's distro reads them (the samplers it ships, and always_on). */
function parseSampling(read: (name: string) => string | undefined, problems: string[]): TraceSampling {
  // Enumerated values are case-insensitive in OpenTelemetry's environment specification.
  const sampler = read("OTEL_TRACES_SAMPLER")?.trim().toLowerCase();
  const arg = read("OTEL_TRACES_SAMPLER_ARG")?.trim();
  // A plain decimal (Number() would also take "0x5" or "1e3").
  const value = arg === undefined || arg === "" ? undefined : /^\d+(\.\d+)?$|^\.\d+$/.test(arg) ? Number(arg) : Number.NaN;
  /** The argument when given and valid, the default when absent; a problem (and the default) otherwise. */
  const argument = (fallback: number, valid: (v: number) => boolean, meaning: string): number => {
    if (value === undefined) return fallback;
    if (Number.isFinite(value) && valid(value)) return value;
    problems.push(`OTEL_TRACES_SAMPLER_ARG must be ${meaning}; got "${arg}".`);
    return fallback;
  };
  switch (sampler) {
    case undefined:
    case "":
    case "always_on":
      return { kind: "all" };
    case "microsoft.rate_limited":
      return { kind: "rate-limited", tracesPerSecond: argument(5, (v) => v > 0, "the traces a second to keep (a number above 0) with microsoft.rate_limited") };
    case "microsoft.fixed_percentage":
      return { kind: "fixed-percentage", ratio: argument(1, (v) => v >= 0 && v <= 1, "the share of traces to keep (from 0 to 1) with microsoft.fixed_percentage") };
    default:
      problems.push(`OTEL_TRACES_SAMPLER must be always_on, microsoft.rate_limited or microsoft.fixed_percentage (Azure Monitor's samplers); got "${read("OTEL_TRACES_SAMPLER")?.trim()}".`);
      return { kind: "all" };
  }
}

function parseStorage(read: (name: string) => string | undefined, problems: string[]): StorageConfig {
  const connectionString = read("AzureWebJobsStorage");
  if (connectionString) {
    if (connectionString === "UseDevelopmentStorage=true") {
      return { kind: "connectionString", connectionString: azuriteConnectionString(10001, 10002) };
    }
    const parts = new Map(
      connectionString
        .split(";")
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf("=");
          return [pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1)] as const;
        }),
    );
    if (!parts.has("accountname") && !parts.has("sharedaccesssignature")) {
      problems.push(
        "AzureWebJobsStorage is not a storage connection string (no AccountName=): copy it from the storage " +
          "account's Access keys, or set AzureWebJobsStorage__accountName for a managed identity.",
      );
    }
    return { kind: "connectionString", connectionString };
  }
  const accountName = read("AzureWebJobsStorage__accountName");
  if (accountName) {
    if (!/^[a-z0-9]{3,24}$/.test(accountName)) {
      problems.push(
        `AzureWebJobsStorage__accountName="${accountName}" is not a storage account name (3-24 lowercase letters and digits).`,
      );
    }
    return {
      kind: "identity",
      accountName,
      clientId: read("AzureWebJobsStorage__clientId"),
      queueServiceUri: read("AzureWebJobsStorage__queueServiceUri") ?? `https://${accountName}.queue.core.windows.net`,
      tableServiceUri: read("AzureWebJobsStorage__tableServiceUri") ?? `https://${accountName}.table.core.windows.net`,
      fileServiceUri: read("AzureWebJobsStorage__fileServiceUri") ?? `https://${accountName}.file.core.windows.net`,
    };
  }
  problems.push(
    "AzureWebJobsStorage is not set: set it to a storage connection string (or UseDevelopmentStorage=true for " +
      "Azurite), or set AzureWebJobsStorage__accountName to use the app's managed identity. `npm start` sets it for you.",
  );
  return { kind: "connectionString", connectionString: "" };
}

function workflowRunner(value: string | undefined, problems: string[]): Config["workflowRunner"] {
  if (value === undefined || value === "process") return "process";
  if (value === "in-process") return "in-process";
  problems.push(`WORKFLOW_RUNNER="${value}" must be "process" (workflow code in its own process; the default) or "in-process".`);
  return "process";
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const TEAM_SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** `octocat, org:acme, team:acme/platform` → rules; every malformed entry is a problem naming the variable. */
export function parseRoleRules(name: string, value: string | undefined, problems: string[]): RoleRule[] {
  const rules: RoleRule[] = [];
  for (const entry of (value ?? "").split(/[,\s]+/).filter(Boolean)) {
    const org = /^org:(.+)$/i.exec(entry);
    const team = /^team:([^/]+)\/(.+)$/i.exec(entry);
    if (org && LOGIN.test(org[1]!)) rules.push({ kind: "org", org: org[1]!.toLowerCase() });
    else if (team && LOGIN.test(team[1]!) && TEAM_SLUG.test(team[2]!)) rules.push({ kind: "team", org: team[1]!.toLowerCase(), team: team[2]!.toLowerCase() });
    else if (!entry.includes(":") && LOGIN.test(entry)) rules.push({ kind: "user", login: entry.toLowerCase() });
    else problems.push(`${name} entry "${entry}" is not a GitHub login, org:NAME or team:ORG/TEAM-SLUG.`);
  }
  return rules;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}
