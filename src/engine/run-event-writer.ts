// A run's events on their way to storage, as they happen: each gets the next sequence number (from 1, no gaps),
// and they are written in order, in batches, at most one write in flight, a batch at most `flushInMs` after its
// first event. So a workflow that logs in a tight loop costs a few Table transactions a second, not one per line,
// and a line reaches a watcher within tens of milliseconds. Progress that has not been written yet is replaced
// by newer progress (same sequence number): only where a run stands matters. Past `maxEvents`, log lines are
// counted, not kept, and a `truncated` event says how many before the final status. A failed write is retried
// with the next batch; the run never waits for, or fails because of, its events (its record keeps its logs).
import type { RunEvent } from "../api-types.js";
import type { RunEventStore } from "../azure/run-event-store.js";
import type { Logger } from "../logger.js";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewRunEvent = DistributiveOmit<RunEvent, "seq">;

export interface RunEventWriterOptions {
  flushInMs?: number;
  /** Log lines kept per run (default 10,000). */
  maxEvents?: number;
  /** After each stored batch, with its events (this instance's watchers of the run get them at once). */
  onStored?: (runId: string, events: readonly RunEvent[]) => void;
  logger?: Logger;
}

export class RunEventWriter {
  readonly #runId: string;
  readonly #store: RunEventStore;
  readonly #flushInMs: number;
  readonly #maxEvents: number;
  readonly #onStored?: (runId: string, events: readonly RunEvent[]) => void;
  readonly #logger?: Logger;
  #seq = 0;
  #logLines = 0;
  #dropped = 0;
  #pending: RunEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #failures = 0;

  constructor(runId: string, store: RunEventStore, options: RunEventWriterOptions = {}) {
    this.#runId = runId;
    this.#store = store;
    this.#flushInMs = options.flushInMs ?? 20;
    this.#maxEvents = options.maxEvents ?? 10_000;
    this.#onStored = options.onStored;
    this.#logger = options.logger;
  }

  /** Log lines not kept past the budget. */
  get dropped(): number {
    return this.#dropped;
  }

  push(event: NewRunEvent): void {
    if (event.kind === "log" && ++this.#logLines > this.#maxEvents) {
      this.#dropped++;
      return;
    }
    const last = this.#pending.at(-1);
    if (event.kind === "progress" && last?.kind === "progress") {
      this.#pending[this.#pending.length - 1] = { ...event, seq: last.seq };
      return;
    }
    this.#pending.push({ ...event, seq: ++this.#seq } as RunEvent);
    this.#timer ??= setTimeout(() => void this.#flush(), this.#flushInMs);
  }

  /** Writes what is left (after a `truncated` event when lines were dropped) and waits for it. */
  async close(final?: NewRunEvent): Promise<void> {
    if (this.#dropped > 0) this.push({ kind: "truncated", time: new Date().toISOString(), dropped: this.#dropped });
    if (final) this.push(final);
    for (let attempt = 0; attempt < 3 && (this.#pending.length > 0 || this.#writing); attempt++) {
      await this.#flush();
      await this.#writing;
    }
    clearTimeout(this.#timer);
    if (this.#pending.length > 0) {
      this.#logger?.warn({ runId: this.#runId, lost: this.#pending.length }, "run events not stored");
      this.#pending = [];
    }
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing) return this.#writing.then(() => this.#flush());
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#writing = this.#store
      .append(this.#runId, batch)
      .then(
        () => {
          this.#failures = 0;
          this.#onStored?.(this.#runId, batch);
        },
        (error: unknown) => {
          // Back in front of what came since, in order; the next flush (or close) tries again.
          this.#pending = [...batch, ...this.#pending];
          if (++this.#failures === 1) this.#logger?.warn({ err: error, runId: this.#runId }, "run events not stored yet; retrying");
        },
      )
      .finally(() => {
        this.#writing = undefined;
        if (this.#pending.length > 0) this.#timer ??= setTimeout(() => void this.#flush(), this.#failures > 0 ? 500 : this.#flushInMs);
      });
    return this.#writing;
  }
}
