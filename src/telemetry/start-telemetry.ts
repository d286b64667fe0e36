// Starts the process's telemetry from APPLICATIONINSIGHTS_CONNECTION_STRING: spans (requests and dependencies),
// metrics and log records, exported by the Azure Monitor exporter to the connection string's IngestionEndpoint.
// Without a connection string nothing is loaded and nothing is sent (the SDK is imported lazily, here only).
//
// Why these pieces and not the distro (@azure/monitor-opentelemetry): the distro's value is automatic
// instrumentation through require hooks (http, Azure SDK, bunyan, winston…), which do not see our ESM imports and
// would record what we do not want (full URLs with query strings). We instrument our few boundaries ourselves
// (functions/define.ts, the Octokit hook, the storage pipeline policy) and use the same exporter the distro uses.
// https://learn.microsoft.com/azure/azure-monitor/app/opentelemetry-enable?tabs=nodejs
// https://learn.microsoft.com/javascript/api/overview/azure/monitor-opentelemetry-exporter-readme
import { createRequire } from "node:module";
import { hostname } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { context, trace, TraceFlags, type Attributes, type Context, type Histogram, type Gauge } from "@opentelemetry/api";
import type { SamplingDecision, Sampler } from "@opentelemetry/sdk-trace-base";
import type { TelemetryConfig } from "../config.js";
import { logRecordOfLine } from "./log-record-of-line.js";
import { METRICS } from "./telemetry-names.js";
import { getTelemetry, setTelemetry, type MetricName, type Telemetry } from "./telemetry.js";

export interface StartTelemetryOptions {
  /**
   * Extra exporter options. Tests pass `tlsOptions: { ca }` for a loopback ingestion stand-in (the exporter turns
   * an `http://` IngestionEndpoint into `https://`); `npm start` users set NODE_EXTRA_CA_CERTS instead.
   */
  exporterOptions?: Record<string, unknown>;
}

