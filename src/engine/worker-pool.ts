// A small pool of run workers. A worker runs the code that is on disk when a run starts: if any workspace file
// it has loaded changed, it moves to a new module generation (the whole workspace graph is imported afresh,
// in milliseconds, no new thread). Old generations cannot be unloaded, so after a few of them the worker is
// terminated and a fresh one (kept booted in advance: the spare) takes over. Terminating whole threads is what
// keeps memory flat: re-importing into one long-lived loader (tsx's tsImport) grows by megabytes per reload.
import type { Logger } from "../logger.js";
import { EngineWorker } from "./engine-worker.js";
import type { RunThreads } from "./run-threads.js";

/** Where a run or a discovery pass gets its worker, and gives it back: the pool, or a draft's own (draft-workers.ts). */
export interface RunWorkers {
  /** A worker for the run of `file` (or any). */
  acquire(options?: { file?: string }): Promise<EngineWorker>;
  release(worker: EngineWorker): void;
}

export interface WorkerPoolOptions {
  /** Where the threads live (the runner process, or this one). */
  threads: RunThreads;
  logger: Logger;
  /** Workers kept idle between runs (besides the spare). */
  maxIdle?: number;
  /** A worker is replaced after this many runs, so state a workflow leaves behind cannot pile up. */
  maxRunsPerWorker?: number;
  /** A worker that loaded more files than this (a discovery pass) is not kept: checking it would cost a stat each. */
  maxLoadedFilesToKeep?: number;
  /** Module generations a worker may hold (each one's modules stay in its memory) before it is replaced. */
  maxGenerations?: number;
}

export class WorkerPool implements RunWorkers {
  readonly #options: Required<WorkerPoolOptions>;
  #idle: EngineWorker[] = [];
  #spare: EngineWorker | undefined;
  #live = new Set<EngineWorker>();
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = { maxIdle: 2, maxRunsPerWorker: 200, maxLoadedFilesToKeep: 50, maxGenerations: 20, ...options };
  }

  /** Live worker threads (busy, idle and the spare): the pool's memory is bounded by this count. */
  get size(): number {
    return this.#live.size;
  }

  /**
   * A worker whose loaded code is current. Prefers one that already loaded `file` (its module cache is warm);
   * a worker with changed code moves to its next generation, or is terminated when it has had enough of them;
   * then the spare, then a new one.
   */
  async acquire(options: { file?: string } = {}): Promise<EngineWorker> {
    if (this.#closed) throw new Error("the workflow engine is shut down");
    const { file } = options;
    const candidates = [...this.#idle].sort((a, b) => Number(b.loaded.has(file ?? "")) - Number(a.loaded.has(file ?? "")));
    this.#idle = [];
    let chosen: EngineWorker | undefined;
    for (const worker of candidates) {
      if (chosen) {
        this.#keepIdle(worker);
      } else if (await worker.isCurrent()) {
        chosen = worker;
      } else if (!worker.exited && worker.generation + 1 < this.#options.maxGenerations) {
        worker.nextGeneration();
        chosen = worker;
      } else {
        this.#retire(worker);
      }
    }
    if (chosen) return chosen;

    // The spare may have died with its runner process (src/runner/): then one fresh worker, and its failure is final.
    for (let attempt = 0; ; attempt++) {
      const worker = (attempt === 0 ? this.#spare : undefined) ?? this.#start();
      if (attempt === 0) this.#spare = undefined;
      this.#refillSpare();
      try {
        await worker.ready;
        // A spare that was ready can have died since, with its runner process.
        if (worker.exited) throw new Error("the run worker stopped before its run");
        return worker;
      } catch (error) {
        this.#retire(worker);
        if (attempt > 0 || this.#closed) throw error;
      }
    }
  }

  /** Boots the spare now (at start-up), so the first run does not wait for a thread (or, with it, a runner process). */
  warmUp(): void {
    this.#refillSpare();
  }

  /** Gives a worker back after a run or a discovery pass. */
  release(worker: EngineWorker): void {
    const keep =
      !this.#closed &&
      !worker.exited &&
      worker.runs < this.#options.maxRunsPerWorker &&
      worker.loaded.size <= this.#options.maxLoadedFilesToKeep;
    if (keep) this.#keepIdle(worker);
    else this.#retire(worker);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#live];
    this.#idle = [];
    this.#spare = undefined;
    await Promise.allSettled(all.map((worker) => worker.terminate()));
    this.#live.clear();
    await this.#options.threads.close();
  }

  #keepIdle(worker: EngineWorker): void {
    if (this.#idle.length < this.#options.maxIdle) this.#idle.push(worker);
    else this.#retire(worker);
  }

  #start(): EngineWorker {
    const worker = new EngineWorker(this.#options.threads);
    this.#live.add(worker);
    return worker;
  }

  #refillSpare(): void {
    if (this.#closed || this.#spare) return;
    const spare = this.#start();
    this.#spare = spare;
    spare.ready.catch((error: unknown) => {
      if (!this.#closed) this.#options.logger.error({ err: error }, "run worker failed to start");
      if (this.#spare === spare) this.#spare = undefined;
      this.#retire(spare);
    });
  }

  #retire(worker: EngineWorker): void {
    this.#live.delete(worker);
    worker.terminate().catch((error: unknown) => this.#options.logger.warn({ err: error }, "run worker did not stop"));
  }
}
