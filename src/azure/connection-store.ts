// Reads and writes the connection record in Table storage (PartitionKey "workspace", RowKey = workspace id).
// Every read goes to the table: the read-only guard must see a disconnect on the very next request, so
// there is no cache to expire here. (The webhook intake keeps a read for a second: see github-runtime.ts.) Create and delete keep a marker file in step with the record (see
// connection-markers.ts), so the guard can skip the Table read while nothing is connected.
import type { TableClient } from "@azure/data-tables";
import { ConflictError } from "../errors.js";
import { DEFAULT_WORKSPACE_ID, type ConnectionRecord } from "../connection/connection-record.js";
import { ConnectionMarkers } from "./connection-markers.js";

const PARTITION = "workspace";

export interface StoredConnection {
  record: ConnectionRecord;
  /** Table ETag, for optimistic concurrency on update. */
  etag: string;
}

export interface ConnectionStoreOptions {
  abortSignal?: AbortSignal;
}

export interface ConnectionStoreConfig {
  /** The platform's state folder (`config.stateDir`, under TEMP_DIR), shared by every instance: holds the markers. */
  stateDir: string;
  workspaceId?: string;
}

export class ConnectionStore {
  readonly #table: TableClient;
  readonly #workspaceId: string;
  readonly markers: ConnectionMarkers;
  #changes = 0;

  constructor(table: TableClient, config: ConnectionStoreConfig) {
    this.#table = table;
    this.#workspaceId = config.workspaceId ?? DEFAULT_WORKSPACE_ID;
    this.markers = new ConnectionMarkers(config.stateDir, this.#workspaceId);
  }

  /**
   * Bumped whenever this store writes the record (before and after): a reader that keeps a copy for a moment
   * (the webhook intake) knows this instance changed it since.
   */
  get changes(): number {
    return this.#changes;
  }

  /** Runs a write of the record with `changes` bumped before and after it. */
  async #changing<T>(write: () => Promise<T>): Promise<T> {
    this.#changes++;
    try {
      return await write();
    } finally {
      this.#changes++;
    }
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

  /**
   * The connection as the read-only guard needs it: `undefined` at the cost of one directory listing when
   * no marker exists (then no record can exist), else the record read from the table (a marker alone
   * proves nothing). When the marker folder is missing or unreadable the table decides, and a missing
   * folder is created (with the marker, for a record that predates markers) so the next call is cheap.
   */
  async getIfMarked(options: ConnectionStoreOptions = {}): Promise<StoredConnection | undefined> {
    const marked = await this.markers.list().catch(() => null);
    if (marked && marked.length === 0) return undefined;
    const current = await this.get(options);
    if (marked === undefined) {
      if (current) await this.markers.add(current.record);
      else await this.markers.ensureFolder();
    }
    return current;
  }

  /**
   * Creates the record; ConflictError when the workspace is already connected. The marker is written
   * first, so no instance can see the record without it.
   */
  async create(record: ConnectionRecord, options: ConnectionStoreOptions = {}): Promise<StoredConnection> {
    return this.#changing(() => this.#create(record, options));
  }

  async #create(record: ConnectionRecord, options: ConnectionStoreOptions): Promise<StoredConnection> {
    await this.markers.add(record);
    let etag: string;
    try {
      etag = (await this.#table.createEntity(toEntity(record, this.#workspaceId), { abortSignal: options.abortSignal })).etag ?? "";
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) {
        // Ours only if an earlier attempt of this very call got through (a retried request).
        if ((await this.get())?.record.connectionId !== record.connectionId) await this.markers.remove(record.connectionId);
        throw new ConflictError("This workspace is already connected to GitHub. Disconnect it first.", { code: "already_connected" });
      }
      // Whether the record was created is unknown: the marker stays (it costs the guard a Table read).
      throw error;
    }
    // Again: a disconnect may have deleted an earlier attempt's record and its marker before the client's
    // retry created the record anew.
    await this.markers.add(record);
    return { record, etag };
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
    return this.#changing(() => this.#update(change, options));
  }

  async #update(
    change: (record: ConnectionRecord) => ConnectionRecord | undefined,
    options: ConnectionStoreOptions & { connectionId?: string },
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

  /**
   * Removes the record (succeeds when absent), then its marker. The delete is conditional on the record
   * that was read, so the marker removed is always the deleted record's, never a newer connection's.
   */
  async delete(options: ConnectionStoreOptions = {}): Promise<void> {
    return this.#changing(() => this.#delete(options));
  }

  async #delete(options: ConnectionStoreOptions): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.get(options);
      if (!current) return;
      try {
        await this.#table.deleteEntity(PARTITION, this.#workspaceId, { etag: current.etag, abortSignal: options.abortSignal });
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 412) continue;
        // 404: deleted meanwhile by someone else; connection ids are never reused, so its marker can go.
        if (status !== 404) throw error;
      }
      await this.markers.remove(current.record.connectionId);
      return;
    }
    throw new ConflictError("The connection record kept changing while it was being deleted; try again.");
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
  "lastSyncAt", "createdAt", "updatedAt", "connectedBy", "tokenRotatedBy", "tokenRotatedAt", "pinnedSha", "pinnedBy", "pinnedAt",
  "waitingCommits", "pinOffBranch",
] as const satisfies readonly (keyof ConnectionRecord)[];

function fromEntity(entity: Record<string, unknown>): ConnectionRecord {
  const record: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) if (entity[field] !== undefined && entity[field] !== null) record[field] = entity[field];
  return record as unknown as ConnectionRecord;
}
