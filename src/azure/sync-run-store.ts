// One entity per sync run (FR-020) in the `syncruns` table: PartitionKey = workspace id, RowKey = run id.
// Run ids start with an inverted timestamp so a plain partition query lists the newest run first, which is
// what the UI's history wants. Progress is written onto the same entity while the run goes on.
import type { TableClient } from "@azure/data-tables";
import { randomBytes } from "node:crypto";

// The record's shapes are the API's (src/api-types.ts): GET /api/github/sync-runs lists them as they are stored.
export type { SyncRunRecord, SyncRunResult } from "../api-types.js";
import type { SyncRunRecord } from "../api-types.js";

export interface SyncRunStoreOptions {
  abortSignal?: AbortSignal;
}

const FIELDS = [
  "runId", "workspaceId", "connectionId", "repository", "branch", "trigger", "deliveryId", "requestedBy", "coalesced", "requestedSha", "pinnedSha", "waitingCommits", "fromSha", "toSha",
  "result", "added", "changed", "deleted", "skipped", "bytesDownloaded", "fetchMethod", "resumedFiles", "resumedBytes", "skippedPaths", "startedAt",
  "finishedAt", "durationMs", "errorStep", "errorCode", "errorMessage", "errorPermanent", "attempt", "progressPhase", "progressDone", "progressTotal",
  "leaseGeneration",
] as const satisfies readonly (keyof SyncRunRecord)[];

/** A run id that sorts newest first: (max - now) in ms, zero-padded, plus randomness for same-ms runs. */
export function newSyncRunId(now = Date.now()): string {
  return `${String(9_999_999_999_999 - now).padStart(13, "0")}-${randomBytes(4).toString("hex")}`;
}

export class SyncRunStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async create(record: SyncRunRecord, options: SyncRunStoreOptions = {}): Promise<void> {
    await this.#table.createEntity(toEntity(record), { abortSignal: options.abortSignal });
  }

  /** Merges the given fields into the run (unconditional: one writer per run). */
  async update(workspaceId: string, runId: string, change: Partial<SyncRunRecord>, options: SyncRunStoreOptions = {}): Promise<void> {
    const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: workspaceId, rowKey: runId };
    for (const [key, value] of Object.entries(change)) if (value !== undefined) entity[key] = value;
    await this.#table.updateEntity(entity, "Merge", { abortSignal: options.abortSignal });
  }

  /**
   * Merges `change` into a run only while it is still `running` (ETag-conditional): false when it ended or
   * changed meanwhile, so an outcome its own worker records at the same moment is kept.
   */
  async updateIfRunning(workspaceId: string, runId: string, change: Partial<SyncRunRecord>, options: SyncRunStoreOptions = {}): Promise<boolean> {
    let current;
    try {
      current = await this.#table.getEntity<Record<string, unknown>>(workspaceId, runId, { abortSignal: options.abortSignal });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
    if (current.result !== "running") return false;
    const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: workspaceId, rowKey: runId };
    for (const [key, value] of Object.entries(change)) if (value !== undefined) entity[key] = value;
    try {
      await this.#table.updateEntity(entity, "Merge", { etag: current.etag, abortSignal: options.abortSignal });
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 412) return false;
      throw error;
    }
  }

  /** The run, or undefined. */
  async get(workspaceId: string, runId: string, options: SyncRunStoreOptions = {}): Promise<SyncRunRecord | undefined> {
    try {
      return fromEntity(await this.#table.getEntity<Record<string, unknown>>(workspaceId, runId, { abortSignal: options.abortSignal }));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Runs of a workspace, newest first. */
  async *list(workspaceId: string, options: SyncRunStoreOptions = {}): AsyncIterableIterator<SyncRunRecord> {
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${workspaceId.replace(/'/g, "''")}'` },
      abortSignal: options.abortSignal,
    });
    for await (const entity of entities) yield fromEntity(entity);
  }

  /** Runs of a workspace still marked `running` (the sweeper's view; a live run is among them too). */
  async *listRunning(workspaceId: string, options: SyncRunStoreOptions = {}): AsyncIterableIterator<SyncRunRecord> {
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${workspaceId.replace(/'/g, "''")}' and result eq 'running'` },
      abortSignal: options.abortSignal,
    });
    for await (const entity of entities) yield fromEntity(entity);
  }
}

function toEntity(record: SyncRunRecord): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: record.workspaceId, rowKey: record.runId };
  for (const [key, value] of Object.entries(record)) if (value !== undefined) entity[key] = value;
  return entity;
}

function fromEntity(entity: Record<string, unknown>): SyncRunRecord {
  const record: Record<string, unknown> = {};
  for (const field of FIELDS) if (entity[field] !== undefined && entity[field] !== null) record[field] = entity[field];
  return record as unknown as SyncRunRecord;
}
