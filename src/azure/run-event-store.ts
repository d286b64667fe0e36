// What happened in each run, in order, in Table storage: one partition per run, one row per event, the row key
// the event's sequence number zero-padded (so rows list in order and "after N" is one range query). Events go
// through storage, not process memory, so a run on one instance is watched from any other, and a watcher that
// reconnects continues from its last sequence number.
import { odata, type TableClient, type TableTransaction } from "@azure/data-tables";
import type { RunEvent } from "../api-types.js";
import { asciiJson } from "./workflow-run-store.js";

export interface RunEventStoreOptions {
  abortSignal?: AbortSignal;
}

/** Entities per transaction: Table storage's limit for one batch (same partition). */
const BATCH = 100;
/** An event's JSON in one string property (64 KiB of UTF-16; events are kept well under it by the writer). */
export const MAX_EVENT_CHARS = 30_000;

const rowKey = (seq: number) => String(seq).padStart(10, "0");

export class RunEventStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  /** Stores events of one run (sequence numbers assigned by the writer). Re-sending one already stored is a no-op. */
  async append(runId: string, events: readonly RunEvent[], options: RunEventStoreOptions = {}): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const actions = events.slice(i, i + BATCH).map(
        (event) => ["upsert", { partitionKey: runId, rowKey: rowKey(event.seq), json: asciiJson(event) }, "Replace"] as const,
      );
      // Upsert, not create: a flush retried after a timeout must not fail on the rows its first try stored.
      await this.#table.submitTransaction(actions as unknown as TableTransaction["actions"], { abortSignal: options.abortSignal });
    }
  }

  /** Events with `seq > after`, in order, at most `limit`. */
  async listAfter(runId: string, after: number, options: RunEventStoreOptions & { limit?: number } = {}): Promise<RunEvent[]> {
    const limit = options.limit ?? 1000;
    const pages = this.#table
      .listEntities<{ json: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${runId} and RowKey gt ${rowKey(after)}`, select: ["json"] },
        abortSignal: options.abortSignal,
      })
      .byPage({ maxPageSize: Math.min(limit, 1000) });
    const events: RunEvent[] = [];
    for await (const page of pages) {
      for (const entity of page) {
        events.push(JSON.parse(entity.json) as RunEvent);
        if (events.length >= limit) return events;
      }
    }
    return events;
  }

  /** Removes every event of a run (retention). */
  async deleteRun(runId: string, options: RunEventStoreOptions = {}): Promise<number> {
    let deleted = 0;
    for (;;) {
      const keys: string[] = [];
      for await (const entity of this.#table.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${runId}`, select: ["RowKey"] },
        abortSignal: options.abortSignal,
      })) {
        keys.push(entity.rowKey!);
        if (keys.length >= BATCH) break;
      }
      if (keys.length === 0) return deleted;
      await this.#table.submitTransaction(
        keys.map((key) => ["delete", { partitionKey: runId, rowKey: key }] as const) as unknown as TableTransaction["actions"],
        { abortSignal: options.abortSignal },
      );
      deleted += keys.length;
    }
  }
}
