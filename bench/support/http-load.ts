// An HTTP load generator in its own process (http-load-child.ts): `count` POSTs, either `concurrency` in
// flight or on a schedule of `ratePerSecond` (load-loops.ts), each request's latency measured where it is
// sent. Apart because the caller is GitHub, not the host: a client in the host's event loop would charge its
// own work to the host and queue its timings behind the host's; and its CPU time is counted apart.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadResult } from "./load-loops.js";

export interface HttpLoadRequest {
  url: string;
  /** Same headers for every request, except `perRequestUuidHeader`, which gets a fresh UUID each time. */
  headers: Record<string, string>;
  perRequestUuidHeader?: string;
  body: string;
  expectStatus: number;
  count: number;
  /** Closed loop: this many in flight. */
  concurrency?: number;
  /** Open loop: one request due every 1/rate s (wins over `concurrency`). */
  ratePerSecond?: number;
}

export type HttpLoadResult = LoadResult;

export interface HttpLoad {
  /** The load generator's process (for its CPU time). */
  pid: number;
  /** One run at a time; its connections stay open for the next (as GitHub's would, warm). */
  run(request: HttpLoadRequest): Promise<HttpLoadResult>;
  close(): Promise<void>;
}

export function startHttpLoad(): HttpLoad {
  const child = fileURLToPath(new URL("./http-load-child.ts", import.meta.url));
  const worker = spawn(process.execPath, ["--import", "tsx", child], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
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
