// Telemetry end to end: the local host with an Application Insights connection string pointing at the ingestion
// stand-in (test/support/ingestion-stand-in.ts), a real PAT connection to the GitHub stand-in, a real git push whose
// signed webhook becomes a sync, and a workflow run. What arrives must answer "what happened to push abc1234?":
// the webhook request carries the commit and shares its operation id with the sync job; GitHub and storage calls
// are dependencies named by their templates; the metrics of the names contract arrive; log lines arrive as traces
// of the same operation. No envelope holds a secret. Without a connection string nothing is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHostSettings } from "../local/host-json.js";
import { freePort } from "../local/azurite.js";
import { AZURITE_KEY, loadConfig } from "../src/config.js";
import { startTelemetry } from "../src/telemetry/start-telemetry.js";
import { recordOperationalState } from "../src/telemetry/record-operational-state.js";
import { METRICS, ATTRIBUTES } from "../src/telemetry/telemetry-names.js";
import type { Telemetry } from "../src/telemetry/telemetry.js";
import { registerApp } from "./support/github-app-fixtures.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { ingestionAgent, startIngestionStandIn, type Envelope, type IngestionStandIn } from "./support/ingestion-stand-in.js";
import { classicToken } from "./support/pat-tokens.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";
import type { AppCredentials } from "../github-app/app-credentials.js";

const REPOSITORY = "octo-user/telemetry-site";
const ENV_WORKFLOW = `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "env-names",
  parameters: {},
  async run(_params, { log }) {
    log.info("listing the environment");
    return { names: Object.keys(process.env).sort() };
  },
});
`;

const props = (envelope: Envelope): Record<string, string> => (envelope.data?.baseData?.properties ?? {}) as Record<string, string>;
const operationOf = (envelope: Envelope) => envelope.tags?.["ai.operation.id"];
const nameOf = (envelope: Envelope) => String(envelope.data?.baseData?.name ?? "");

async function startHost(github: GitHubStandIn): Promise<TestHost> {
  const port = await freePort();
  const settings = readHostSettings();
  return startTestHost({
    enableQueues: true,
    settings: { ...settings, queues: { ...settings.queues, maxPollingIntervalInMs: 100, visibilityTimeoutInMs: 200 } },
    env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, WORKFLOW_RUNNER: "process" },
  });
}

