// The small pure pieces of telemetry: a log line as a log record, a storage URL as its template, a traceparent.
import { describe, expect, it } from "vitest";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { trace } from "@opentelemetry/api";
import { logRecordOfLine } from "./log-record-of-line.js";
import { contextFromTraceparent, currentTraceparent, recordMetric, withSpan } from "./telemetry.js";
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
