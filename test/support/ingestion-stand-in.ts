// An Application Insights ingestion endpoint on loopback: accepts what the Azure Monitor exporter posts to
// `/v2.1/track` (a JSON array of envelopes, gzip-compressed or not; NDJSON too, as older SDKs sent) and keeps
// each request's raw text and its envelopes for assertions. HTTPS with a self-signed certificate for 127.0.0.1:
// the exporter turns an `http://` IngestionEndpoint into `https://`, so clients trust `ca` (exporter
// `tlsOptions`, or NODE_EXTRA_CA_CERTS for `npm start`). `scripts/ingestion-stand-in.ts` prints what arrives.
import { Agent, createServer, type Server } from "node:https";
import type { LookupFunction } from "node:net";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import selfsigned from "selfsigned";

export interface Envelope {
  name: string;
  time: string;
  iKey?: string;
  /** The sampling percentage the item was kept at (100 / what it stands for): set by a sampler below 100. */
  sampleRate?: number;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> & { properties?: Record<string, string> } };
}

export interface IngestionStandIn {
  /** `InstrumentationKey=…;IngestionEndpoint=https://127.0.0.1:port/` */
  connectionString: string;
  instrumentationKey: string;
  url: string;
  /** The certificate to trust (PEM). */
  ca: string;
  /** Every request to the track endpoint: its decompressed body, as sent. */
  bodies: string[];
  envelopes: Envelope[];
  /** Every request, whatever its path (the "sends nothing" assertion counts them). */
  requestCount: number;
  /** Track requests that came gzip-compressed (the exporter compresses only for Azure's ingestion host names). */
  gzipRequestCount: number;
  /** Envelopes of one kind: RequestData, RemoteDependencyData, MessageData, ExceptionData, MetricData. */
  ofType(baseType: string): Envelope[];
  onEnvelope?: (envelope: Envelope) => void;
  close(): Promise<void>;
}

export interface IngestionStandInOptions {
  port?: number;
  /**
   * Answer as this Azure ingestion host name (`<region>.in.applicationinsights.azure.com`) instead of 127.0.0.1:
   * the exporter gzips what it sends only to Azure's ingestion domains, so a benchmark of the production path needs
   * one. Nothing resolves the name here: clients connect through `ingestionAgent(ca, hostName)`.
   */
  hostName?: string;
}

export async function startIngestionStandIn(options: IngestionStandInOptions = {}): Promise<IngestionStandIn> {
  const pems = selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
    days: 1,
    keySize: 2048,
    extensions: [
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }, ...(options.hostName ? [{ type: 2, value: options.hostName }] : [])] },
    ],
  });
  const instrumentationKey = "00000000-0000-4000-8000-00000000c0de";
  const state = {
    bodies: [] as string[],
    envelopes: [] as Envelope[],
    requestCount: 0,
    gzipRequestCount: 0,
  };
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    state.requestCount++;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || !/\/track$/.test(new URL(req.url ?? "/", "https://x").pathname)) {
        res.writeHead(404).end();
        return;
      }
      let raw = Buffer.concat(chunks);
      if (/gzip/i.test(String(req.headers["content-encoding"] ?? ""))) {
        raw = gunzipSync(raw);
        state.gzipRequestCount++;
      }
      const text = raw.toString("utf8");
      state.bodies.push(text);
      const items = parseEnvelopes(text);
      state.envelopes.push(...items);
      for (const item of items) standIn.onEnvelope?.(item);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://${options.hostName ?? "127.0.0.1"}:${port}/`;
  const standIn: IngestionStandIn = {
    connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${url}`,
    instrumentationKey,
    url,
    ca: pems.cert,
    get bodies() {
      return state.bodies;
    },
    get envelopes() {
      return state.envelopes;
    },
    get requestCount() {
      return state.requestCount;
    },
    get gzipRequestCount() {
      return state.gzipRequestCount;
    },
    ofType: (baseType) => state.envelopes.filter((e) => e.data?.baseType === baseType),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standIn;
}

/**
 * An HTTPS agent for the exporter (`exporterOptions.agent`) that trusts the stand-in and reaches `hostName` on
 * loopback: the name is answered by this agent's own lookup, the process's DNS is left alone.
 */
export function ingestionAgent(ca: string, hostName: string): Agent {
  const lookup: LookupFunction = (name, lookupOptions, callback) => {
    if (name !== hostName) return callback(Object.assign(new Error(`ingestionAgent reaches only ${hostName}, not ${name}`), { code: "ENOTFOUND" }), "", 4);
    if (lookupOptions.all) return (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
    callback(null, "127.0.0.1", 4);
  };
  return new Agent({ keepAlive: true, ca, lookup });
}

/** A JSON array (the exporter), or one envelope per line (NDJSON). */
export function parseEnvelopes(text: string): Envelope[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith("[")) return JSON.parse(trimmed) as Envelope[];
  return trimmed.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Envelope);
}
