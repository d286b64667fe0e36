// POST /api/github/webhooks: GitHub's deliveries (App and PAT repository webhooks). Anonymous: the HMAC
// signature is the authentication. A thin adapter of our own (the published Azure adapter targets
// Probot 13): read the raw bytes with a cap, hand them over, answer 202 in milliseconds.
import type { HttpRequest } from "@azure/functions";
import { receiveWebhook } from "../github-app/receive-webhook.js";
import { PayloadTooLargeError } from "../src/errors.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export const githubWebhooks = defineHttp({
  name: "githubWebhooks",
  methods: ["POST"],
  route: "github/webhooks",
  role: "anonymous",
  body: "webhook",
  handler: async (request, { services }) => {
    const body = await readRawBody(request, MAX_WEBHOOK_BYTES);
    const result = await receiveWebhook(getGitHubRuntime(services), {
      id: request.headers.get("x-github-delivery"),
      name: request.headers.get("x-github-event"),
      signature: request.headers.get("x-hub-signature-256"),
      body,
    });
    return { status: result.status, jsonBody: { outcome: result.outcome } };
  },
});

async function readRawBody(request: HttpRequest, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new PayloadTooLargeError(`A webhook body may be at most ${maxBytes} bytes.`);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