describe("telemetry to Application Insights", () => {
  let ingestion: IngestionStandIn;
  let telemetry: Telemetry | undefined;
  let github: GitHubStandIn;
  let repo: StandInRepository;
  let host: TestHost;
  let app: AppCredentials;
  const token = classicToken();
  const secrets = new Set<string>([token, AZURITE_KEY]);
  let pushedSha = "";
  let runOutput: { names: string[] } | undefined;

  beforeAll(async () => {
    // Named as an Azure ingestion host: the exporter then sends as it does in production (gzip-compressed).
    const hostName = "westeurope-5.in.applicationinsights.azure.com";
    ingestion = await startIngestionStandIn({ hostName });
    // As the hosts do (local/main.ts, functions/index.ts): before the services, from the parsed configuration.
    const config = loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true", APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString, TELEMETRY_EXPORT_INTERVAL_MS: "500" }, { profile: "local" });
    expect(config.telemetry).toMatchObject({ connectionString: ingestion.connectionString, exportIntervalMs: 500 });
    // The runner must not inherit it (asserted below from inside a workflow).
    process.env.APPLICATIONINSIGHTS_CONNECTION_STRING = ingestion.connectionString;
    telemetry = await startTelemetry(config.telemetry, { exporterOptions: { agent: ingestionAgent(ingestion.ca, hostName) } });
    github = await startGitHubStandIn();
    repo = await github.createRepository(REPOSITORY, { private: true });
    github.addToken(token, { type: "classic", scopes: ["repo", "admin:repo_hook"] });
    host = await startHost(github);
    app = await registerApp(host);
    for (const value of [app.privateKey, app.webhookSecret, app.clientSecret]) secrets.add(value);
  }, 60_000);

  afterAll(async () => {
    delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
    await telemetry?.shutdown();
    await host?.close();
    await github?.close();
    await ingestion?.close();
  });

  it("a push: webhook → queue → sync → workflow run, exported", async () => {
    await repo.commit({ "workflows/env-names.ts": ENV_WORKFLOW });
    const connected = await host.fetch("/api/github/connection", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "pat", token, repository: REPOSITORY, branch: "main" }),
    });
    expect(connected.status).toBe(201);
    const record = await waitFor("the initial sync", async () => {
      const current = (await host.services.connections.get())?.record;
      return current?.state === "Ready" && current.appliedSha ? current : undefined;
    });
    const stored = JSON.parse(await (await import("node:fs/promises")).readFile(host.config.localSecretsFile, "utf8")) as Record<string, string>;
    secrets.add(stored[record.webhookSecretName ?? ""] ?? "missing webhook secret");

    pushedSha = await repo.commit({ "workflows/readme.md": "# pushed\n" });
    await waitFor("the pushed commit applied", async () => {
      const current = (await host.services.connections.get())?.record;
      return current?.appliedSha === pushedSha && current.state === "Ready" ? current : undefined;
    });
    const run = await host.fetch("/api/workflows/env-names/runs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ params: {} }) });
    expect(run.status).toBe(200);
    runOutput = ((await run.json()) as { output: { names: string[] } }).output;

    // An OAuth callback with a code and a state: refused (no such state), and neither value may be recorded.
    const callback = await host.fetch("/api/github/connect/callback?code=oauthcode0123456789&state=oauthstate0123456789&installation_id=42");
    expect(callback.status).toBeGreaterThanOrEqual(400);
    secrets.add("oauthcode0123456789").add("oauthstate0123456789");

    await recordOperationalState(host.services);
    await telemetry!.flush();
  }, 60_000);

  it("the webhook request carries the commit and shares one operation id with its sync job", async () => {
    const webhook = await waitFor("the webhook request", async () =>
      ingestion.ofType("RequestData").find((e) => nameOf(e) === "POST /api/github/webhooks" && props(e)[ATTRIBUTES.commit] === pushedSha),
    );
    expect(props(webhook)).toMatchObject({ [ATTRIBUTES.functionName]: "githubWebhooks", "funcspace.webhook.outcome": "enqueued" });
    expect(props(webhook)[ATTRIBUTES.deliveryId]).toMatch(/\S/);
    expect(webhook.data?.baseData?.responseCode).toBe("202");
    expect(webhook.data?.baseData?.url).toBe("");
    const operation = operationOf(webhook);
    const job = ingestion.ofType("RequestData").find((e) => nameOf(e) === "queue workspace-sync" && operationOf(e) === operation);
    expect(job, "the sync job's request in the webhook's operation").toBeDefined();
    expect(props(job!)).toMatchObject({ [ATTRIBUTES.commit]: pushedSha, [ATTRIBUTES.syncResult]: "applied", [ATTRIBUTES.functionName]: "syncWorker" });
    expect(props(job!)[ATTRIBUTES.syncRunId]).toMatch(/\S/);
    // The job's log lines are traces of the same operation.
    const lines = ingestion.ofType("MessageData").filter((e) => operationOf(e) === operation).map((e) => String(e.data?.baseData?.message));
    expect(lines).toContain("sync run");
    expect(lines).toContain("push enqueued");
    // The push lookup (infra/telemetry/push-summary.kql) reads the sync's result off its "sync run" trace.
    const syncRun = ingestion.ofType("MessageData").find((e) => operationOf(e) === operation && e.data?.baseData?.message === "sync run");
    expect(props(syncRun!)).toMatchObject({ [ATTRIBUTES.syncResult]: "applied", [ATTRIBUTES.commit]: pushedSha, [ATTRIBUTES.syncRunId]: props(job!)[ATTRIBUTES.syncRunId] });
  });

  it("GitHub and storage calls are dependencies named by their templates, without URLs", async () => {
    const dependencies = ingestion.ofType("RemoteDependencyData");
    const githubCalls = dependencies.filter((e) => props(e)["funcspace.dependency.system"] === "GitHub");
    const names = new Set(githubCalls.map(nameOf));
    expect([...names]).toEqual(expect.arrayContaining(["GET /repos/{owner}/{repo}/branches/{branch}"]));
    expect([...names].some((name) => /^GET \/repos\/\{owner\}\/\{repo\}\/(git\/trees|git\/blobs|tarball)/.test(name))).toBe(true);
    for (const dependency of githubCalls) {
      expect(dependency.data?.baseData?.target).toBe(new URL(github.apiUrl).host);
      expect(dependency.data?.baseData?.data ?? "").toBe("");
      expect(nameOf(dependency)).not.toMatch(/\?|octo-user|telemetry-site/);
    }
    const storage = dependencies.filter((e) => /^Azure (table|queue)$/.test(props(e)["funcspace.dependency.system"] ?? ""));
    expect(storage.map(nameOf)).toEqual(expect.arrayContaining([expect.stringMatching(/^POST queue workspace-sync$/), expect.stringMatching(/ table syncruns$/)]));
    for (const dependency of storage) expect(dependency.data?.baseData?.data ?? "").toBe("");
  });

  it("the metrics of the names contract arrive", async () => {
    const metricNames = () => new Set(ingestion.ofType("MetricData").flatMap((e) => (e.data?.baseData?.metrics as { name: string }[] | undefined)?.map((m) => m.name) ?? []));
    const expected = [METRICS.syncDuration, METRICS.syncFiles, METRICS.syncBytes, METRICS.webhookDuration, METRICS.queueAge, METRICS.workflowRunDuration, METRICS.poisonMessages, METRICS.connectionFailed];
    await waitFor("every metric", async () => (expected.every((name) => metricNames().has(name)) ? true : undefined));
    const phases = ingestion.ofType("MetricData").filter((e) => (e.data?.baseData?.metrics as { name: string }[])[0]?.name === METRICS.syncDuration).map((e) => props(e).phase);
    expect(new Set(phases)).toEqual(new Set(["resolve", "plan", "fetch", "apply", "total"]));
    const webhook = ingestion.ofType("MetricData").find((e) => (e.data?.baseData?.metrics as { name: string }[])[0]?.name === METRICS.webhookDuration && props(e).event === "push");
    expect(props(webhook!)).toMatchObject({ outcome: "enqueued" });
  });

  it("the workflow run is a request with its outcome, and the runner saw no telemetry setting", async () => {
    const run = ingestion.ofType("RequestData").find((e) => nameOf(e) === "POST /api/workflows/{name}/runs");
    expect(props(run!)).toMatchObject({ [ATTRIBUTES.workflow]: "env-names", "funcspace.run.status": "succeeded" });
    expect(runOutput?.names).toBeDefined();
    expect(runOutput!.names.filter((name) => /APPLICATIONINSIGHTS|OTEL_|APPLICATION_INSIGHTS/i.test(name))).toEqual([]);
  });

  it("no envelope holds a secret: token, webhook secrets, App key and client secret, storage key, OAuth code and state", async () => {
    await telemetry!.flush();
    const all = ingestion.bodies.join("\n");
    expect(ingestion.bodies.length).toBeGreaterThan(0);
    // Checked as Azure receives them: every request gzip-compressed (the stand-in decompresses before keeping them).
    expect(ingestion.gzipRequestCount).toBe(ingestion.requestCount);
    for (const secret of secrets) {
      expect(all.includes(secret), `a secret of ${secret.length} characters is in an envelope`).toBe(false);
      // A PEM appears JSON-escaped in a body.
      expect(all.includes(JSON.stringify(secret).slice(1, -1)), "an escaped secret is in an envelope").toBe(false);
    }
    const callback = ingestion.ofType("RequestData").find((e) => nameOf(e) === "GET /api/github/connect/callback");
    expect(callback).toBeDefined();
  });

  it("without a connection string nothing is loaded and nothing is sent", async () => {
    await telemetry!.shutdown();
    telemetry = undefined;
    const before = ingestion.requestCount;
    expect(loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }, { profile: "local" }).telemetry).toBeUndefined();
    expect(await startTelemetry(undefined)).toBeUndefined();
    const quiet = await startHost(github);
    try {
      const response = await quiet.fetch("/api/health");
      expect(response.status).toBe(200);
      const run = await quiet.fetch("/api/workflows", { method: "GET" });
      expect(run.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await quiet.close();
    }
    expect(ingestion.requestCount).toBe(before);
  });
});
