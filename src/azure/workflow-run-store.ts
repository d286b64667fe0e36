// Workflow run records in Table storage: one partition, row key = run id (an inverted timestamp, so a plain
// scan lists the newest runs first). Output and logs can exceed a property's 64 KiB, so they are stored as JSON
// split over numbered properties (ASCII-escaped); the engine keeps the record under the 1 MiB entity limit.
import { odata, type TableClient } from "@azure/data-tables";
import type { RunFilter } from "../api-types.js";
import type { RunRecord, RunStatus, RunSummary } from "../engine/run-record.js";

const PARTITION = "run";
/** Characters per string property: 64 KiB of UTF-16. */
const CHUNK_CHARS = 32_000;
const MAX_CHUNKS = 5;
/**
 * Property budget per bulky field: 5 × 64 KiB. Output and logs may fill theirs; the engine caps an error at
 * 12,000 characters (≤ 72,000 escaped) and params at 30,000, so a record stays under the entity's 1 MiB.
 */
export const MAX_FIELD_CHARS = CHUNK_CHARS * MAX_CHUNKS;

const SUMMARY_FIELDS = [
  "RowKey", "workflow", "file", "status", "trigger", "startedBy", "paramsJson", "outputTruncated", "logsDropped",
  "cancelRequestedBy", "cancelledBy", "draftOwner", "draftChanges", "createdAt", "startedAt", "timeoutMs", "finishedAt", "durationMs",
  "errorJsonChunks", ...Array.from({ length: MAX_CHUNKS }, (_, i) => `errorJson${i}`),
];

export interface WorkflowRunStoreOptions {
  abortSignal?: AbortSignal;
}

export interface ListRunsOptions extends WorkflowRunStoreOptions, RunFilter {
  /** Only runs listed after this run id (older ones): where the previous page stopped. */
  after?: string;
}

