// The ingestion stand-in in a process of its own for the benchmark: Application Insights' ingestion is another
// machine, so its TLS, gunzip and JSON parsing must not be charged to the host being measured.
import { startIngestionStandIn } from "../../test/support/ingestion-stand-in.js";

const standIn = await startIngestionStandIn();
process.send!({ connectionString: standIn.connectionString, ca: standIn.ca });
process.on("message", (message: { kind: "count" | "close" }) => {
  if (message.kind === "count") process.send!({ envelopes: standIn.envelopes.length });
  else void standIn.close().then(() => process.exit(0));
});
