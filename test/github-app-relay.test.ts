// npm run relay: smee-client replays events from an SSE channel (smee.io's event format) to the local host's
// webhook route. Here the channel is a local SSE server; the host, Probot and Azurite are real.
import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppCredentials } from "../github-app/app-credentials.js";
import { readRelayConfig, startRelay, type Relay } from "../github-app/start-relay.js";
import { connect, pushPayload, queuedJobs, registerApp, resetGitHubState } from "./support/github-app-fixtures.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { until } from "./support/wait-for.js";

let host: TestHost;
let app: AppCredentials;
let channel: { url: string; server: Server; clients: Set<ServerResponse>; send(event: unknown): void };
let relay: Relay | undefined;

beforeEach(async () => {
  host = await startTestHost({ enableQueues: false });
  await resetGitHubState(host);
  app = await registerApp(host);
  const clients = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write("event: ready\ndata: {}\n\n");
    clients.add(res);
    req.on("close", () => clients.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  channel = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/channel-test`,
    server,
    clients,
    send: (event) => {
      for (const client of clients) client.write(`data: ${JSON.stringify(event)}\n\n`);
    },
  };
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  channel.server.closeAllConnections();
  await new Promise((resolve) => channel.server.close(resolve));
  await host.close();
});

/** What smee.io puts on the channel for one webhook: the request headers, the parsed body, the query. */
async function smeeEvent(body: string, secret: string, id = randomUUID()) {
  return {
    host: "smee.io",
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/test",
    "x-github-event": "push",
    "x-github-delivery": id,
    "x-hub-signature-256": await sign(secret, body),
    body: JSON.parse(body) as unknown,
    query: {},
    timestamp: Date.now(),
  };
}

describe("smee relay", () => {
  it("delivers a compact-JSON webhook from the channel to the host, where it verifies and is enqueued", async () => {
    const connection = await connect(host);
    relay = await startRelay({ source: channel.url, target: `${host.url}/api/github/webhooks` }, host.services.logger);
    const id = randomUUID();
    channel.send(await smeeEvent(JSON.stringify(pushPayload()), app.webhookSecret, id));
    const jobs = await until(async () => {
      const found = await queuedJobs(host);
      return found.length > 0 ? found : undefined;
    });
    expect(jobs).toEqual([expect.objectContaining({ connectionId: connection.connectionId, deliveryId: id, trigger: "webhook" })]);
  });

  it("shows the caveat: a body that was not compact JSON no longer matches its signature after the relay", async () => {
    await connect(host);
    relay = await startRelay({ source: channel.url, target: `${host.url}/api/github/webhooks` }, host.services.logger);
    channel.send(await smeeEvent(JSON.stringify(pushPayload(), null, 2), app.webhookSecret));
    // The relay logs each replay with the host's answer.
    await until(async () => (host.logs.some((l) => l.includes("api/github/webhooks - 401")) ? true : undefined));
    expect(await queuedJobs(host)).toEqual([]);
  });

  it("reads smee.config.json (the repository's own) and rejects a config without URLs", async () => {
    const config = await readRelayConfig("smee.config.json");
    expect(config.target).toBe("http://localhost:7071/api/github/webhooks");
    const { writeFile } = await import("node:fs/promises");
    const bad = `${host.tempDir}/smee.json`;
    await writeFile(bad, JSON.stringify({ source: "not a url" }));
    await expect(readRelayConfig(bad)).rejects.toThrow(/"source" must be a URL/);
  });
});
