// Who may come in, in Table storage (table "access"), shared by every instance:
// - sessions (PartitionKey "session", RowKey = SHA-256 of the session id: the table never holds a usable
//   session; deleting the row signs the browser out everywhere);
// - grants (PartitionKey "grant", RowKey = GitHub's numeric user id): roles given by the setup code's admin,
//   on top of those in configuration;
// - notes (PartitionKey "note"): who did a platform-wide change (the App's registration), for the UI;
// - the setup code's generation (PartitionKey "setup"): which one-time code is current, and whether it is used;
// - used flow nonces (PartitionKey "nonce"): a signed redirect state is accepted once.
import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { isInvitedRole, type InvitedRole } from "../auth/roles.js";

export interface SessionRecord {
  userId: string;
  login: string;
  /** `github` or `setup`. */
  provider: string;
  roles: InvitedRole[];
  /** Fingerprint of the role configuration the roles were resolved under (a change ends the session). */
  rolesFrom?: string;
  createdAt: string;
  expiresAt: string;
}

export interface SetupGeneration {
  generation: string;
  createdAt: string;
  usedAt?: string;
  etag: string;
}

export interface Grant {
  /** GitHub's numeric user id: a login can be renamed and then taken by someone else; the id cannot. */
  userId: string;
  /** The login when granted, for people to read. */
  login: string;
  role: InvitedRole;
  grantedBy: string;
  grantedAt: string;
}

export interface AccessStoreOptions {
  abortSignal?: AbortSignal;
}

function toGrant(entity: Record<string, unknown>): Grant {
  return {
    userId: String(entity.userId),
    login: String(entity.login),
    role: entity.role as InvitedRole,
    grantedBy: String(entity.grantedBy),
    grantedAt: String(entity.grantedAt),
  };
}

const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;
const hash = (value: string) => createHash("sha256").update(value).digest("hex");

