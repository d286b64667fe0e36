// Sends webhooks the way GitHub's Hookshot does: real headers, HMAC signatures over the exact body bytes,
// a 10 s wait for the answer, no automatic retry; every attempt is recorded (a redelivery keeps its id).
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { StandInFaults } from "./faults.js";

export interface WebhookTarget {
  hookId: number;
  url: string;
  contentType: "json" | "form";
  secret?: string;
  /** `repository` for a repository hook, `integration` for a GitHub App's hook. */
  targetType: "repository" | "integration";
  targetId: number;
}

export interface WebhookDelivery {
  /** `X-GitHub-Delivery`; a redelivery repeats the original's. */
  id: string;
  event: string;
  action?: string;
  hookId: number;
  url: string;
  targetType: WebhookTarget["targetType"];
  redelivery: boolean;
  /** `lost`: `faults.loseWebhooks` swallowed it (it can be redelivered). */
  outcome: "delivered" | "failed" | "lost";
  /** The receiver's HTTP status; undefined when lost or the connection failed. */
  statusCode?: number;
  error?: string;
  durationMs: number;
  payload: Record<string, unknown>;
  /** The exact bytes sent, and the headers (signatures included: they are not secrets). */
  body: string;
  headers: Record<string, string>;
  deliveredAt: Date;
}

const hookshotVersion = randomBytes(4).toString("hex").slice(0, 7);

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly faults: StandInFaults,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Delivers one event to one target and resolves with the record once the receiver answered (or not). */
  send(target: WebhookTarget, event: string, payload: Record<string, unknown>): Promise<WebhookDelivery> {
    const json = JSON.stringify(payload);
    const body = target.contentType === "form" ? `payload=${encodeURIComponent(json)}` : json;
    const headers: Record<string, string> = {
      accept: "*/*",
      "content-type": target.contentType === "form" ? "application/x-www-form-urlencoded" : "application/json",
      "user-agent": `GitHub-Hookshot/${hookshotVersion}`,
      "x-github-delivery": randomUUID(),
      "x-github-event": event,
      "x-github-hook-id": String(target.hookId),
      "x-github-hook-installation-target-id": String(target.targetId),
      "x-github-hook-installation-target-type": target.targetType,
    };
    if (target.secret) {
      headers["x-hub-signature"] = `sha1=${createHmac("sha1", target.secret).update(body).digest("hex")}`;
      headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", target.secret).update(body).digest("hex")}`;
    }
    const action = typeof payload.action === "string" ? payload.action : undefined;
    const base = { id: headers["x-github-delivery"] ?? "", event, action, hookId: target.hookId, url: target.url, targetType: target.targetType, payload, body, headers };
    if (this.faults.takeWebhookLoss(event)) {
      const lost: WebhookDelivery = { ...base, redelivery: false, outcome: "lost", durationMs: 0, deliveredAt: new Date() };
      this.deliveries.push(lost);
      return Promise.resolve(lost);
    }
    return this.track(this.post(base, false));
  }

  /** Sends a recorded delivery again with the same `X-GitHub-Delivery`, body and signature. */
  redeliver(deliveryId: string): Promise<WebhookDelivery> {
    const original = this.deliveries.find((d) => d.id === deliveryId);
    if (!original) return Promise.reject(new Error(`redeliver: no delivery ${deliveryId}`));
    return this.track(this.post(original, true));
  }

  /** Resolves when every delivery in flight has been answered (pings and installation events are sent in the background). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  private async post(base: Omit<WebhookDelivery, "redelivery" | "outcome" | "durationMs" | "deliveredAt">, redelivery: boolean): Promise<WebhookDelivery> {
    const started = Date.now();
    const record: WebhookDelivery = { ...base, redelivery, outcome: "failed", durationMs: 0, deliveredAt: new Date() };
    try {
      const response = await fetch(base.url, { method: "POST", headers: base.headers, body: base.body, signal: AbortSignal.timeout(this.timeoutMs), redirect: "manual" });
      await response.arrayBuffer().catch(() => undefined);
      record.statusCode = response.status;
      record.outcome = response.status >= 200 && response.status < 300 ? "delivered" : "failed";
    } catch (error) {
      record.error = error instanceof Error && error.name === "TimeoutError" ? "timed out" : String((error as Error).cause ?? error);
    }
    record.durationMs = Date.now() - started;
    this.deliveries.push(record);
    return record;
  }
}
