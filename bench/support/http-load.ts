// An HTTP load generator in its own process: `count` POSTs, `concurrency` in flight, each request's latency
// measured where it is sent. Apart because the caller is GitHub, not the host: a client in the
// host's event loop would charge its own fetch work (a fifth of the loop's time at hundreds of requests a
// second) to the host, and queue its timings behind the host's work.
// The process also keeps its CPU time apart from the host's. Plain JavaScript run with `node -e`, so it
// loads the same way under tsx as anywhere else.
import { spawn } from "node:child_process";

export interface HttpLoadRequest {
  url: string;
  /** Same headers for every request, except `perRequestUuidHeader`, which gets a fresh UUID each time. */
  headers: Record<string, string>;
  perRequestUuidHeader?: string;
  body: string;
  expectStatus: number;
  count: number;
  concurrency: number;
}

export interface HttpLoadResult {
  latencies: number[];
  perSecond: number;
}

const WORKER = `
const { randomUUID } = require("node:crypto");
const http = require("node:http");
// node:http with kept-alive sockets, one per lane: about half the CPU of fetch per request, which matters
// when the client shares two cores with the host it measures.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent }, (response) => {
      response.on("data", () => undefined);
      response.on("end", () => resolve(response.statusCode));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}
process.on("message", (request) => run(request).then(
  (answer) => process.send(answer),
  (error) => process.send({ failure: String((error && error.stack) || error) }),
));
async function run({ url, headers, perRequestUuidHeader, body, expectStatus, count, concurrency }) {
  const latencies = [];
  let next = 0;
  let failure;
  const started = performance.now();
  async function lane() {
    while (next < count && !failure) {
      next++;
      const t = performance.now();
      const h = perRequestUuidHeader ? { ...headers, [perRequestUuidHeader]: randomUUID() } : headers;
      const status = await post(url, h, body);
      if (status !== expectStatus) failure = url + " answered " + status;
      latencies.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const perSecond = (count / (performance.now() - started)) * 1000;
  return failure ? { failure } : { latencies, perSecond };
}
`;

export interface HttpLoad {
  /** The load generator's process (for its CPU time). */
  pid: number;
  /** One run at a time; its connections stay open for the next (as GitHub's would, warm). */
  run(request: HttpLoadRequest): Promise<HttpLoadResult>;
  close(): Promise<void>;
}

export function startHttpLoad(): HttpLoad {
  const worker = spawn(process.execPath, ["-e", WORKER], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return {
    pid: worker.pid!,
    async run(request) {
      const answer = await new Promise<HttpLoadResult & { failure?: string }>((resolve, reject) => {
        const fail = (error: Error) => {
          worker.off("exit", exited);
          reject(error);
        };
        const exited = (code: number | null, signal: string | null) => {
          worker.off("error", fail);
          reject(new Error(`http load: the load generator exited (${signal ?? `code ${code}`})`));
        };
        worker.once("error", fail);
        worker.once("exit", exited);
        worker.once("message", (message: HttpLoadResult & { failure?: string }) => {
          worker.off("error", fail);
          worker.off("exit", exited);
          resolve(message);
        });
        worker.send(request);
      });
      if (answer.failure) throw new Error(`http load: ${answer.failure}`);
      return answer;
    },
    async close() {
      worker.kill();
    },
  };
}
