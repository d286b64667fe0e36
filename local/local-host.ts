// The local stand-in for the Functions host: HTTP routes, queue pollers and timers for the declared
// triggers, all against the given services. `npm start` and the tests both start it through here.
import type { AddressInfo } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpTrigger, QueueTrigger, TimerTrigger, Trigger } from "../functions/define.js";
import type { Services } from "../functions/services.js";
import { readHostSettings, type HostSettings } from "./host-json.js";
import { createHttpServer } from "./http-server.js";
import { pollQueue } from "./queue-poller.js";
import { scheduleTimer } from "./timer-scheduler.js";

export interface LocalHostOptions {
  triggers: readonly Trigger[];
  services: Services;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  settings?: HostSettings;
  /** Tests may serve HTTP only, or drive queues themselves. */
  enableQueues?: boolean;
  enableTimers?: boolean;
  fallback?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface LocalHost {
  url: string;
  /** What is served, for the start-up banner and the parity test. */
  routes: { name: string; methods: string[]; path: string }[];
  queues: string[];
  timers: { name: string; schedule: string }[];
  close(): Promise<void>;
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { services } = options;
  const settings = options.settings ?? readHostSettings();
  const http = options.triggers.filter((t): t is HttpTrigger => t.kind === "http");
  const queues = options.triggers.filter((t): t is QueueTrigger => t.kind === "queue");
  const timers = options.triggers.filter((t): t is TimerTrigger => t.kind === "timer");

  const server = createHttpServer({ triggers: http, services, routePrefix: settings.routePrefix, fallback: options.fallback });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 7071, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostName = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostName === "0.0.0.0" ? "127.0.0.1" : hostName}:${address.port}`;

  const stopping = new AbortController();
  const pollers = options.enableQueues === false
    ? []
    : queues.map((trigger) => pollQueue({ trigger, services, settings: settings.queues, abortSignal: stopping.signal }));
  const scheduled = options.enableTimers === false ? [] : timers.map((trigger) => scheduleTimer(trigger, services));

  return {
    url,
    routes: http.map((t) => ({ name: t.name, methods: t.methods, path: `/${settings.routePrefix}/${t.route}` })),
    queues: queues.map((t) => t.queueName),
    timers: timers.map((t) => ({ name: t.name, schedule: t.schedule(services.config) })),
    async close() {
      stopping.abort();
      for (const timer of scheduled) timer.stop();
      server.closeIdleConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Streams still open after a grace period (a hung client) are cut.
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await Promise.allSettled([closed, ...pollers]);
      clearTimeout(grace);
    },
  };
}
