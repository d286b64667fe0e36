import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Env } from "./config.js";

const storage = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };

function problemsOf(env: Env, profile: "local" | "container" = "local"): string[] {
  try {
    loadConfig(env, { profile, cwd: "/srv/app" });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("uses local defaults under npm start", () => {
    const config = loadConfig(storage, { profile: "local", cwd: "/srv/app" });
    expect(config.workspaceDir).toBe("/srv/app/workspace");
    expect(config.tempDir).toBe("/srv/app/.data/tmp");
    expect(config.stateDir.startsWith(config.tempDir)).toBe(true);
    expect(config.authMode).toBe("local");
    expect(config.keyVaultUrl).toBeUndefined();
    expect(config.localSecretsFile).toBe("/srv/app/.data/secrets.json");
    expect(config.publicUrl).toBe("http://127.0.0.1:7071");
    expect(config.githubApiUrl).toBe("https://api.github.com");
    expect(config.githubWebUrl).toBe("https://github.com");
    expect(config.maxFileBytes).toBe(10 * 1024 * 1024);
    expect(config.enableDebugging).toBe(false);
    expect(config.storage).toMatchObject({ kind: "connectionString" });
  });

  it("writes to stdout from LOG_LEVEL unless LOG_CONSOLE_LEVEL says otherwise", () => {
    expect(loadConfig({ ...storage, LOG_LEVEL: "debug" }, { profile: "local" })).toMatchObject({ logLevel: "debug", consoleLogLevel: "debug" });
    expect(loadConfig({ ...storage, LOG_CONSOLE_LEVEL: "WARN" }, { profile: "local" })).toMatchObject({ logLevel: "info", consoleLogLevel: "warn" });
  });

  it("uses container defaults in the Functions host", () => {
    const config = loadConfig({ ...storage, WEBSITE_HOSTNAME: "fs-app.azurewebsites.net" }, { profile: "container" });
    expect(config.workspaceDir).toBe("/workspace");
    expect(config.tempDir).toBe("/mnt/tmp");
    expect(config.authMode).toBe("swa");
    expect(config.publicUrl).toBe("https://fs-app.azurewebsites.net");
  });

  it("reads a managed-identity storage account", () => {
    const config = loadConfig({ AzureWebJobsStorage__accountName: "fsstore01" }, { profile: "container" });
    expect(config.storage).toEqual({
      kind: "identity",
      accountName: "fsstore01",
      clientId: undefined,
      queueServiceUri: "https://fsstore01.queue.core.windows.net",
      tableServiceUri: "https://fsstore01.table.core.windows.net",
      fileServiceUri: "https://fsstore01.file.core.windows.net",
    });
  });

  it("reads the workflow engine's timeout, concurrency and debugger port, with a clear error for bad values", () => {
    const defaults = loadConfig(storage, { profile: "local", cwd: "/srv/app" });
    expect([defaults.workflowTimeoutMs, defaults.workflowConcurrency, defaults.debugPort]).toEqual([600_000, 4, 9229]);
    const set = loadConfig({ ...storage, WORKFLOW_TIMEOUT_MS: "5000", WORKFLOW_CONCURRENCY: "2", DEBUG_PORT: "0" }, { profile: "local", cwd: "/srv/app" });
    expect([set.workflowTimeoutMs, set.workflowConcurrency, set.debugPort]).toEqual([5000, 2, 0]);
    expect(problemsOf({ ...storage, WORKFLOW_TIMEOUT_MS: "10s", WORKFLOW_CONCURRENCY: "0", DEBUG_PORT: "70000" })).toEqual([
      'DEBUG_PORT="70000" must be a whole number between 0 and 65535.',
      'WORKFLOW_TIMEOUT_MS="10s" must be a whole number between 100 and 1740000.',
      'WORKFLOW_CONCURRENCY="0" must be a whole number between 1 and 64.',
    ]);
  });

  it("accepts ENABLE_REMOTE_DEBUGGING as an alias and strict booleans", () => {
    expect(loadConfig({ ...storage, ENABLE_REMOTE_DEBUGGING: "true" }, { profile: "local" }).enableDebugging).toBe(true);
    expect(loadConfig({ ...storage, ENABLE_DEBUGGING: "0" }, { profile: "local" }).enableDebugging).toBe(false);
  });

  it("trims trailing slashes from URLs and resolves relative folders", () => {
    const config = loadConfig(
      { ...storage, GITHUB_API_URL: "http://127.0.0.1:9000/api/v3/", WORKSPACE_DIR: "ws" },
      { profile: "local", cwd: "/srv/app" },
    );
    expect(config.githubApiUrl).toBe("http://127.0.0.1:9000/api/v3");
    expect(config.workspaceDir).toBe(path.resolve("/srv/app", "ws"));
  });

  it.each<[string, Env, RegExp]>([
    ["no storage at all", {}, /^AzureWebJobsStorage is not set: .*AzureWebJobsStorage__accountName/],
    ["a storage value that is not a connection string", { AzureWebJobsStorage: "hello" }, /not a storage connection string/],
    ["a bad account name", { AzureWebJobsStorage__accountName: "Bad_Name" }, /AzureWebJobsStorage__accountName="Bad_Name"/],
    ["a Key Vault URL over http", { ...storage, KEY_VAULT_URL: "http://kv.vault.azure.net" }, /KEY_VAULT_URL=.* must use https/],
    ["a Key Vault URL that is not a URL", { ...storage, KEY_VAULT_URL: "my vault" }, /KEY_VAULT_URL="my vault" is not a URL/],
    ["an unknown auth mode", { ...storage, AUTH_MODE: "basic" }, /AUTH_MODE="basic" is not supported: use "swa"/],
    ["a non-boolean debug flag", { ...storage, ENABLE_DEBUGGING: "sure" }, /ENABLE_DEBUGGING="sure" must be true or false/],
    ["a file limit that is not a number", { ...storage, MAX_FILE_BYTES: "10MB" }, /MAX_FILE_BYTES="10MB" must be a whole number/],
    ["a port out of range", { ...storage, PORT: "70000" }, /PORT="70000" must be a whole number between 0 and 65535/],
    ["a GitHub URL with another scheme", { ...storage, GITHUB_API_URL: "ftp://example.com" }, /GITHUB_API_URL=.* must be an http/],
    ["temp inside the workspace", { ...storage, WORKSPACE_DIR: "/w", TEMP_DIR: "/w/tmp" }, /TEMP_DIR \(\/w\/tmp\) and WORKSPACE_DIR \(\/w\) overlap/],
    ["an unknown log level", { ...storage, LOG_LEVEL: "loud" }, /LOG_LEVEL="loud" must be one of/],
    ["an unknown console log level", { ...storage, LOG_CONSOLE_LEVEL: "quiet" }, /LOG_CONSOLE_LEVEL="quiet" must be one of/],
  ])("names the variable and the fix for %s", (_label, env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it("reads the trace sampler as Azure Monitor's distro does, with a clear error for what it does not know", () => {
    const telemetry = { ...storage, APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/" };
    const sampling = (env: Env) => loadConfig({ ...telemetry, ...env }, { profile: "local", cwd: "/srv/app" }).telemetry?.sampling;
    expect(sampling({})).toEqual({ kind: "all" });
    expect(sampling({ OTEL_TRACES_SAMPLER: "always_on" })).toEqual({ kind: "all" });
    expect(sampling({ OTEL_TRACES_SAMPLER: "microsoft.rate_limited" })).toEqual({ kind: "rate-limited", tracesPerSecond: 5 });
    expect(sampling({ OTEL_TRACES_SAMPLER: "microsoft.rate_limited", OTEL_TRACES_SAMPLER_ARG: "0.5" })).toEqual({ kind: "rate-limited", tracesPerSecond: 0.5 });
    expect(sampling({ OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG: "0.25" })).toEqual({ kind: "fixed-percentage", ratio: 0.25 });
    expect(sampling({ OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage" })).toEqual({ kind: "fixed-percentage", ratio: 1 });
    expect(problemsOf({ ...telemetry, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" })).toEqual([
      'OTEL_TRACES_SAMPLER must be always_on, microsoft.rate_limited or microsoft.fixed_percentage (Azure Monitor\'s samplers); got "traceidratio".',
    ]);
    expect(problemsOf({ ...telemetry, OTEL_TRACES_SAMPLER: "microsoft.rate_limited", OTEL_TRACES_SAMPLER_ARG: "0" })[0]).toMatch(/traces a second to keep \(a number above 0\).*got "0"/);
    expect(problemsOf({ ...telemetry, OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG: "10%" })[0]).toMatch(/share of traces to keep \(from 0 to 1\).*got "10%"/);
    for (const bad of ["-0.5", "1.5", "NaN", "0x1", "1e-1", "Infinity"]) {
      expect(problemsOf({ ...telemetry, OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG: bad }), bad).toHaveLength(1);
    }
    for (const bad of ["-5", "0", "five", "0x5", "Infinity"]) {
      expect(problemsOf({ ...telemetry, OTEL_TRACES_SAMPLER: "microsoft.rate_limited", OTEL_TRACES_SAMPLER_ARG: bad }), bad).toHaveLength(1);
    }
    // Spaces around, another case, an empty argument: read as meant.
    expect(sampling({ OTEL_TRACES_SAMPLER: " Microsoft.Rate_Limited ", OTEL_TRACES_SAMPLER_ARG: " 2.5 " })).toEqual({ kind: "rate-limited", tracesPerSecond: 2.5 });
    expect(sampling({ OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG: "" })).toEqual({ kind: "fixed-percentage", ratio: 1 });
    expect(sampling({ OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG: ".25" })).toEqual({ kind: "fixed-percentage", ratio: 0.25 });
    // Without a connection string nothing is sampled because nothing is sent: the sampler is not even read.
    expect(problemsOf({ ...storage, OTEL_TRACES_SAMPLER: "nonsense" })).toEqual([]);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({ AUTH_MODE: "x", PORT: "-1" });
    expect(new Set(problems.map((p) => /^\w+/.exec(p)?.[0]))).toEqual(new Set(["AUTH_MODE", "PORT", "AzureWebJobsStorage"]));
    expect(problems).toHaveLength(3);
  });
});

describe("auth settings", () => {
  it("reads github mode's role lists, session length and allowed hosts", () => {
    const config = loadConfig(
      {
        ...storage,
        AUTH_MODE: "GitHub",
        AUTH_ADMINS: "Octocat, team:Acme/platform-team",
        AUTH_OPERATORS: "org:acme",
        AUTH_READERS: " ",
        AUTH_REPOSITORY_ROLES: "true",
        AUTH_SESSION_HOURS: "12",
        ALLOWED_HOSTS: "Funcspace.example.com, [::1]",
      },
      { profile: "container" },
    );
    expect(config.authMode).toBe("github");
    expect(config.roleRules).toEqual({
      admin: [{ kind: "user", login: "octocat" }, { kind: "team", org: "acme", team: "platform-team" }],
      operator: [{ kind: "org", org: "acme" }],
      reader: [],
    });
    expect(config.authRepositoryRoles).toBe(true);
    expect(config.sessionTtlInMs).toBe(12 * 3600_000);
    expect(config.allowedHosts).toEqual(["funcspace.example.com", "[::1]"]);
    expect(config.authSwaEmulator).toBe(false);
  });

  it.each([
    ["an organisation name GitHub cannot have", { AUTH_ADMINS: "org:-acme" }, /AUTH_ADMINS entry "org:-acme" is not a GitHub login/],
    ["an unknown prefix", { AUTH_READERS: "user:octocat" }, /AUTH_READERS entry "user:octocat" is not a GitHub login, org:NAME or team:ORG\/TEAM-SLUG/],
    ["a team without its org", { AUTH_OPERATORS: "team:platform" }, /AUTH_OPERATORS entry "team:platform"/],
    ["an email", { AUTH_ADMINS: "me@example.com" }, /AUTH_ADMINS entry "me@example.com"/],
    ["a URL in ALLOWED_HOSTS", { ALLOWED_HOSTS: "https://x.example" }, /ALLOWED_HOSTS entry "https:\/\/x.example" is not a host name/],
    ["a session of zero hours", { AUTH_SESSION_HOURS: "0" }, /AUTH_SESSION_HOURS="0" must be a whole number between 1 and 720/],
    ["an unknown mode", { AUTH_MODE: "oauth" }, /AUTH_MODE="oauth" is not supported: use "swa".*"github".*"local"/],
  ])("refuses %s", (_label, env, message) => {
    expect(problemsOf({ ...storage, ...env }).join("\n")).toMatch(message);
  });
});
