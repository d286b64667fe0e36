// Drafts of proposed changes in Table storage (table "drafts"), shared by every instance. One partition per
// person (a hash of their identity provider and user id: the key says nothing by itself):
// - RowKey "meta": the commit the draft started from, the last pull request opened from it, and a proposal
//   waiting for the person's GitHub authorization (title and body, with the nonce of that redirect);
// - RowKey "c-" + SHA-256 of the path: one changed path, with the draft's content cut into 64 KiB binary
//   properties (Table storage's limit per property; an entity holds at most 1 MiB: see MAX_DRAFT_FILE_BYTES).
// Nothing here touches the workspace folder.
import { createHash } from "node:crypto";
import type { TableClient, TableEntityResult } from "@azure/data-tables";
import type { DraftChange, DraftChangeKind, DraftProposal } from "../api-types.js";
import { PreconditionFailedError } from "../errors.js";

/**
 * 11 properties of 64 KiB (704 KiB): an entity may hold 1 MiB, and binary values travel base64-encoded (4/3 larger);
 * Azurite counts the encoded request against the limit when an entity is replaced, so the encoded content with the
 * other fields stays under 1 MiB.
 */
export const MAX_DRAFT_FILE_BYTES = 11 * 64 * 1024;
const CHUNK_BYTES = 64 * 1024;
const META = "meta";
const CHANGE_PREFIX = "c-";
const LIST_FIELDS = ["RowKey", "path", "kind", "size", "baseBlobSha", "renamedFrom", "updatedAt"];

export interface DraftOwner {
  /** Identity provider and user id (Principal): the partition is derived from them. */
  identityProvider: string;
  userId: string;
}

/** A change with its content (undefined for a deletion). */
export interface StoredDraftChange extends DraftChange {
  content?: Buffer;
}

export interface PendingProposal {
  title: string;
  body: string;
  /** The nonce of the signed state the browser was sent to GitHub with: the callback must bring it back. */
  nonce: string;
  requestedAt: string;
}

export interface DraftMeta {
  baseSha?: string;
  updatedAt?: string;
  lastProposal?: DraftProposal;
  pending?: PendingProposal;
  etag?: string;
}

export interface DraftStoreOptions {
  abortSignal?: AbortSignal;
}

export interface PutChangeOptions extends DraftStoreOptions {
  /** Replace only this version of the change (`DraftChange.etag`); `"absent"`: only when the path has no change yet. */
  ifMatch?: string;
}

export function draftPartition(owner: DraftOwner): string {
  return "u-" + createHash("sha256").update(`${owner.identityProvider}\n${owner.userId}`).digest("hex").slice(0, 48);
}

const changeRow = (path: string): string => CHANGE_PREFIX + createHash("sha256").update(path).digest("hex");

