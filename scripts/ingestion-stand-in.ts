// npm run ingestion-stand-in [port]: an Application Insights ingestion endpoint on loopback for development
// (test/support/ingestion-stand-in.ts), printing one line per item that arrives. It says how to start the
// platform against it: the exporter speaks HTTPS, so Node must trust the stand-in's certificate.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startIngestionStandIn, type Envelope } from "../test/support/ingestion-stand-in.js";

const port = Number(process.argv[2] ?? 0);
const standIn = await startIngestionStandIn({ port });
const caFile = path.resolve(".data/ingestion-stand-in-ca.pem");
await mkdir(path.dirname(caFile), { recursive: true });
await writeFile(caFile, standIn.ca);
console.log(`Ingestion stand-in on ${standIn.url}v2.1/track

Start the platform against it (another terminal):
  APPLICATIONINSIGHTS_CONNECTION_STRING='${standIn.connectionString}' TELEMETRY_EXPORT_INTERVAL_MS=5000 NODE_EXTRA_CA_CERTS=${caFile} npm start

Ctrl+C stops.`);

standIn.onEnvelope = (envelope) => console.log(describe(envelope));

function describe(envelope: Envelope): string {
  const data = envelope.data?.baseData ?? {};
  const operation = envelope.tags?.["ai.operation.id"]?.slice(0, 8) ?? "--------";
  const properties = Object.entries(data.properties ?? {})
    .filter(([name]) => name.startsWith("funcspace.") || ["phase", "outcome", "queue", "result", "kind", "method"].includes(name))
    .map(([name, value]) => `${name}=${String(value).slice(0, 40)}`)
    .join(" ");
  switch (envelope.data?.baseType) {
    case "RequestData":
      return `${operation} request    ${String(data.name)} → ${String(data.responseCode)} ${String(data.duration)} ${properties}`;
    case "RemoteDependencyData":
      return `${operation} dependency ${String(data.name)} @ ${String(data.target)} → ${String(data.resultCode)} ${String(data.duration)}`;
    case "MessageData":
      return `${operation} trace      [${String(data.severityLevel)}] ${String(data.message)} ${properties}`;
    case "ExceptionData":
      return `${operation} exception  ${JSON.stringify((data as { exceptions?: unknown }).exceptions).slice(0, 200)}`;
    case "MetricData": {
      const metric = (data as { metrics?: { name: string; value: number; count?: number }[] }).metrics?.[0];
      return `         metric     ${metric?.name} = ${metric?.value}${metric?.count ? ` (count ${metric.count})` : ""} ${properties}`;
    }
    default:
      return `${operation} ${envelope.name}`;
  }
}

const stop = () => void standIn.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
