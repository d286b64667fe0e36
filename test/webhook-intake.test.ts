// What an anonymous POST to the webhook URL can cost before its signature is checked (issue 18, item 5): the
// headers are checked before the body is read, unverified bodies share a byte budget (503 + Retry-After when it is
// full, before anything is read), a body must arrive in time, and a body longer than its Content-Length is refused.
// Through a real local host with raw sockets, so the request can be left half-sent.
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookIntake } from "../github-app/webhook-intake.js";
import { getGitHubRuntime } from "../functions/github-runtime.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { until } from "./support/wait-for.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
});
afterAll(async () => {
  await host?.close();
});

const MB = 1024 * 1024;

interface RawRequest {
  socket: Socket;
  /** The status line and headers, once they arrive. */
  answer: Promise<{ status: number; head: string }>;
}

/** Sends the request line and headers (and `firstBytes` of the body), leaving the rest unsent. */
function openRequest(headers: Record<string, string>, firstBytes = 0): RawRequest {
  const { port } = new URL(host.url);
  const socket = connect(Number(port), "127.0.0.1");
  let received = "";
  const answer = new Promise<{ status: number; head: string }>((resolve, reject) => {
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end >= 0) resolve({ status: Number(received.split(" ")[1]), head: received.slice(0, end).toLowerCase() });
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`closed before an answer: ${received.slice(0, 200)}`)));
  });
  answer.catch(() => undefined);
  const lines = [`POST /api/github/webhooks HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Content-Type: application/json", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  if (firstBytes > 0) socket.write(Buffer.alloc(firstBytes, 0x20));
  return { socket, answer };
}

const delivery = (contentLength: number) => ({
  "X-GitHub-Event": "push",
  "X-GitHub-Delivery": randomUUID(),
  "X-Hub-Signature-256": `sha256=${"0".repeat(64)}`,
  "Content-Length": String(contentLength),
});

describe("the webhook route before the signature is checked", () => {
  it("refuses a request without delivery headers or with a malformed signature before reading its body", async () => {
    for (const headers of [
      { "Content-Length": String(20 * MB) },
      { ...delivery(20 * MB), "X-Hub-Signature-256": "sha1=abc" },
      { ...delivery(20 * MB), "X-GitHub-Event": "" },
    ]) {
      const request = openRequest(headers, 1024);
      // 19.99 MB are still unsent: an answer now means the body was never waited for.
      const { status } = await request.answer;
      expect([400, 401]).toContain(status);
      request.socket.destroy();
    }
  });

  it("answers 503 with Retry-After when unverified bodies would pass the budget, reads small ones meanwhile, and frees the budget", async () => {
    const intake = getGitHubRuntime(host.services).webhookIntake;
    const held = [openRequest(delivery(25 * MB), 1024), openRequest(delivery(25 * MB), 1024)];
    await until(async () => (intake.reservedBytes === 50 * MB ? true : undefined), 10_000);

    const third = openRequest(delivery(25 * MB), 1024);
    const refused = await third.answer;
    expect(refused.status).toBe(503);
    expect(refused.head).toMatch(/\r\nretry-after: 5/);
    third.socket.destroy();
    expect(intake.refused).toBeGreaterThanOrEqual(1);

    // A small delivery still fits: it is read, and its (wrong) signature refused.
    const small = openRequest(delivery(2), 0);
    small.socket.write("{}");
    expect((await small.answer).status).toBe(401);
    small.socket.destroy();

    for (const request of held) request.socket.destroy();
    await until(async () => (intake.reservedBytes === 0 ? true : undefined), 10_000);
  });

  it("refuses a body longer than its Content-Length", async () => {
    const intake = new WebhookIntake();
    const body = (async function* () {
      yield Buffer.alloc(10);
      yield Buffer.alloc(10);
    })();
    const headers = new Map([["content-length", "12"]]);
    await expect(intake.readBody({ get: (n) => headers.get(n) ?? null }, body)).rejects.toThrow(/longer than its Content-Length/);
    expect(intake.reservedBytes).toBe(0);
  });

  it("gives up on a body that does not arrive in time (408), and on one over the maximum (413)", async () => {
    const intake = new WebhookIntake({ readTimeoutInMs: 200, maxBytes: 1000 });
    const stalled = (async function* () {
      yield Buffer.alloc(10);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      yield Buffer.alloc(10);
    })();
    const started = Date.now();
    const error = await intake.readBody({ get: (n) => (n === "content-length" ? "20" : null) }, stalled).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 408, message: expect.stringMatching(/did not arrive within 0.2 s/) });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(intake.readBody({ get: (n) => (n === "content-length" ? "1001" : null) }, null)).rejects.toMatchObject({ status: 413 });
    // No Content-Length: counted as it arrives.
    const endless = (async function* () {
      for (;;) yield Buffer.alloc(100);
    })();
    await expect(intake.readBody({ get: () => null }, endless)).rejects.toMatchObject({ status: 413 });
    expect(intake.reservedBytes).toBe(0);
  });
});