export class AccessStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async createSession(sessionId: string, session: SessionRecord, options: AccessStoreOptions = {}): Promise<void> {
    await this.#table.createEntity(
      { partitionKey: "session", rowKey: hash(sessionId), ...session, roles: JSON.stringify(session.roles) },
      { abortSignal: options.abortSignal },
    );
  }

  /** The session, or `undefined` when it never existed, was signed out, or has expired. */
  async getSession(sessionId: string, options: AccessStoreOptions & { now?: number } = {}): Promise<SessionRecord | undefined> {
    const entity = await this.#get("session", hash(sessionId), options);
    if (!entity) return undefined;
    const expiresAt = String(entity.expiresAt);
    if (Date.parse(expiresAt) <= (options.now ?? Date.now())) return undefined;
    let roles: unknown;
    try {
      roles = JSON.parse(String(entity.roles));
    } catch {
      roles = [];
    }
    return {
      userId: String(entity.userId),
      login: String(entity.login),
      provider: String(entity.provider),
      roles: Array.isArray(roles) ? roles.filter(isInvitedRole) : [],
      ...(typeof entity.rolesFrom === "string" ? { rolesFrom: entity.rolesFrom } : {}),
      createdAt: String(entity.createdAt),
      expiresAt,
    };
  }

  /** Succeeds when absent (signed out twice, or expired and swept). */
  async deleteSession(sessionId: string, options: AccessStoreOptions = {}): Promise<void> {
    await this.#delete("session", hash(sessionId), options);
  }

  async upsertGrant(grant: Grant, options: AccessStoreOptions = {}): Promise<void> {
    if (!/^\d+$/.test(grant.userId)) throw new TypeError(`grant: userId must be GitHub's numeric user id (got "${grant.userId}")`);
    await this.#table.upsertEntity({ partitionKey: "grant", rowKey: grant.userId, ...grant }, "Replace", {
      abortSignal: options.abortSignal,
    });
  }

  async getGrant(userId: string, options: AccessStoreOptions = {}): Promise<Grant | undefined> {
    if (!/^\d+$/.test(userId)) return undefined;
    const entity = await this.#get("grant", userId, options);
    if (!entity || !isInvitedRole(entity.role)) return undefined;
    return toGrant(entity);
  }

  async *listGrants(options: AccessStoreOptions = {}): AsyncIterableIterator<Grant> {
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: "PartitionKey eq 'grant'" },
      abortSignal: options.abortSignal,
    });
    for await (const entity of entities) {
      if (isInvitedRole(entity.role)) yield toGrant(entity);
    }
  }

  async getSetupGeneration(options: AccessStoreOptions = {}): Promise<SetupGeneration | undefined> {
    const entity = await this.#get("setup", "code", options);
    if (!entity) return undefined;
    return {
      generation: String(entity.generation),
      createdAt: String(entity.createdAt),
      usedAt: typeof entity.usedAt === "string" ? entity.usedAt : undefined,
      etag: entity.etag,
    };
  }

  /**
   * Makes `generation` current unless another instance changed the row since `etag` was read (`undefined`:
   * only if there is none). Returns whether this call won; the loser reads the winner's.
   */
  async putSetupGeneration(generation: string, etag: string | undefined, options: AccessStoreOptions = {}): Promise<boolean> {
    const entity = { partitionKey: "setup", rowKey: "code", generation, createdAt: new Date().toISOString() };
    try {
      if (etag === undefined) await this.#table.createEntity(entity, { abortSignal: options.abortSignal });
      else await this.#table.updateEntity(entity, "Replace", { etag, abortSignal: options.abortSignal });
      return true;
    } catch (error) {
      if (statusOf(error) === 409 || statusOf(error) === 412) return false;
      throw error;
    }
  }

  /** Marks the generation used, once: false when it is not current or was used already (another request won). */
  async useSetupGeneration(generation: string, options: AccessStoreOptions = {}): Promise<boolean> {
    const current = await this.getSetupGeneration(options);
    if (!current || current.generation !== generation || current.usedAt) return false;
    try {
      await this.#table.updateEntity(
        { partitionKey: "setup", rowKey: "code", usedAt: new Date().toISOString() },
        "Merge",
        { etag: current.etag, abortSignal: options.abortSignal },
      );
      return true;
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** Records a flow nonce as used; false when it was used before (a replayed redirect). */
  async useNonce(nonce: string, options: AccessStoreOptions = {}): Promise<boolean> {
    try {
      await this.#table.createEntity({ partitionKey: "nonce", rowKey: hash(nonce), usedAt: new Date().toISOString() }, { abortSignal: options.abortSignal });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  /** A platform-wide "who did it" record: plain strings, never a secret. */
  async upsertNote(name: string, fields: Record<string, string | boolean>, options: AccessStoreOptions = {}): Promise<void> {
    await this.#table.upsertEntity({ partitionKey: "note", rowKey: name, ...fields }, "Replace", { abortSignal: options.abortSignal });
  }

  async getNote(name: string, options: AccessStoreOptions = {}): Promise<Record<string, string | boolean> | undefined> {
    const entity = await this.#get("note", name, options);
    if (!entity) return undefined;
    const fields: Record<string, string | boolean> = {};
    for (const [key, value] of Object.entries(entity)) {
      // Only the fields written: not the keys, the ETag, the timestamp or the service's `odata.*` annotations.
      if (["partitionKey", "rowKey", "etag", "timestamp"].includes(key) || key.includes(".")) continue;
      if (typeof value === "string" || typeof value === "boolean") fields[key] = value;
    }
    return fields;
  }

  /** Succeeds when absent. */
  async deleteNote(name: string, options: AccessStoreOptions = {}): Promise<void> {
    await this.#delete("note", name, options);
  }

  async #get(partition: string, row: string, options: AccessStoreOptions): Promise<(Record<string, unknown> & { etag: string }) | undefined> {
    try {
      return await this.#table.getEntity<Record<string, unknown>>(partition, row, { abortSignal: options.abortSignal });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async #delete(partition: string, row: string, options: AccessStoreOptions): Promise<void> {
    try {
      await this.#table.deleteEntity(partition, row, { abortSignal: options.abortSignal });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}
