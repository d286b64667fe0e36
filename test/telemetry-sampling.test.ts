// Which traces are recorded (OTEL_TRACES_SAMPLER): the real pipeline of start-telemetry.ts (Azure Monitor's samplers
// and exporter, the logger's log records) against the ingestion stand-in. By default every trace is, whatever the
// sampled flag of the Functions host's traceparent says; with microsoft.rate_limited a burst is thinned out, its
// log lines below warn go with the traces sampled out, warnings stay, and metrics are never sampled.
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, type TelemetryConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startTelemetry } from "../src/telemetry/start-telemetry.js";
import { contextFromTraceparent, recordMetric, SpanKind, withSpan, type Telemetry } from "../src/telemetry/telemetry.js";
import { METRICS } from "../src/telemetry/telemetry-names.js";
import { traceDependency } from "../src/telemetry/trace-dependency.js";
import { ingestionAgent, startIngestionStandIn, type Envelope, type IngestionStandIn } from "./support/ingestion-stand-in.js";
import { waitFor } from "./support/wait-for.js";

const HOST_NAME = "westeurope-5.in.applicationinsights.azure.com";
const nameOf = (envelope: Envelope) => String(envelope.data?.baseData?.name ?? "");
const messageOf = (envelope: Envelope) => String(envelope.data?.baseData?.message ?? "");

