// POST /api/github/webhooks: GitHub's deliveries (App and PAT repository webhooks). Anonymous: the HMAC
// signature is the authentication. A thin adapter of our own (the published Azure adapter targets
// Probot 13): check the headers, read the raw bytes within the intake's bounds, hand them over, answer 202.
import { receiveWebhook } from "../github-app/receive-webhook.js";
import { checkDeliveryHeaders } from "../github-app/webhook-intake.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export { MAX_WEBHOOK_BYTES } from "../github-app/webhook-intake.js";

export const githubWebhooks = defineHttp({
  name: "githubWebhooks",
  methods: ["POST"],
  route: "github/webhooks",
  role: "anonymous",
  body: "webhook",
  handler: async (request, { services }) => {
    const receivedAt = performance.now();
    // Headers first: a request that cannot be a delivery is refused before a byte of its body is read.
    checkDeliveryHeaders(request.headers);
    const runtime = getGitHubRuntime(services);
    const body = await runtime.webhookIntake.readBody(request.headers, request.body as AsyncIterable<Uint8Array> | null);
    const result = await receiveWebhook(runtime, {
      id: request.headers.get("x-github-delivery"),
      name: request.headers.get("x-github-event"),
      signature: request.headers.get("x-hub-signature-256"),
      body,
    }, { receivedAt });
    return { status: result.status, jsonBody: { outcome: result.outcome } };
  },
});
