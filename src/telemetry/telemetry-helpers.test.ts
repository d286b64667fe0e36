// The small pure pieces of telemetry: a log line as a log record, a storage URL as its template, a traceparent.
import { afterEach, describe, expect, it } from "vitest";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { trace } from "@opentelemetry/api";
import { logRecordOfLine } from "./log-record-of-line.js";
import { contextFromTraceparent, currentTraceparent, noopTelemetry, recordMetric, setTelemetry, withSpan } from "./telemetry.js";
import { azureTemplate } from "./trace-dependency.js";

describe("logRecordOfLine", () => {
  it("keeps the message, the level, the fields, the contract's names and the error as exception attributes", () => {
    const line = JSON.stringify({ level: "error", time: "2026-12-03T10:00:00.000Z", app: "funcspace", deliveryId: "d-1", count: 3, nested: { a: 1 }, err: { type: "SyncError", message: "fetch failed", stack: "SyncError: fetch failed\n    at x" }, msg: "sync run" });
    const record = logRecordOfLine(line)!;
    expect(record).toMatchObject({ body: "sync run", severityNumber: SeverityNumber.ERROR, severityText: "ERROR" });
    expect(record.attributes).toEqual({
      deliveryId: "d-1",
      "funcspace.delivery_id": "d-1",
      count: 3,
      nested: '{"a":1}',
      "exception.type": "SyncError",
      "exception.message": "fetch failed",
      "exception.stacktrace": "SyncError: fetch failed\n    at x",
    });
  });

  it("ignores what is not a JSON line, and cuts long values", () => {
    expect(logRecordOfLine("not json")).toBeUndefined();
    const record = logRecordOfLine(JSON.stringify({ level: "info", msg: "x", big: "y".repeat(10_000) }))!;
    expect(String(record.attributes!.big).length).toBeLessThan(8_100);
  });
});

describe("azureTemplate", () => {
  it.each([
    ["table", "http://127.0.0.1:10002/devstoreaccount1/syncruns(PartitionKey='a',RowKey='b')?sv=2020&sig=SECRET", "table syncruns", "127.0.0.1:10002"],
    ["queue", "https://acct.queue.core.windows.net/workspace-sync/messages?sig=SECRET&se=2030", "queue workspace-sync", "acct.queue.core.windows.net"],
    ["queue", "http://127.0.0.1:10001/devstoreaccount1/workflow-runs-poison/messages?peekonly=true", "queue workflow-runs-poison", "127.0.0.1:10001"],
    ["share", "https://acct.file.core.windows.net/workspace?restype=share&comp=stats", "share workspace", "acct.file.core.windows.net"],
    ["vault", "https://vault.vault.azure.net/secrets/github-pat-123?api-version=7.5", "vault secrets", "vault.vault.azure.net"],
    ["table", "not a url", "table", "unknown"],
  ] as const)("%s %s → %s", (kind, url, template, host) => {
    expect(azureTemplate(kind, url)).toEqual({ template, host });
  });
});

describe("with telemetry off", () => {
  it("runs the work, records nothing and carries no traceparent", async () => {
    expect(await withSpan("x", {}, async (span) => (span === undefined ? "ran without a span" : "span"))).toBe("ran without a span");
    expect(currentTraceparent()).toBeUndefined();
    expect(() => recordMetric("funcspace.sync.duration", 1)).not.toThrow();
  });

  it("reads a W3C traceparent, and refuses a malformed or all-zero one", () => {
    const parent = contextFromTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    expect(trace.getSpanContext(parent!)).toMatchObject({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", isRemote: true });
    expect(contextFromTraceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01")).toBeUndefined();
    expect(contextFromTraceparent("garbage")).toBeUndefined();
    expect(contextFromTraceparent(undefined)).toBeUndefined();
  });
});

describe("with telemetry on", () => {
  afterEach(() => {
    setTelemetry(undefined);
    context.disable();
  });

  it("makes a span active for what it awaits, but not a leaf (a dependency), which still has the active span as parent", async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer("test");
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    setTelemetry({ ...noopTelemetry, enabled: true, tracer });

    const seen: Record<string, string | undefined> = {};
    await withSpan("request", {}, async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.inRequest = trace.getActiveSpan()?.spanContext().spanId;
      expect(seen.inRequest).toBe(request!.spanContext().spanId);
      await withSpan("dependency", { leaf: true }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.inLeaf = trace.getActiveSpan()?.spanContext().spanId;
      });
      await withSpan("step", {}, async (step) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.inStep = trace.getActiveSpan()?.spanContext().spanId;
        seen.step = step!.spanContext().spanId;
      });
    });

    const spans = Object.fromEntries(exporter.getFinishedSpans().map((span) => [span.name, span]));
    expect(Object.keys(spans).sort()).toEqual(["dependency", "request", "step"]);
    const requestId = spans.request!.spanContext().spanId;
    expect(spans.dependency!.parentSpanContext?.spanId).toBe(requestId);
    expect(spans.step!.parentSpanContext?.spanId).toBe(requestId);
    // Inside the leaf, the request is still the active span; inside a non-leaf, the span itself is.
    expect(seen.inLeaf).toBe(requestId);
    expect(seen.inStep).toBe(seen.step);
    expect(new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId)).size).toBe(1);
  });
});
