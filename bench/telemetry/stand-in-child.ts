// The ingestion stand-in in a process of its own for the benchmark: Application Insights' ingestion is another
// machine, so its TLS, gunzip and JSON parsing must not be charged to the host being measured.
import { startIngestionStandIn } from "../../test/support/ingestion-stand-in.js";

// Named as an Azure ingestion host: the exporter gzips only for those (as it does in production).
const hostName = "bench.in.applicationinsights.azure.com";
const standIn = await startIngestionStandIn({ hostName });
process.send!({ connectionString: standIn.connectionString, ca: standIn.ca, hostName });
process.on("message", (message: { kind: "count" | "close" }) => {
  if (message.kind === "count") process.send!({ envelopes: standIn.envelopes.length, requests: standIn.requestCount, gzipRequests: standIn.gzipRequestCount });
  else void standIn.close().then(() => process.exit(0));
});
