// Reads and writes the connection record in Table storage (PartitionKey "workspace", RowKey = workspace id).
// Every read goes to the table: the read-only guard must see a disconnect on the very next request, so
// there is no cache to expire.
import type { TableClient } from "@azure/data-tables";
import { ConflictError } from "../errors.js";
import { DEFAULT_WORKSPACE_ID, type ConnectionRecord } from "../connection/connection-record.js";

const PARTITION = "workspace";

export interface StoredConnection {
  record: ConnectionRecord;
  /** Table ETag, for optimistic concurrency on update. */
  etag: string;
}

export interface ConnectionStoreOptions {
  abortSignal?: AbortSignal;
}

export class ConnectionStore {
  readonly #table: TableClient;
  readonly #workspaceId: string;

  constructor(table: TableClient, workspaceId = DEFAULT_WORKSPACE_ID) {
    this.#table = table;
    this.#workspaceId = workspaceId;
  }

  /** The connection, or `undefined` when the workspace is not connected. */
  async get(options: ConnectionStoreOptions = {}): Promise<StoredConnection | undefined> {
    try {
      const entity = await this.#table.getEntity<Record<string, unknown>>(PARTITION, this.#workspaceId, {
        abortSignal: options.abortSignal,
      });
      return { record: fromEntity(entity), etag: entity.etag };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Creates the record; ConflictError when the workspace is already connected. */
  async create(record: ConnectionRecord, options: ConnectionStoreOptions = {}): Promise<StoredConnection> {
    try {
      const response = await this.#table.createEntity(toEntity(record, this.#workspaceId), { abortSignal: options.abortSignal });
      return { record, etag: response.etag ?? "" };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) {
        throw new ConflictError("This workspace is already connected to GitHub. Disconnect it first.", { code: "already_connected" });
      }
      throw error;
    }
  }

  /**
   * Applies `change` to the current record and writes it back only if nobody wrote in between (ETag);
   * retries on a race. Returns undefined when there is no record (disconnected meanwhile), or when
   * `change` returns undefined (nothing to do).
   */
  async update(
    change: (record: ConnectionRecord) => ConnectionRecord | undefined,
    options: ConnectionStoreOptions & { connectionId?: string } = {},
  ): Promise<ConnectionRecord | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.get(options);
      if (!current) return undefined;
      if (options.connectionId && current.record.connectionId !== options.connectionId) return undefined;
      const next = change(current.record);
      if (!next) return undefined;
      const updated = { ...next, updatedAt: new Date().toISOString() };
      try {
        await this.#table.updateEntity(toEntity(updated, this.#workspaceId), "Replace", {
          etag: current.etag,
          abortSignal: options.abortSignal,
        });
        return updated;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 412) throw error;
      }
    }
    throw new ConflictError("The connection record kept changing while it was being updated; try again.");
  }

  /** Removes the record (succeeds when absent). */
  async delete(options: ConnectionStoreOptions = {}): Promise<void> {
    try {
      await this.#table.deleteEntity(PARTITION, this.#workspaceId, { abortSignal: options.abortSignal });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
}

function toEntity(record: ConnectionRecord, workspaceId: string): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: PARTITION, rowKey: workspaceId };
  for (const [key, value] of Object.entries(record)) if (value !== undefined) entity[key] = value;
  return entity;
}

const RECORD_FIELDS = [
  "connectionId", "kind", "repository", "branch", "installationId", "tokenSecretName", "tokenLast4", "deliveryMode",
  "deliveryModeReason", "webhookId", "webhookSecretName", "state", "stateReason", "appliedSha", "headSha", "headEtag",
  "lastSyncAt", "createdAt", "updatedAt", "connectedBy",
] as const satisfies readonly (keyof ConnectionRecord)[];

function fromEntity(entity: Record<string, unknown>): ConnectionRecord {
  const record: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) if (entity[field] !== undefined && entity[field] !== null) record[field] = entity[field];
  return record as unknown as ConnectionRecord;
}
