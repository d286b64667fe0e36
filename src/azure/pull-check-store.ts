// The last check of each pull request into the connected branch (table "pullchecks"): partition = connection id,
// row = the pull request's number (zero-padded, so rows list in number order). Written by the webhook handler
// (a check started) and by the check job (its outcome); read by the UI's list of open pull requests and by the
// job itself, which reports only for the head the row still names (a newer push supersedes an older check).
import type { TableClient } from "@azure/data-tables";
import type { PullCheck } from "../api-types.js";

export interface PullCheckStoreOptions {
  abortSignal?: AbortSignal;
}

const rowOf = (number: number): string => String(number).padStart(10, "0");

export class PullCheckStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async get(connectionId: string, number: number, options: PullCheckStoreOptions = {}): Promise<PullCheck | undefined> {
    try {
      const entity = await this.#table.getEntity<Record<string, unknown>>(connectionId, rowOf(number), { abortSignal: options.abortSignal });
      return fromEntity(entity);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Replaces the row with `check` (the newest check of the pull request wins). */
  async upsert(connectionId: string, check: PullCheck, options: PullCheckStoreOptions = {}): Promise<void> {
    const entity: Record<string, unknown> = { partitionKey: connectionId, rowKey: rowOf(check.number) };
    for (const [key, value] of Object.entries(check)) if (value !== undefined) entity[key] = key === "counts" || key === "timings" ? JSON.stringify(value) : value;
    await this.#table.upsertEntity(entity as never, "Replace", { abortSignal: options.abortSignal });
  }

  /** The pull requests of a connection with their last check, newest number first. */
  async list(connectionId: string, options: PullCheckStoreOptions & { limit?: number } = {}): Promise<PullCheck[]> {
    const checks: PullCheck[] = [];
    const entities = this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${connectionId.replace(/'/g, "''")}'` }, abortSignal: options.abortSignal });
    for await (const entity of entities) checks.push(fromEntity(entity));
    return checks.sort((a, b) => b.number - a.number).slice(0, options.limit ?? 50);
  }
}

function fromEntity(entity: Record<string, unknown>): PullCheck {
  const text = (key: string) => (typeof entity[key] === "string" ? (entity[key] as string) : undefined);
  const counts = text("counts");
  const timings = text("timings");
  return {
    number: Number(entity.number),
    title: text("title") ?? "",
    url: text("url") ?? "",
    headRef: text("headRef") ?? "",
    headSha: text("headSha") ?? "",
    state: (text("state") ?? "open") as PullCheck["state"],
    status: (text("status") ?? "in_progress") as PullCheck["status"],
    ...(text("conclusion") ? { conclusion: text("conclusion") as PullCheck["conclusion"] } : {}),
    ...(text("summary") ? { summary: text("summary") } : {}),
    ...(typeof entity.checkRunId === "number" ? { checkRunId: entity.checkRunId } : {}),
    ...(text("checkUrl") ? { checkUrl: text("checkUrl") } : {}),
    ...(counts ? { counts: JSON.parse(counts) as PullCheck["counts"] } : {}),
    ...(timings ? { timings: JSON.parse(timings) as PullCheck["timings"] } : {}),
    ...(text("reportedVia") ? { reportedVia: text("reportedVia") as PullCheck["reportedVia"] } : {}),
    ...(text("reportReason") ? { reportReason: text("reportReason") } : {}),
    updatedAt: text("updatedAt") ?? "",
  };
}