export class WorkflowRunStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  /** Writes the record whole (create or replace). */
  async upsert(record: RunRecord, options: WorkflowRunStoreOptions = {}): Promise<void> {
    await this.#table.upsertEntity(toEntity(record), "Replace", { abortSignal: options.abortSignal });
  }

  /** Asks the instance running `id` to cancel it (it reads its running runs' records every second). */
  async requestCancel(id: string, by: string, options: WorkflowRunStoreOptions = {}): Promise<void> {
    await this.#table.updateEntity({ partitionKey: PARTITION, rowKey: id, cancelRequestedBy: by }, "Merge", { abortSignal: options.abortSignal });
  }

  /** Removes a run record; succeeds if it is already gone. */
  async delete(id: string, options: WorkflowRunStoreOptions = {}): Promise<void> {
    try {
      await this.#table.deleteEntity(PARTITION, id, { abortSignal: options.abortSignal });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }

  async get(id: string, options: WorkflowRunStoreOptions = {}): Promise<RunRecord | undefined> {
    try {
      const entity = await this.#table.getEntity<Record<string, unknown>>(PARTITION, id, { abortSignal: options.abortSignal });
      return fromEntity(entity);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /**
   * Runs newest first, without output and logs; only those that match every filter given. Table storage applies
   * the filter, so a rare match costs one scan there rather than every record sent here; `after` is a range on
   * the row key (ids sort newest first), so a page starts right after the last run of the one before.
   */
  async *list(options: ListRunsOptions = {}): AsyncIterableIterator<RunSummary> {
    const conditions = [odata`PartitionKey eq ${PARTITION}`];
    if (options.after !== undefined) conditions.push(odata`RowKey gt ${options.after}`);
    if (options.workflow !== undefined) conditions.push(odata`workflow eq ${options.workflow}`);
    if (options.status !== undefined) conditions.push(odata`status eq ${options.status}`);
    if (options.startedBy !== undefined) conditions.push(odata`startedBy eq ${options.startedBy}`);
    const filter = conditions.join(" and ");
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter, select: SUMMARY_FIELDS },
      abortSignal: options.abortSignal,
    });
    for await (const entity of entities) {
      const { output: _output, logs: _logs, ...summary } = fromEntity(entity);
      yield summary;
    }
  }

  /** Runs still marked `running` (the sweeper's view; live runs are among them). */
  async *listRunning(options: WorkflowRunStoreOptions = {}): AsyncIterableIterator<RunSummary> {
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${PARTITION} and status eq ${"running"}`, select: SUMMARY_FIELDS },
      abortSignal: options.abortSignal,
    });
    for await (const entity of entities) {
      const { output: _output, logs: _logs, ...summary } = fromEntity(entity);
      yield summary;
    }
  }

  /**
   * Marks a run that is still `running` as `interrupted`, with `error`. ETag-conditional: false when the
   * run ended (or changed) in the meantime, so a run that finishes as it is swept keeps its outcome.
   */
  markInterrupted(id: string, error: { name: string; message: string }, options: WorkflowRunStoreOptions & { now?: Date } = {}): Promise<boolean> {
    return this.endUnfinished(id, { status: "interrupted", from: ["running"], error }, options);
  }

  /**
   * Ends a run whose status is still one of `from` with `status` and `error`; false when it is not (ended or
   * changed meanwhile: ETag-conditional, so an outcome recorded at the same moment is kept).
   */
  async endUnfinished(
    id: string,
    end: { status: RunStatus; from: readonly RunStatus[]; error: { name: string; message: string } },
    options: WorkflowRunStoreOptions & { now?: Date } = {},
  ): Promise<boolean> {
    let entity;
    try {
      entity = await this.#table.getEntity<Record<string, unknown>>(PARTITION, id, { abortSignal: options.abortSignal });
    } catch (failure) {
      if ((failure as { statusCode?: number }).statusCode === 404) return false;
      throw failure;
    }
    if (!end.from.includes(entity.status as RunStatus)) return false;
    const change: Entity = { partitionKey: PARTITION, rowKey: id, status: end.status, finishedAt: (options.now ?? new Date()).toISOString() };
    putChunks(change, "errorJson", asciiJson(end.error));
    try {
      await this.#table.updateEntity(change, "Merge", { etag: entity.etag, abortSignal: options.abortSignal });
      return true;
    } catch (failure) {
      if ((failure as { statusCode?: number }).statusCode === 412) return false;
      throw failure;
    }
  }
}

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toEntity(record: RunRecord): Entity {
  const entity: Entity = {
    partitionKey: PARTITION,
    rowKey: record.id,
    workflow: record.workflow,
    status: record.status,
    trigger: record.trigger,
    paramsJson: asciiJson(record.params),
    createdAt: record.createdAt,
  };
  const optional = {
    file: record.file,
    startedBy: record.startedBy,
    startedAt: record.startedAt,
    timeoutMs: record.timeoutMs,
    finishedAt: record.finishedAt,
    durationMs: record.durationMs,
    cancelRequestedBy: record.cancelRequestedBy,
    cancelledBy: record.cancelledBy,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) entity[key] = value;
  if (record.draft) Object.assign(entity, { draftOwner: record.draft.owner, draftChanges: record.draft.changes });
  if (record.outputTruncated) entity.outputTruncated = true;
  if (record.logsDropped) entity.logsDropped = record.logsDropped;
  if (record.error) putChunks(entity, "errorJson", asciiJson(record.error));
  if (record.output !== undefined) putChunks(entity, "outputJson", asciiJson(record.output));
  putChunks(entity, "logsJson", asciiJson(record.logs));
  return entity;
}

function fromEntity(entity: Record<string, unknown>): RunRecord {
  const record: RunRecord = {
    id: String(entity.rowKey),
    workflow: String(entity.workflow),
    status: entity.status as RunRecord["status"],
    trigger: entity.trigger as RunRecord["trigger"],
    params: JSON.parse(String(entity.paramsJson ?? "{}")) as Record<string, unknown>,
    logs: [],
    createdAt: String(entity.createdAt),
  };
  if (typeof entity.file === "string") record.file = entity.file;
  if (typeof entity.startedBy === "string") record.startedBy = entity.startedBy;
  if (typeof entity.startedAt === "string") record.startedAt = entity.startedAt;
  if (typeof entity.timeoutMs === "number") record.timeoutMs = entity.timeoutMs;
  if (typeof entity.finishedAt === "string") record.finishedAt = entity.finishedAt;
  if (typeof entity.durationMs === "number") record.durationMs = entity.durationMs;
  if (typeof entity.cancelRequestedBy === "string") record.cancelRequestedBy = entity.cancelRequestedBy;
  if (typeof entity.cancelledBy === "string") record.cancelledBy = entity.cancelledBy;
  if (typeof entity.draftOwner === "string") record.draft = { owner: entity.draftOwner, changes: Number(entity.draftChanges ?? 0) };
  if (entity.outputTruncated === true) record.outputTruncated = true;
  if (typeof entity.logsDropped === "number") record.logsDropped = entity.logsDropped;
  const error = getChunks(entity, "errorJson");
  if (error !== undefined) record.error = JSON.parse(error) as RunRecord["error"];
  const output = getChunks(entity, "outputJson");
  if (output !== undefined) record.output = JSON.parse(output) as unknown;
  const logs = getChunks(entity, "logsJson");
  if (logs !== undefined) record.logs = JSON.parse(logs) as RunRecord["logs"];
  return record;
}

/**
 * JSON with every non-ASCII character escaped (\\uXXXX): Azurite corrupts a multi-byte character that straddles
 * a chunk of a large request body, and plain ASCII cannot straddle anything.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function putChunks(entity: Entity, name: string, text: string): void {
  if (text.length > MAX_FIELD_CHARS) throw new RangeError(`${name} is ${text.length} characters; a run record holds ${MAX_FIELD_CHARS}`);
  entity[`${name}Chunks`] = Math.ceil(text.length / CHUNK_CHARS);
  for (let i = 0; i * CHUNK_CHARS < text.length; i++) entity[`${name}${i}`] = text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
}

function getChunks(entity: Record<string, unknown>, name: string): string | undefined {
  const count = entity[`${name}Chunks`];
  if (typeof count !== "number") return undefined;
  let text = "";
  for (let i = 0; i < count; i++) text += String(entity[`${name}${i}`] ?? "");
  return text;
}
