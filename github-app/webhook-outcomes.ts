// What became of each delivery, for the intake's metric (funcspace.webhook.duration's `outcome`): the push handler
// runs inside Probot, which returns nothing, so it notes the outcome here by delivery id and receive-webhook.ts
// takes it when Probot is done. Entries live for one delivery's handling; a delivery noted but never taken (Probot
// threw) is dropped at the next take past the bound.
const MAX_ENTRIES = 1000;
const outcomes = new Map<string, WebhookOutcome>();

export type WebhookOutcome = "enqueued" | "coalesced" | "duplicate" | "ignored" | "refused" | "failed";

export function noteWebhookOutcome(deliveryId: string, outcome: WebhookOutcome): void {
  if (outcomes.size >= MAX_ENTRIES) outcomes.clear();
  outcomes.set(deliveryId, outcome);
}

/** The noted outcome of a delivery (and forgets it); undefined when no handler noted one. */
export function takeWebhookOutcome(deliveryId: string): WebhookOutcome | undefined {
  const outcome = outcomes.get(deliveryId);
  outcomes.delete(deliveryId);
  return outcome;
}
