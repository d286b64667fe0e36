// Webhook delivery ids already handled, for GitHub's redeliveries (which keep their X-GitHub-Delivery).
// A claim is a Table insert that fails on conflict, so two instances receiving the same delivery at once
// still act on it once. Entries expire: GitHub lets a delivery be redelivered for 3 days, and the
// reconcile timer prunes older ones.
// Each delivery id is its own partition (PartitionKey = id): point operations spread over partitions instead
// of one hot partition taking every insert, and Azurite (which scans a partition to find a row) stays at
// the same cost per claim however many ids are kept.
import type { TableClient } from "@azure/data-tables";
import type { AbortOptions } from "./github-app-deps.js";

const ROW = "delivery";
export const DELIVERY_TTL_IN_MS = 3 * 24 * 3600_000;

export interface DeliveryLogOptions {
  ttlInMs?: number;
}

export class DeliveryLog {
  readonly #table: TableClient;
  readonly #ttlInMs: number;

  constructor(table: TableClient, options: DeliveryLogOptions = {}) {
    this.#table = table;
    this.#ttlInMs = options.ttlInMs ?? DELIVERY_TTL_IN_MS;
  }

  /** True the first time an id is claimed (or after its entry expired), false for a repeat. */
  async claim(deliveryId: string, options: AbortOptions & { now?: number } = {}): Promise<boolean> {
    const now = options.now ?? Date.now();
    const entity = { partitionKey: deliveryId, rowKey: ROW, expiresAt: new Date(now + this.#ttlInMs) };
    try {
      await this.#table.createEntity(entity, { abortSignal: options.abortSignal });
      return true;
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    const existing = await this.#table.getEntity<{ expiresAt?: Date }>(deliveryId, ROW, { abortSignal: options.abortSignal });
    if (!existing.expiresAt || existing.expiresAt.getTime() > now) return false;
    try {
      // Expired: take it over, but only if nobody else did in between (ETag).
      await this.#table.updateEntity(entity, "Replace", { etag: existing.etag, abortSignal: options.abortSignal });
      return true;
    } catch (error) {
      if (statusOf(error) === 412) return false;
      throw error;
    }
  }

  /** Forgets a claim whose handling failed, so GitHub's redelivery is acted on. */
  async release(deliveryId: string, options: AbortOptions = {}): Promise<void> {
    try {
      await this.#table.deleteEntity(deliveryId, ROW, { abortSignal: options.abortSignal });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  /** Deletes expired entries (at most `limit`); returns how many. */
  async pruneExpired(options: AbortOptions & { now?: number; limit?: number } = {}): Promise<number> {
    const cutoff = new Date(options.now ?? Date.now()).toISOString();
    const limit = options.limit ?? 1000;
    let deleted = 0;
    const entities = this.#table.listEntities({
      queryOptions: { filter: `expiresAt lt datetime'${cutoff}'`, select: ["PartitionKey"] },
      abortSignal: options.abortSignal,
    });
    for await (const entity of entities) {
      if (deleted >= limit || !entity.partitionKey) break;
      await this.release(entity.partitionKey, options);
      deleted++;
    }
    return deleted;
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}
