// The SDK deadline (src/azure/sdk-deadline.ts) against loopback servers: one that accepts the connection and never
// says a word (a storage account or vault that hangs), one that answers 503 to everything. Every client is made
// by the factory the app uses (createStorageClients, getShareUsage, KeyVaultSecretStore), with a shorter deadline.
// Bounds are loose on purpose (a call fails within 3× its per-try timeout); the exact counts are connections and
// requests, which do not depend on the machine's speed.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { azuriteConnectionString, AZURITE_ACCOUNT, AZURITE_KEY } from "../src/config.js";
import { getShareUsage } from "../src/azure/file-share.js";
import { KeyVaultSecretStore } from "../src/azure/key-vault-secret-store.js";
import { type SdkDeadline } from "../src/azure/sdk-deadline.js";
import { createStorageClients, ensureStorageResources, sendJsonMessage } from "../src/azure/storage.js";
import { ServiceUnavailableError, toErrorResponse } from "../src/errors.js";
import { useTestStorage } from "./support/storage.js";

const deadline: SdkDeadline = { tryTimeoutInMs: 1000, maxTries: 3 };

/** A TCP server that accepts every connection and never sends a byte (nor completes a TLS handshake). */
interface SilentServer {
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP server that answers every request 503 (a storage account that is up but failing). */
async function startFailingServer(): Promise<{ port: number; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: HttpServer = createHttpServer((request, response) => {
    state.requests++;
    request.resume();
    response.writeHead(503, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return state.requests;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class StaticCredential implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: "not-a-real-token", expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

/** Runs `call`, which must fail; returns the error and how long it took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; elapsedInMs: number }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { error, elapsedInMs: performance.now() - started };
  }
  throw new Error("the call succeeded against a server that never answers");
}

function expectTimeout(result: { error: unknown; elapsedInMs: number }, service: string): void {
  expect(result.error).toBeInstanceOf(ServiceUnavailableError);
  expect((result.error as Error).message).toBe(`${service} did not answer within 1 s; try again in a moment.`);
  expect(toErrorResponse(result.error)).toEqual({
    status: 503,
    headers: {},
    body: { error: "timeout", message: `${service} did not answer within 1 s; try again in a moment.` },
  });
  expect(result.elapsedInMs).toBeGreaterThanOrEqual(deadline.tryTimeoutInMs - 50);
  expect(result.elapsedInMs).toBeLessThan(3 * deadline.tryTimeoutInMs);
}

describe("Azure SDK calls against a service that accepts the connection and never answers", () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());
  let connectionsBefore = 0;
  afterEach(() => {
    connectionsBefore = silent.connections;
  });
  const newConnections = () => silent.connections - connectionsBefore;

  const silentStorage = () =>
    createStorageClients({ kind: "connectionString", connectionString: azuriteConnectionString(silent.port, silent.port) }, { deadline });

  it("the queue SDK's own tryTimeoutInMs does not end the wait (why the deadline is ours)", async () => {
    const queue = QueueServiceClient.fromConnectionString(azuriteConnectionString(silent.port, silent.port), {
      retryOptions: { tryTimeoutInMs: 1000, maxTries: 1 },
    }).getQueueClient("q");
    const giveUp = new AbortController();
    const outcome = await Promise.race([
      queue.sendMessage("x", { abortSignal: giveUp.signal }).then(
        () => "answered",
        () => "failed",
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve("still waiting"), 3 * 1000)),
    ]);
    giveUp.abort();
    expect(outcome).toBe("still waiting");
  });

  it("a queue send fails with the 503 after one try of the deadline, and is not sent again", async () => {
    const storage = silentStorage();
    expectTimeout(await failure(() => sendJsonMessage(storage.queue("workspace-sync"), { hello: 1 })), "Storage");
    expect(newConnections()).toBe(1);
  });

  it("a table read and a table create fail the same way", async () => {
    const storage = silentStorage();
    expectTimeout(await failure(() => storage.table("connections").getEntity("p", "r")), "Storage");
    expectTimeout(await failure(() => storage.tableService.createTable("connections")), "Storage");
    expect(newConnections()).toBe(2);
  });

  it("a Files call (the health check's share usage) fails the same way", async () => {
    const connectionString =
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `FileEndpoint=http://127.0.0.1:${silent.port}/${AZURITE_ACCOUNT};`;
    expectTimeout(await failure(() => getShareUsage({ kind: "connectionString", connectionString }, "workspace", { deadline })), "Storage");
    expect(newConnections()).toBe(2); // properties and statistics, asked at once
  });

  it("a Key Vault read fails with the 503 (the TLS handshake never completes)", async () => {
    const store = new KeyVaultSecretStore(`https://127.0.0.1:${silent.port}`, { credential: new StaticCredential(), deadline });
    expectTimeout(await failure(() => store.get("github-app-private-key")), "Key Vault");
    expect(newConnections()).toBe(1);
  });

  it("the caller's own abort stays an AbortError, not a 503", async () => {
    const storage = createStorageClients(
      { kind: "connectionString", connectionString: azuriteConnectionString(silent.port, silent.port) },
      { deadline: { tryTimeoutInMs: 20_000, maxTries: 3 } },
    );
    const queueCall = await failure(() => sendJsonMessage(storage.queue("q"), {}, { abortSignal: AbortSignal.timeout(200) }));
    expect(queueCall.error).not.toBeInstanceOf(ServiceUnavailableError);
    expect((queueCall.error as Error).name).toBe("AbortError");
    const tableCall = await failure(() => storage.table("t").getEntity("p", "r", { abortSignal: AbortSignal.timeout(200) }));
    expect(tableCall.error).not.toBeInstanceOf(ServiceUnavailableError);
    expect((tableCall.error as Error).name).toBe("AbortError");
    expect(queueCall.elapsedInMs + tableCall.elapsedInMs).toBeLessThan(20_000);
  });
});

describe("Azure SDK calls against a service that answers 503", () => {
  it("are tried maxTries times, then fail with the service's status", async () => {
    const failing = await startFailingServer();
    try {
      const storage = createStorageClients(
        { kind: "connectionString", connectionString: azuriteConnectionString(failing.port, failing.port) },
        { deadline },
      );
      const queueCall = await failure(() => sendJsonMessage(storage.queue("q"), {}));
      expect((queueCall.error as { statusCode?: number }).statusCode).toBe(503);
      expect(failing.requests).toBe(3);
      const tableCall = await failure(() => storage.table("t").getEntity("p", "r"));
      expect((tableCall.error as { statusCode?: number }).statusCode).toBe(503);
      expect(failing.requests).toBe(6);
    } finally {
      await failing.close();
    }
  });
});

describe("Azure SDK clients with the deadline against Azurite", () => {
  it("still sign and send: resources created, a message sent, an entity written and read", async () => {
    const storage = createStorageClients({ kind: "connectionString", connectionString: (await useTestStorage()).connectionString }, { deadline });
    await ensureStorageResources(storage);
    expect(await sendJsonMessage(storage.queue("workspace-sync"), { hello: 1 })).toMatch(/\S/);
    const table = storage.table("connections");
    await table.upsertEntity({ partitionKey: "deadline", rowKey: "1", value: "ok" });
    expect((await table.getEntity<{ value: string }>("deadline", "1")).value).toBe("ok");
  });
});
