// Webhook intake, host-agnostic: verify the signature over the raw bytes before parsing anything, drop a
// delivery already handled, then hand the event to the Probot app. App deliveries are signed with the
// App's webhook secret; a PAT connection's repository webhook arrives at the same URL signed with that
// connection's own secret, and after verification takes the same path (filtering, dedupe, queueing).
import { verify } from "@octokit/webhooks-methods";
import type { StoredConnection } from "../src/azure/connection-store.js";
import { BadRequestError, UnauthorizedError } from "../src/errors.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { annotateActiveSpan, recordMetric } from "../src/telemetry/telemetry.js";
import { ATTRIBUTES, METRICS } from "../src/telemetry/telemetry-names.js";
import { checkDeliveryHeaders, SIGNATURE_REFUSED } from "./webhook-intake.js";
import { takeWebhookOutcome, type WebhookOutcome } from "./webhook-outcomes.js";

export interface WebhookDelivery {
  /** X-GitHub-Delivery */
  id: string | null;
  /** X-GitHub-Event */
  name: string | null;
  /** X-Hub-Signature-256 */
  signature: string | null;
  /** The raw request body, exactly as received. */
  body: Buffer;
}

export type WebhookResult =
  | { status: 202; outcome: "accepted"; verifiedBy: "app" | "connection" }
  | { status: 200; outcome: "duplicate" };


/** Receives one delivery and records its intake time and outcome (funcspace.webhook.duration). */
export async function receiveWebhook(
  runtime: GitHubRuntime,
  delivery: WebhookDelivery,
  options: AbortOptions & { receivedAt?: number } = {},
): Promise<WebhookResult> {
  const started = options.receivedAt ?? performance.now();
  let outcome: WebhookOutcome = "failed";
  if (delivery.id) annotateActiveSpan({ [ATTRIBUTES.deliveryId]: delivery.id, "funcspace.webhook.event": delivery.name ?? "" });
  try {
    const result = await receiveVerifiedWebhook(runtime, delivery, options);
    outcome = result.outcome === "duplicate" ? "duplicate" : (takeWebhookOutcome(delivery.id!) ?? "ignored");
    return result;
  } catch (error) {
    outcome = error instanceof UnauthorizedError || error instanceof BadRequestError ? "refused" : "failed";
    throw error;
  } finally {
    if (delivery.id) takeWebhookOutcome(delivery.id);
    annotateActiveSpan({ "funcspace.webhook.outcome": outcome });
    recordMetric(METRICS.webhookDuration, performance.now() - started, { event: delivery.name ?? "unknown", outcome });
  }
}

async function receiveVerifiedWebhook(
  runtime: GitHubRuntime,
  delivery: WebhookDelivery,
  options: AbortOptions,
): Promise<WebhookResult> {
  checkDeliveryHeaders({
    get: (header) => ({ "x-github-delivery": delivery.id, "x-github-event": delivery.name, "x-hub-signature-256": delivery.signature })[header] ?? null,
  });
  const id = delivery.id!;
  const name = delivery.name!;
  const signature = delivery.signature!;
  const text = delivery.body.toString("utf8");

  let verified = await verifyDelivery(runtime, text, signature, options);
  // A PAT connection made a moment ago on another instance (its hook's ping): check against a fresh read.
  if (!verified) verified = await verifyDelivery(runtime, text, signature, { ...options, freshConnection: true });
  // An App registered (or its secret replaced) by another instance: re-read the secrets, at most twice a minute.
  if (!verified && (await runtime.reloadApp({ ...options, maxAgeInMs: 30_000 }))) {
    verified = await verifyDelivery(runtime, text, signature, options);
  }
  if (!verified) throw new UnauthorizedError(SIGNATURE_REFUSED);

  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new BadRequestError("The webhook body is not JSON. Set the webhook's content type to application/json.");
  }
  // The push handler needs the connection record: the one the verification used (a PAT delivery), or the
  // intake's shared read of the last second (see readConnectionForWebhook), started alongside the claim.
  const connection =
    name !== "push" ? undefined : verified.by === "connection" ? Promise.resolve(verified.connection) : runtime.readConnectionForWebhook();
  connection?.catch(() => undefined);
  if (!(await runtime.deliveries.claim(id, options))) return { status: 200, outcome: "duplicate" };
  if (connection) runtime.connectionReads.set(id, connection);
  try {
    const probot = await runtime.getProbot(options);
    // The name was checked above; Probot dispatches by it and ignores names it has no handler for.
    await probot.receive({ id, name, payload } as Parameters<typeof probot.receive>[0]);
  } catch (error) {
    // Not handled: let GitHub's redelivery (same id) try again.
    await runtime.deliveries.release(id, options);
    throw error;
  } finally {
    runtime.connectionReads.delete(id);
  }
  return { status: 202, outcome: "accepted", verifiedBy: verified.by };
}

type Verification = { by: "app" } | { by: "connection"; connection: StoredConnection };

async function verifyDelivery(
  runtime: GitHubRuntime,
  text: string,
  signature: string,
  options: AbortOptions & { freshConnection?: boolean },
): Promise<Verification | undefined> {
  const app = await runtime.getApp(options);
  if (app) {
    // Probot's own verification (constant-time HMAC-SHA256 over the raw text).
    const probot = await runtime.getProbot(options);
    if (await probot.webhooks.verify(text, signature)) return { by: "app" };
  }
  const connection = await runtime.readConnectionForWebhook({ fresh: options.freshConnection });
  const secretName = connection?.record.webhookSecretName;
  if (connection && secretName) {
    const secret = await runtime.getWebhookSecret(secretName, options);
    if (secret && (await verify(secret, text, signature))) return { by: "connection", connection };
  }
  return undefined;
}