/** Starts telemetry when configured and installs it as the process's; with `undefined`, the no-op stays. */
export async function startTelemetry(config: TelemetryConfig | undefined, options: StartTelemetryOptions = {}): Promise<Telemetry | undefined> {
  if (!config) return undefined;
  // Statsbeat (the SDK's reports about itself, sent to Microsoft's endpoints whatever the connection string says)
  // is off: only the configured IngestionEndpoint receives anything. Read by the exporter's constructor.
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = "true";
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = "true";
  process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = "true";
  const [exporters, traceSdk, metricsSdk, logsSdk, resources, asyncHooks] = await Promise.all([
    import("@azure/monitor-opentelemetry-exporter"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/sdk-logs"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/context-async-hooks"),
  ]);
  const exporterOptions = { connectionString: config.connectionString, disableOfflineStorage: true, ...options.exporterOptions };
  const resource = resources.resourceFromAttributes({
    "service.name": config.roleName,
    "service.instance.id": process.env.WEBSITE_INSTANCE_ID ?? hostname(),
  });
  const batchDelayInMs = Math.min(config.exportIntervalMs, 5000);

  // Who decides whether a trace is recorded: Azure Monitor's sampler for a trace this process starts or continues
  // from elsewhere (a fixed percentage by trace id, so that instances agree; rate-limited at this instance's own
  // rate); a span under a kept span of this process is kept, at its rate (followLocalParent, below). A remote
  // parent's sampled flag is not obeyed: the Functions host passes its own traceparent to each invocation, whose
  // flag is its sampling's (`-00` when it keeps nothing), not ours; a queued job's traceparent is ours, and by
  // trace id the same decision again (fixed percentage) or a fresh one at the job's own rate (rate-limited).
  const azureSampler =
    config.sampling.kind === "rate-limited"
      ? new exporters.RateLimitedSampler(config.sampling.tracesPerSecond)
      : new exporters.ApplicationInsightsSampler(config.sampling.kind === "fixed-percentage" ? config.sampling.ratio : 1);
  const sampler = new traceSdk.ParentBasedSampler({
    root: azureSampler,
    remoteParentSampled: azureSampler,
    remoteParentNotSampled: azureSampler,
    localParentSampled: followLocalParent(traceSdk.SamplingDecision.RECORD_AND_SAMPLED),
  });
  const tracerProvider = new traceSdk.BasicTracerProvider({
    resource,
    sampler,
    spanProcessors: [
      new traceSdk.BatchSpanProcessor(new exporters.AzureMonitorTraceExporter(exporterOptions), { scheduledDelayMillis: batchDelayInMs }),
    ],
  });
  const metricReader = new metricsSdk.PeriodicExportingMetricReader({
    exporter: new exporters.AzureMonitorMetricExporter(exporterOptions),
    exportIntervalMillis: config.exportIntervalMs,
    exportTimeoutMillis: Math.min(config.exportIntervalMs, 30_000),
  });
  const meterProvider = new metricsSdk.MeterProvider({ resource, readers: [metricReader] });
  const loggerProvider = new logsSdk.LoggerProvider({
    resource,
    processors: [new logsSdk.BatchLogRecordProcessor({ exporter: new exporters.AzureMonitorLogExporter(exporterOptions), scheduledDelayMillis: batchDelayInMs })],
  });
  await stopSettingsPolling();

  // Spans follow the work across awaits (an Octokit call inside a sync job is that job's dependency).
  // One per process: a second start (a test, the bench's second pipeline) uses the one registered, and its
  // shutdown leaves that one alone.
  const contextManager = new asyncHooks.AsyncLocalStorageContextManager().enable();
  const ownsContextManager = context.setGlobalContextManager(contextManager);
  if (!ownsContextManager) contextManager.disable();

  const tracer = tracerProvider.getTracer("funcspace");
  const meter = meterProvider.getMeter("funcspace");
  const logger = loggerProvider.getLogger("funcspace");
  const instruments = new Map<MetricName, Histogram | Gauge>();
  const instrument = (name: MetricName): Histogram | Gauge => {
    let made = instruments.get(name);
    if (!made) {
      made = name === METRICS.connectionFailed ? meter.createGauge(name) : meter.createHistogram(name, { unit: unitOf(name) });
      instruments.set(name, made);
    }
    return made;
  };
  const flush = async () => {
    await Promise.allSettled([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
    await metricReader.forceFlush().catch(() => undefined);
  };

  const telemetry: Telemetry = {
    enabled: true,
    tracer,
    record(name: MetricName, value: number, attributes?: Attributes) {
      instrument(name).record(value, attributes);
    },
    emitLogLine(line: string, level?: number) {
      const active = context.active();
      // A line logged in a trace that is not recorded goes with it (the distro's trace-based log sampling), unless
      // it is a warning or worse: those an operator looks for even when the trace around them was sampled out.
      if (level !== undefined && level < WARN_LEVEL && !isRecordedOrOutside(active)) return;
      const record = logRecordOfLine(line);
      if (record) logger.emit({ ...record, context: active });
    },
    flush,
    async shutdown() {
      if (getTelemetry() === telemetry) setTelemetry(undefined);
      await flush();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
      if (ownsContextManager) {
        contextManager.disable();
        context.disable();
      }
    },
  };
  setTelemetry(telemetry);
  return telemetry;
}

/**
 * The attribute by which a kept span says what share of its kind it stands for (the Azure Monitor exporter's
 * `AzureMonitorSampleRate`, not exported by the package): Application Insights counts it back (itemCount).
 */
const SAMPLE_RATE = "microsoft.sample_rate";

/**
 * A span under a kept span of this process is kept, at its parent's rate: a dependency stands for as many calls
 * as its request stands for requests. (OpenTelemetry's AlwaysOn would keep it at 100 %, so that a tenth of the
 * requests would come with a hundredth of the dependencies in Application Insights' counts; Azure's own samplers
 * would draw a rate-limited budget for every child.)
 */
function followLocalParent(recordAndSampled: SamplingDecision): Sampler {
  return {
    shouldSample(parentContext: Context) {
      const rate = (trace.getSpan(parentContext) as { attributes?: Attributes } | undefined)?.attributes?.[SAMPLE_RATE];
      return { decision: recordAndSampled, attributes: typeof rate === "number" ? { [SAMPLE_RATE]: rate } : undefined };
    },
    toString: () => "FollowLocalParent",
  };
}

/** pino's number for `warn`. */
const WARN_LEVEL = 40;

/** Whether the context's span (if any) is recorded: a line outside any span is kept. */
function isRecordedOrOutside(active: Context): boolean {
  const spanContext = trace.getSpan(active)?.spanContext();
  return !spanContext || (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}

function unitOf(name: MetricName): string {
  switch (name) {
    case METRICS.syncBytes:
      return "By";
    case METRICS.syncFiles:
    case METRICS.poisonMessages:
      return "{item}";
    default:
      return "ms";
  }
}

/**
 * The exporter polls Microsoft's SDK settings service (settings.sdk.monitor.azure.com) from its first exporter's
 * constructor, with no option to turn it off; funcspace sends nothing but to the configured IngestionEndpoint, so
 * the poller (started 5-15 s later) is stopped here. Not public API: if the module moves, the poller runs and the
 * start-up log says so.
 */
async function stopSettingsPolling(): Promise<void> {
  try {
    const require = createRequire(import.meta.url);
    const root = path.dirname(require.resolve("@azure/monitor-opentelemetry-exporter/package.json"));
    const module = (await import(pathToFileURL(path.join(root, "dist/esm/_configuration/configurationManager.js")).href)) as {
      ConfigurationManager?: { getInstance(): { shutdown(): void } };
    };
    module.ConfigurationManager?.getInstance().shutdown();
  } catch {
    // Logged by the caller through settingsPollingStopped() below.
    settingsPollingStoppedFlag = false;
  }
}

let settingsPollingStoppedFlag = true;

/** Whether the exporter's settings poller was stopped (for the start-up log line). */
export function settingsPollingStopped(): boolean {
  return settingsPollingStoppedFlag;
}
