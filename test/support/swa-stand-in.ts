// A loopback server that speaks the one Azure Static Web Apps endpoint the platform calls: `GET /.auth/me`, which
// answers `{ "clientPrincipal": {...} }` for the session a `StaticWebAppsAuthCookie` belongs to and
// `{ "clientPrincipal": null }` otherwise (learn.microsoft.com/azure/static-web-apps/user-information). Its cookies
// are sealed as SWA's are: random values that mean something only to this server (unlike the SWA CLI's, which are
// plain base64 JSON). Sessions can be ended, the server can be made to fail or stall, and every request is recorded.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface SwaClientPrincipal {
  identityProvider: string;
  userId: string;
  userDetails: string;
  userRoles: string[];
}

export interface SwaStandIn {
  url: string;
  /** `https://…/.auth/me` is what production uses; here the loopback address of the endpoint. */
  meUrl: string;
  /** Signs someone in: the `cookie` header value a browser would send from then on. */
  signIn(principal: Omit<SwaClientPrincipal, "userRoles"> & { roles: string[] }): string;
  signOut(cookie: string): void;
  /** Every request's path and headers, in order. */
  requests: { path: string; headers: IncomingHttpHeaders }[];
  /** `status`: answer every request with it; `stall`: never answer; undefined: behave. */
  fault: { status?: number; body?: string; stall?: boolean } | undefined;
  close(): Promise<void>;
}

const COOKIE = "StaticWebAppsAuthCookie";

export async function startSwaStandIn(): Promise<SwaStandIn> {
  const sessions = new Map<string, SwaClientPrincipal>();
  const requests: SwaStandIn["requests"] = [];
  const stalled = new Set<import("node:http").ServerResponse>();
  const state: Pick<SwaStandIn, "fault"> = { fault: undefined };

  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", headers: req.headers });
    const fault = state.fault;
    if (fault?.stall) {
      stalled.add(res);
      return;
    }
    if (fault?.status) {
      res.writeHead(fault.status, { "content-type": "text/html" }).end(fault.body ?? "<h1>error</h1>");
      return;
    }
    if (req.method !== "GET" || new URL(req.url ?? "/", "http://x").pathname !== "/.auth/me") {
      res.writeHead(404, { "content-type": "text/html" }).end("<h1>404</h1>");
      return;
    }
    const value = /(?:^|;\s*)StaticWebAppsAuthCookie=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const principal = value ? sessions.get(value) : undefined;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ clientPrincipal: principal ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(state, {
    url,
    meUrl: `${url}/.auth/me`,
    requests,
    signIn({ roles, ...who }: Omit<SwaClientPrincipal, "userRoles"> & { roles: string[] }) {
      const value = randomBytes(32).toString("base64url");
      sessions.set(value, { ...who, userRoles: ["anonymous", "authenticated", ...roles] });
      return `other=1; ${COOKIE}=${value}`;
    },
    signOut(cookie: string) {
      const value = /StaticWebAppsAuthCookie=([^;]+)/.exec(cookie)?.[1];
      if (value) sessions.delete(value);
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
