// The load generator's process (see http-load.ts): POSTs with node:http and kept-alive sockets, about half
// the CPU of fetch per request, which matters when it shares two cores with the host it measures.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { closedLoop, openLoop } from "./load-loops.js";
import type { HttpLoadRequest } from "./http-load.js";

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, headers: Record<string, string>, body: string, attempt = 1): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent }, (response) => {
      response.on("data", () => undefined);
      response.on("end", () => resolve(response.statusCode));
      response.on("error", reject);
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed as idle just as it was reused: the request never reached it. Node's
      // documented remedy is to send it again on a new socket (http.ClientRequest `reusedSocket`).
      if (request.reusedSocket && error.code === "ECONNRESET" && attempt <= 3) resolve(post(url, headers, body, attempt + 1));
      else reject(error);
    });
    request.end(body);
  });
}

async function run(request: HttpLoadRequest) {
  const { url, headers, perRequestUuidHeader, body, expectStatus } = request;
  const send = async () => {
    const status = await post(url, perRequestUuidHeader ? { ...headers, [perRequestUuidHeader]: randomUUID() } : headers, body);
    if (status !== expectStatus) throw new Error(`${url} answered ${status}`);
  };
  return request.ratePerSecond ? openLoop(request.count, request.ratePerSecond, send) : closedLoop(request.count, request.concurrency ?? 1, send);
}

process.on("message", (request: HttpLoadRequest) => {
  run(request).then(
    (answer) => process.send!(answer),
    (error: unknown) => process.send!({ failure: String((error as Error)?.stack ?? error) }),
  );
});