describe("trace sampling", () => {
  let ingestion: IngestionStandIn | undefined;
  let telemetry: Telemetry | undefined;

  afterEach(async () => {
    await telemetry?.shutdown();
    await ingestion?.close();
    telemetry = undefined;
    ingestion = undefined;
  });

  async function start(env: Record<string, string>): Promise<{ config: TelemetryConfig; ingestion: IngestionStandIn }> {
    ingestion = await startIngestionStandIn({ hostName: HOST_NAME });
    const config = loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true", APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString, TELEMETRY_EXPORT_INTERVAL_MS: "60000", ...env }, { profile: "local" }).telemetry!;
    telemetry = await startTelemetry(config, { exporterOptions: { agent: ingestionAgent(ingestion.ca, HOST_NAME) } });
    return { config, ingestion };
  }

  const quietLogger = () => createLogger({ level: "info", destination: new Writable({ write: (_chunk, _encoding, callback) => callback() }) });

  it("by default records every trace, also one whose host traceparent says not sampled (-00)", async () => {
    const { config, ingestion } = await start({});
    expect(config.sampling).toEqual({ kind: "all" });
    const hostParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
    const log = quietLogger();
    await withSpan("POST /api/github/webhooks", { kind: SpanKind.SERVER, parent: contextFromTraceparent(hostParent) }, async () => {
      log.info("push enqueued");
    });
    await telemetry!.flush();
    const request = await waitFor("the request", async () => ingestion.ofType("RequestData").find((e) => nameOf(e) === "POST /api/github/webhooks"));
    expect(request.tags?.["ai.operation.id"]).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(request.tags?.["ai.operation.parentId"]).toBe("00f067aa0ba902b7");
    const line = await waitFor("the log line", async () => ingestion.ofType("MessageData").find((e) => messageOf(e) === "push enqueued"));
    expect(line.tags?.["ai.operation.id"]).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("microsoft.rate_limited thins a burst out, keeps its warnings and every metric, and records a trace after a quiet second", async () => {
    const { config, ingestion } = await start({ OTEL_TRACES_SAMPLER: "microsoft.rate_limited", OTEL_TRACES_SAMPLER_ARG: "5" });
    expect(config.sampling).toEqual({ kind: "rate-limited", tracesPerSecond: 5 });
    const log = quietLogger();
    const BURST = 400;
    // The sampler's rate follows the gaps between traces: after a quiet second the burst's first is kept for sure.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (let i = 0; i < BURST; i++) {
      await withSpan(`burst ${i}`, { kind: SpanKind.SERVER }, async () => {
        log.info({ i }, "burst info");
        if (i % 10 === 0) log.warn({ i }, "burst warning");
        recordMetric(METRICS.webhookDuration, 1, { outcome: "enqueued" });
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await withSpan("after the quiet", { kind: SpanKind.SERVER }, async () => {
      log.info("after the quiet info");
    });
    await telemetry!.flush();

    const after = await waitFor("the trace after the quiet second", async () => ingestion.ofType("RequestData").find((e) => nameOf(e) === "after the quiet"));
    const requests = ingestion.ofType("RequestData").filter((e) => nameOf(e).startsWith("burst "));
    expect(requests.length, "a burst of 400 roots at 5 traces a second").toBeGreaterThan(0);
    expect(requests.length).toBeLessThan(BURST / 4);
    // Kept at 100 % after the quiet, then at less and less as the burst goes on: each tells Application Insights
    // what it stands for (its itemCount: 100 / sample rate).
    const rates = requests.map((e) => Number(e.sampleRate ?? 100));
    expect(rates[0]).toBe(100);
    expect(Math.min(...rates)).toBeLessThan(20);

    const messages = ingestion.ofType("MessageData");
    const infos = messages.filter((e) => messageOf(e) === "burst info");
    const operationsRecorded = new Set(requests.map((e) => e.tags?.["ai.operation.id"]));
    expect(infos.length, "info lines of the recorded traces only").toBe(requests.length);
    expect(infos.every((e) => operationsRecorded.has(e.tags?.["ai.operation.id"]))).toBe(true);
    expect(messages.filter((e) => messageOf(e) === "burst warning"), "every warning").toHaveLength(BURST / 10);
    expect(messages.find((e) => messageOf(e) === "after the quiet info")?.tags?.["ai.operation.id"]).toBe(after.tags?.["ai.operation.id"]);

    const metric = await waitFor("the webhook metric", async () =>
      ingestion.ofType("MetricData").find((e) => (e.data?.baseData?.metrics as { name: string }[] | undefined)?.some((m) => m.name === METRICS.webhookDuration)),
    );
    const points = (metric.data!.baseData!.metrics as { name: string; count?: number }[]).filter((m) => m.name === METRICS.webhookDuration);
    expect(points.reduce((sum, m) => sum + (m.count ?? 0), 0), "metrics are not sampled").toBe(BURST);
  });

  it("microsoft.fixed_percentage: a kept request's dependencies stand for as many as it does, and a line outside any span is kept", async () => {
    const { ingestion } = await start({ OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG: "0.5" });
    const log = quietLogger();
    for (let i = 0; i < 40; i++) {
      await withSpan(`half ${i}`, { kind: SpanKind.SERVER }, async () => {
        await traceDependency({ method: "GET", template: "/repos/{owner}/{repo}", host: "api.github.com", system: "GitHub" }, async () => ({ status: 200 }), (r) => r.status);
        await withSpan(`step ${i}`, {}, async () => log.info({ i }, "half info"));
      });
    }
    log.info("outside any span");
    await telemetry!.flush();
    await waitFor("the line outside any span", async () => ingestion.ofType("MessageData").find((e) => messageOf(e) === "outside any span"));
    const requests = ingestion.ofType("RequestData").filter((e) => nameOf(e).startsWith("half "));
    // By trace id, about half: none kept or all kept would mean the ratio is not applied (2^-40 by chance).
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThan(40);
    for (const request of requests) {
      expect(request.sampleRate).toBe(50);
      const operation = request.tags?.["ai.operation.id"];
      const children = ingestion.envelopes.filter((e) => e !== request && e.tags?.["ai.operation.id"] === operation && e.data?.baseType !== "MessageData");
      expect(children.map((e) => `${e.data?.baseType} ${nameOf(e)} ${e.sampleRate}`).sort()).toEqual(
        [`RemoteDependencyData GET /repos/{owner}/{repo} 50`, `RemoteDependencyData step ${nameOf(request).slice(5)} 50`].sort(),
      );
    }
    expect(ingestion.ofType("MessageData").filter((e) => messageOf(e) === "half info")).toHaveLength(requests.length);
  });

  it("microsoft.fixed_percentage 0 records no trace, and still every warning", async () => {
    const { config, ingestion } = await start({ OTEL_TRACES_SAMPLER: "microsoft.fixed_percentage", OTEL_TRACES_SAMPLER_ARG: "0" });
    expect(config.sampling).toEqual({ kind: "fixed-percentage", ratio: 0 });
    const log = quietLogger();
    for (let i = 0; i < 20; i++) {
      await withSpan(`job ${i}`, { kind: SpanKind.SERVER }, async () => {
        log.info("job info");
        log.error({ err: new Error("failed") }, "job failed");
      });
    }
    await telemetry!.flush();
    await waitFor("the errors", async () => (ingestion.ofType("ExceptionData").length + ingestion.ofType("MessageData").filter((e) => messageOf(e) === "job failed").length >= 20 ? true : undefined));
    expect(ingestion.ofType("RequestData")).toEqual([]);
    expect(ingestion.ofType("MessageData").filter((e) => messageOf(e) === "job info")).toEqual([]);
  });
});
