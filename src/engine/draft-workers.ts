// The worker threads of one draft (a listing of it, or a run of it): fresh threads of the runner whose module
// hooks see the draft's files (draft-overlay.ts), never the pool's. A module cache cannot be cleared, and one
// holding a draft's code must not serve a normal run, nor a warm thread's cache the draft; so a draft's thread
// lives for that draft's listing and run only and is terminated with `close()`. A cold start (a few hundred ms)
// is the price: drafts are run by hand, one at a time.
import type { DraftOverlay } from "./draft-overlay.js";
import { EngineWorker } from "./engine-worker.js";
import type { RunThreads } from "./run-threads.js";
import type { RunWorkers } from "./worker-pool.js";

export class DraftWorkers implements RunWorkers {
  readonly #threads: RunThreads;
  readonly #overlay: DraftOverlay;
  #current: EngineWorker | undefined;
  readonly #started = new Set<EngineWorker>();
  #closed = false;

  constructor(threads: RunThreads, overlay: DraftOverlay) {
    this.#threads = threads;
    this.#overlay = overlay;
  }

  /** The draft's thread: the one that described its files (its modules are loaded), or a new one if that one stopped. */
  async acquire(): Promise<EngineWorker> {
    if (this.#closed) throw new Error("the draft's run workers are closed");
    if (!this.#current || this.#current.exited) {
      this.#current = new EngineWorker(this.#threads, { overlay: this.#overlay.files });
      this.#started.add(this.#current);
    }
    const worker = this.#current;
    await worker.ready;
    if (worker.exited) throw new Error("the draft's run worker stopped before its run");
    return worker;
  }

  /** Kept for the next step of the same draft (its run after its listing); `close()` ends it. */
  release(): void {}

  /** Terminates every thread this draft started. */
  async close(): Promise<void> {
    this.#closed = true;
    const started = [...this.#started];
    this.#started.clear();
    this.#current = undefined;
    await Promise.allSettled(started.map((worker) => worker.terminate()));
  }
}