export class DraftStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async getMeta(owner: DraftOwner, options: DraftStoreOptions = {}): Promise<DraftMeta> {
    const entity = await this.#get(draftPartition(owner), META, options);
    if (!entity) return {};
    return {
      baseSha: optionalString(entity.baseSha),
      updatedAt: optionalString(entity.updatedAt),
      lastProposal: parseJson<DraftProposal>(entity.lastProposal),
      pending: parseJson<PendingProposal>(entity.pending),
      etag: entity.etag,
    };
  }

  /** Merges the given fields into the meta row (`undefined` leaves a field as it is, `null` removes it). */
  async updateMeta(
    owner: DraftOwner,
    fields: { baseSha?: string | null; updatedAt?: string; lastProposal?: DraftProposal | null; pending?: PendingProposal | null },
    options: DraftStoreOptions & { ifMatch?: string } = {},
  ): Promise<void> {
    const current = await this.#get(draftPartition(owner), META, options);
    const next: Record<string, unknown> = { partitionKey: draftPartition(owner), rowKey: META };
    for (const key of ["baseSha", "updatedAt", "lastProposal", "pending"] as const) {
      const given = fields[key];
      const value = given === undefined ? current?.[key] : given === null ? undefined : typeof given === "string" ? given : JSON.stringify(given);
      if (value !== undefined) next[key] = value;
    }
    const etag = options.ifMatch ?? current?.etag;
    await this.#write(() =>
      current
        ? this.#table.updateEntity(next as never, "Replace", { etag, abortSignal: options.abortSignal })
        : this.#table.createEntity(next as never, { abortSignal: options.abortSignal }),
    );
  }

  /** The changed paths (without content), sorted by path. */
  async listChanges(owner: DraftOwner, options: DraftStoreOptions = {}): Promise<DraftChange[]> {
    const changes: DraftChange[] = [];
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: changeFilter(owner), select: LIST_FIELDS },
      abortSignal: options.abortSignal,
    });
    for await (const entity of entities) changes.push(toChange(entity));
    return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Every change with its content (for a run of the draft, or a pull request). */
  async readChanges(owner: DraftOwner, options: DraftStoreOptions = {}): Promise<StoredDraftChange[]> {
    const changes: StoredDraftChange[] = [];
    for await (const entity of this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter: changeFilter(owner) }, abortSignal: options.abortSignal })) {
      changes.push({ ...toChange(entity), content: joinChunks(entity) });
    }
    return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async getChange(owner: DraftOwner, path: string, options: DraftStoreOptions = {}): Promise<StoredDraftChange | undefined> {
    const entity = await this.#get(draftPartition(owner), changeRow(path), options);
    return entity ? { ...toChange(entity), content: joinChunks(entity) } : undefined;
  }

  /** Records the change of `change.path` (content for additions and modifications); returns it with its new etag. */
  async putChange(
    owner: DraftOwner,
    change: Omit<DraftChange, "etag" | "size">,
    content: Buffer | undefined,
    options: PutChangeOptions = {},
  ): Promise<DraftChange> {
    if (content && content.byteLength > MAX_DRAFT_FILE_BYTES) throw new RangeError(`content is larger than ${MAX_DRAFT_FILE_BYTES} bytes`);
    const entity: Record<string, unknown> = {
      partitionKey: draftPartition(owner),
      rowKey: changeRow(change.path),
      path: change.path,
      kind: change.kind,
      updatedAt: change.updatedAt,
      ...(change.baseBlobSha ? { baseBlobSha: change.baseBlobSha } : {}),
      ...(change.renamedFrom ? { renamedFrom: change.renamedFrom } : {}),
      ...(content ? { size: content.byteLength, chunks: Math.ceil(content.byteLength / CHUNK_BYTES) } : {}),
    };
    if (content) {
      for (let i = 0, offset = 0; offset < content.byteLength; i++, offset += CHUNK_BYTES) {
        entity[`c${i}`] = new Uint8Array(content.subarray(offset, offset + CHUNK_BYTES));
      }
    }
    const { abortSignal, ifMatch } = options;
    const result = await this.#write(() =>
      ifMatch === "absent"
        ? this.#table.createEntity(entity as never, { abortSignal })
        : ifMatch
          ? this.#table.updateEntity(entity as never, "Replace", { etag: ifMatch, abortSignal })
          : this.#table.upsertEntity(entity as never, "Replace", { abortSignal }),
    );
    return toChange({ ...entity, etag: result.etag });
  }

  /** Forgets the change of `path` (the path is back to the workspace's state). Succeeds when there is none. */
  async deleteChange(owner: DraftOwner, path: string, options: PutChangeOptions = {}): Promise<void> {
    try {
      await this.#write(() =>
        this.#table.deleteEntity(draftPartition(owner), changeRow(path), { etag: options.ifMatch && options.ifMatch !== "absent" ? options.ifMatch : "*", abortSignal: options.abortSignal }),
      );
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }

  /** Forgets every change (the meta row stays: it keeps the last proposal). */
  async clearChanges(owner: DraftOwner, options: DraftStoreOptions = {}): Promise<void> {
    for (const change of await this.listChanges(owner, options)) await this.deleteChange(owner, change.path, options);
  }

  async #get(partitionKey: string, rowKey: string, options: DraftStoreOptions): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
    try {
      return await this.#table.getEntity<Record<string, unknown>>(partitionKey, rowKey, { abortSignal: options.abortSignal });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A write that lost to another (ETag, or a create of an existing row) becomes 412 with a sentence to act on. */
  async #write<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 412 || status === 409) {
        throw new PreconditionFailedError("The draft changed in another tab or window since you opened it. Reload the draft and apply your edit again.", {
          code: "draft_changed",
          cause: error,
        });
      }
      throw error;
    }
  }
}

function changeFilter(owner: DraftOwner): string {
  return `PartitionKey eq '${draftPartition(owner)}' and RowKey ge '${CHANGE_PREFIX}' and RowKey lt 'c.'`;
}

function toChange(entity: Record<string, unknown>): DraftChange {
  return {
    path: String(entity.path),
    kind: String(entity.kind) as DraftChangeKind,
    ...(typeof entity.size === "number" ? { size: entity.size } : {}),
    ...(typeof entity.baseBlobSha === "string" ? { baseBlobSha: entity.baseBlobSha } : {}),
    ...(typeof entity.renamedFrom === "string" ? { renamedFrom: entity.renamedFrom } : {}),
    etag: String(entity.etag ?? ""),
    updatedAt: String(entity.updatedAt ?? ""),
  };
}

function joinChunks(entity: Record<string, unknown>): Buffer | undefined {
  if (entity.kind === "deleted") return undefined;
  const count = typeof entity.chunks === "number" ? entity.chunks : 0;
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = entity[`c${i}`];
    if (!(chunk instanceof Uint8Array)) throw new Error(`draft entry ${String(entity.path)} lacks part ${i} of its content`);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(parts);
}

const optionalString = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);

function parseJson<T>(value: unknown): T | undefined {
  if (typeof value !== "string" || !value) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}
