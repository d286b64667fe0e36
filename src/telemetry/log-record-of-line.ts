// One pino line (already redacted by field name and scrubbed of known secret values: src/logger.ts) as an
// OpenTelemetry log record: the message as body, the level as severity, the fields as attributes, and a logged
// `err` as the exception attributes Application Insights turns into an `exceptions` item.
import { SeverityNumber, type LogRecord } from "@opentelemetry/api-logs";
import type { AttributeValue } from "@opentelemetry/api";
import { ATTRIBUTES } from "./telemetry-names.js";

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** Fields every line has, or that say nothing an operator filters on. */
const SKIPPED = new Set(["level", "time", "msg", "app", "err", "pid", "hostname"]);

/** Our field names that mean a name of the contract (telemetry-names.ts), copied under it too. */
const CONTRACT: Record<string, string> = {
  deliveryId: ATTRIBUTES.deliveryId,
  commit: ATTRIBUTES.commit,
  syncRunId: ATTRIBUTES.syncRunId,
  syncResult: ATTRIBUTES.syncResult,
  workflow: ATTRIBUTES.workflow,
};

/** A field's value longer than this is cut (Application Insights keeps 8,192 characters of a property). */
const MAX_VALUE_LENGTH = 8000;

export function logRecordOfLine(line: string): LogRecord | undefined {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof fields !== "object" || fields === null) return undefined;
  const level = typeof fields.level === "string" ? fields.level : "info";
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (SKIPPED.has(name) || value === undefined || value === null) continue;
    const converted = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : cut(JSON.stringify(value));
    attributes[name] = typeof converted === "string" ? cut(converted) : converted;
    const contractName = CONTRACT[name];
    if (contractName) attributes[contractName] = attributes[name]!;
  }
  const err = fields.err as { type?: unknown; message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err === "object") {
    attributes["exception.type"] = String(err.type ?? "Error");
    attributes["exception.message"] = cut(String(err.message ?? ""));
    if (typeof err.stack === "string") attributes["exception.stacktrace"] = cut(err.stack);
  }
  return {
    body: typeof fields.msg === "string" ? fields.msg : "",
    severityNumber: SEVERITY[level] ?? SeverityNumber.INFO,
    severityText: level.toUpperCase(),
    attributes,
    timestamp: typeof fields.time === "string" ? new Date(fields.time) : new Date(),
  };
}

function cut(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;
}
