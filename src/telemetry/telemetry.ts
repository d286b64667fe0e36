// The process's telemetry: one tracer, one meter and one log sink, no-ops until start-telemetry.ts replaces them.
// Everything else in the app calls the helpers below, so code that runs with telemetry off pays one property read.
// Kept process-wide on purpose (as OpenTelemetry's own API is): the GitHub and storage clients that record
// dependencies are built in many places, and threading a handle through each would touch every constructor.
import { context, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { knownSecretValues } from "../known-secret-values.js";
import { METRICS } from "./telemetry-names.js";

export { SpanKind };

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

export interface Telemetry {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Records one value of a histogram (or the current value of a gauge) from the names contract. */
  record(name: MetricName, value: number, attributes?: Attributes): void;
  /**
   * One already-redacted pino line, as a log record in the active context (src/logger.ts calls it, with pino's
   * number for the line's level: below warn, a line in a trace that is not recorded is dropped with it).
   */
  emitLogLine(line: string, level?: number): void;
  /** Sends what is buffered (spans, logs, metrics). */
  flush(): Promise<void>;
  /** Flushes, then stops; the process's telemetry is off again afterwards. */
  shutdown(): Promise<void>;
}

/** Telemetry off: records nothing, makes no span active (tests and the bench spread it to switch one piece on). */
export const noopTelemetry: Telemetry = {
  enabled: false,
  tracer: trace.getTracer("funcspace-noop"),
  record: () => undefined,
  emitLogLine: () => undefined,
  flush: async () => undefined,
  shutdown: async () => undefined,
};

let active: Telemetry = noopTelemetry;

export function getTelemetry(): Telemetry {
  return active;
}

/** Installs `telemetry` as the process's (start-telemetry.ts); `undefined` puts the no-op back. */
export function setTelemetry(telemetry: Telemetry | undefined): void {
  active = telemetry ?? noopTelemetry;
}

export function recordMetric(name: MetricName, value: number, attributes?: Attributes): void {
  if (active.enabled) active.record(name, value, attributes);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context (from a message's or the host's traceparent); default the active one. */
  parent?: Context;
  /**
   * A leaf (an outbound call: nothing it awaits records telemetry of its own) is not made the active span: no
   * context switch per call, which on Node < 24 costs a run of AsyncLocalStorage's promise hooks. Default false.
   */
  leaf?: boolean;
}

/**
 * Runs `fn` inside a span (active for everything it awaits); an error marks the span failed, is recorded and rethrown.
 * With telemetry off it only calls `fn`.
 */
export async function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!active.enabled) return fn(undefined);
  const parent = options.parent ?? context.active();
  const span = active.tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await (options.leaf ? fn(span) : context.with(trace.setSpan(parent, span), () => fn(span)));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
    span.recordException(safeException(error));
    throw error;
  } finally {
    span.end();
  }
}

/** Sets attributes on the active span, if any (a sync run adds its commit and result to the job's span). */
export function annotateActiveSpan(attributes: Attributes): void {
  if (!active.enabled) return;
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** The active span's W3C `traceparent`, to carry in a queue message; undefined with telemetry off or no span. */
export function currentTraceparent(): string | undefined {
  if (!active.enabled) return undefined;
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & 1}`;
}

/** The active trace id (Application Insights `operation_Id`), for a log line that points at another operation. */
export function currentTraceId(): string | undefined {
  if (!active.enabled) return undefined;
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A context whose remote parent is `traceparent` (W3C Trace Context); the root context when it is absent or malformed. */
export function contextFromTraceparent(traceparent: unknown): Context | undefined {
  if (typeof traceparent !== "string") return undefined;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!match) return undefined;
  const spanContext = { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & 1, isRemote: true };
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  return trace.setSpanContext(context.active(), spanContext);
}

/**
 * An error as the span records it: its name and its message scrubbed of the secret values the process knows, as
 * the log line of the same failure is (src/known-secret-values.ts). No stack: the log record carries it.
 */
function safeException(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: knownSecretValues.scrub(error.message) };
  return { name: "Error", message: "non-error thrown" };
}
