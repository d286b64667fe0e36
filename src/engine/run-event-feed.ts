// Watching a run: its events after a cursor, as they are stored, on any instance. One reader per run per instance,
// however many people watch it: the reader asks storage for what came after the last event it saw, when this
// instance's writer says it stored some (at once) or every `pollInMs` (a run on another instance), and hands each
// watcher what it has not had yet. A watcher that starts behind the reader's window (a reconnect after a long
// gap) reads its own way up first. The feed ends after the run's final status; a run whose record is finished but
// whose final event never came (its instance died; the sweeper marked it) ends with a status made from the record.
import type { RunEvent, RunEventStatus } from "../api-types.js";
import type { RunEventStore } from "../azure/run-event-store.js";
import type { RunRecord } from "./run-record.js";

const FINAL: ReadonlySet<RunEventStatus> = new Set(["succeeded", "failed", "timed_out", "cancelled", "interrupted"]);

export function isFinalEvent(event: RunEvent): boolean {
  return event.kind === "status" && FINAL.has(event.status);
}

export interface RunEventFeedOptions {
  /** How often a watched run's events are asked for when no local write says so (default 250 ms). */
  pollInMs?: number;
  /** How often the run's record is read to notice a run that ended without its final event (default 2 s). */
  recordCheckInMs?: number;
  /** Events a reader keeps for watchers that join late (default 2,000). */
  window?: number;
}

interface Reader {
  runId: string;
  /** Events in order, the oldest kept first. */
  events: RunEvent[];
  /** The last sequence number read from storage. */
  cursor: number;
  finished: boolean;
  watchers: number;
  wake: () => void;
  changed: Set<() => void>;
  lastRecordCheck: number;
}

export class RunEventFeed {
  readonly #store: RunEventStore;
  readonly #getRecord: (runId: string) => Promise<RunRecord | undefined>;
  readonly #pollInMs: number;
  readonly #recordCheckInMs: number;
  readonly #window: number;
  readonly #readers = new Map<string, Reader>();
  /** Storage reads made (tests and the benchmark read it). */
  reads = 0;

  constructor(store: RunEventStore, getRecord: (runId: string) => Promise<RunRecord | undefined>, options: RunEventFeedOptions = {}) {
    this.#store = store;
    this.#getRecord = getRecord;
    this.#pollInMs = options.pollInMs ?? 250;
    this.#recordCheckInMs = options.recordCheckInMs ?? 2000;
    this.#window = options.window ?? 2000;
  }

  /**
   * This instance stored events of `runId`: its reader (if anyone watches) takes them as they are when they
   * continue what it has (no storage read), else reads at once.
   */
  notify(runId: string, stored?: readonly RunEvent[]): void {
    const reader = this.#readers.get(runId);
    if (!reader) return;
    if (stored && stored.length > 0 && stored[0]!.seq === reader.cursor + 1) {
      this.#take(reader, stored);
      for (const changed of [...reader.changed]) changed();
      if (reader.finished) reader.wake();
      return;
    }
    reader.wake();
  }

  #take(reader: Reader, events: readonly RunEvent[]): void {
    reader.cursor = events.at(-1)!.seq;
    reader.events.push(...events);
    if (reader.events.length > this.#window) reader.events.splice(0, reader.events.length - this.#window);
    if (events.some(isFinalEvent)) reader.finished = true;
  }

  /** Someone on this instance watches `runId` now (so the run exists: its watchers' requests need no record read). */
  isWatched(runId: string): boolean {
    return this.#readers.has(runId);
  }

  /** Batches of events with `seq > after`, in order, each once; ends after the final status or when `abortSignal` fires. */
  async *watch(runId: string, after: number, options: { abortSignal?: AbortSignal } = {}): AsyncGenerator<RunEvent[]> {
    const signal = options.abortSignal;
    const reader = this.#join(runId);
    let cursor = after;
    try {
      for (;;) {
        if (signal?.aborted) return;
        const oldest = reader.events[0]?.seq ?? reader.cursor + 1;
        let batch: RunEvent[];
        if (cursor + 1 < oldest) {
          // Behind the shared window: read the gap directly.
          this.reads++;
          batch = (await this.#store.listAfter(runId, cursor, { limit: 1000, abortSignal: signal })).filter((e) => e.seq < oldest);
        } else {
          // The window holds consecutive sequence numbers: what is new starts at a known index.
          batch = reader.events.slice(Math.max(0, cursor + 1 - oldest));
        }
        if (batch.length > 0) {
          cursor = batch.at(-1)!.seq;
          yield batch;
          if (batch.some(isFinalEvent)) return;
          continue;
        }
        if (reader.finished) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            reader.changed.delete(done);
            signal?.removeEventListener("abort", done);
            resolve();
          };
          reader.changed.add(done);
          signal?.addEventListener("abort", done, { once: true });
        });
      }
    } finally {
      this.#leave(reader);
    }
  }

  #join(runId: string): Reader {
    let reader = this.#readers.get(runId);
    if (!reader) {
      reader = { runId, events: [], cursor: 0, finished: false, watchers: 0, wake: () => undefined, changed: new Set(), lastRecordCheck: 0 };
      this.#readers.set(runId, reader);
      reader.watchers++;
      void this.#read(reader);
      return reader;
    }
    reader.watchers++;
    return reader;
  }

  #leave(reader: Reader): void {
    if (--reader.watchers > 0) return;
    this.#readers.delete(reader.runId);
    reader.wake();
  }

  async #read(reader: Reader): Promise<void> {
    while (reader.watchers > 0 && !reader.finished) {
      let fullPage = false;
      try {
        this.reads++;
        const read = await this.#store.listAfter(reader.runId, reader.cursor, { limit: 1000 });
        fullPage = read.length === 1000;
        // What a notify delivered while this read was out is not taken twice.
        const events = read.filter((e) => e.seq > reader.cursor);
        if (events.length > 0) {
          this.#take(reader, events);
        } else if (read.length > 0) {
          // Everything read was already delivered.
        } else if (Date.now() - reader.lastRecordCheck >= this.#recordCheckInMs) {
          reader.lastRecordCheck = Date.now();
          const record = await this.#getRecord(reader.runId);
          if (!record) {
            reader.finished = true;
          } else if (FINAL.has(record.status as RunEventStatus) && (await this.#store.listAfter(reader.runId, reader.cursor, { limit: 1 })).length === 0) {
            // Finished without its final event (its instance stopped before writing it).
            reader.events.push({
              seq: reader.cursor + 1,
              kind: "status",
              time: record.finishedAt ?? new Date().toISOString(),
              status: record.status as RunEventStatus,
              message: record.error?.message,
            });
            reader.finished = true;
          }
        }
      } catch {
        // Storage hiccup: the next round tries again; watchers keep what they have.
      }
      for (const changed of [...reader.changed]) changed();
      // A full page may have more behind it: read again without sleeping.
      if (reader.finished || fullPage) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#pollInMs);
        reader.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      reader.wake = () => undefined;
    }
    for (const changed of [...reader.changed]) changed();
  }
}
