// One run worker as the engine sees it: a worker thread (run-threads.ts: in the runner process, or in this one)
// with tsx and our module hooks, the workspace files it has loaded (with their fingerprints), the imports
// between them and those that found no file, and calls to describe a file or run a workflow in it. A run that
// overstays its timeout is aborted, then the thread is terminated: V8 stops even a busy loop.
import { randomUUID } from "node:crypto";
import { MISSING, readFingerprint } from "./find-workflow-files.js";
import type { RunThread, RunThreads, SpawnOptions } from "./run-threads.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";
import { serializeError, type SerializedError } from "./workspace-error.js";
import type { FromWorker, LogEntry, ModuleEvent, ToWorker } from "./worker/protocol.js";

/** Longest wait, after a describe's answer, for the hooks' last report of it (they come on another channel). */
const BARRIER_WAIT_IN_MS = 2000;

/** Time a stopped run gets to honour its abort signal before its thread is terminated. */
const ABORT_GRACE_IN_MS = 250;
/** Time a cancelled run gets to finish cleanly (its abort signal fired) before its thread is terminated. */
export const CANCEL_GRACE_IN_MS = 2000;

export type RunOutcome =
  | { status: "succeeded"; output: unknown }
  | { status: "failed"; error: SerializedError }
  | { status: "timed_out" }
  | { status: "cancelled" };

export interface RunInWorkerOptions {
  timeoutInMs: number;
  onLog: (entry: LogEntry) => void;
  /** `ctx.progress(done, total, message)`. */
  onProgress?: (progress: { done: number; total: number; message?: string }) => void;
  /** Cancels the run: its abort signal fires, then after CANCEL_GRACE_IN_MS its thread is terminated. */
  cancelSignal?: AbortSignal;
  /** Answers the run's `ctx.secrets.get(name)`: the value, or a rejection whose message the run sees. */
  onSecret?: (name: string) => Promise<string>;
  abortSignal?: AbortSignal;
}

export class EngineWorker {
  readonly ready: Promise<void>;
  /** Workspace files this worker has loaded (this generation) → their fingerprint when loaded. */
  readonly loaded = new Map<string, string>();
  /** This generation's imports between workspace files: importer → imported. */
  readonly #imports = new Map<string, Set<string>>();
  /** This generation's imports that found no file: importer → the paths any of which would have satisfied them. */
  readonly #missing = new Map<string, Set<string>>();
  readonly #barriers = new Map<string, () => void>();
  runs = 0;
  /** Module generation: bumped to load changed code afresh without a new thread. */
  generation = 0;
  #thread: RunThread;
  #exited = false;
  #exitListeners = new Set<(error: Error) => void>();
  #pending = new Map<string, (message: FromWorker) => void>();

  /** `options.overlay`: a draft run's worker (draft-workers.ts), never one of the pool's. */
  constructor(threads: RunThreads, options: SpawnOptions = {}) {
    this.#thread = threads.spawn(options);
    this.#thread.on("module", (event: ModuleEvent) => this.#onModuleEvent(event));
    this.ready = new Promise<void>((resolve, reject) => {
      const onReady = (message: FromWorker) => {
        if (message.type === "ready") resolve();
        else if (message.type === "boot-failed") reject(new Error(`the run worker failed to start: ${message.message}`));
        else return;
        this.#thread.off("message", onReady);
      };
      this.#thread.on("message", onReady);
      this.#exitListeners.add(reject);
    });
    this.ready.catch(() => undefined);
    this.#thread.on("message", (message: FromWorker) => {
      if ("id" in message) this.#pending.get(message.id)?.(message);
    });
    this.#thread.on("exit", (error) => this.#exit(error));
  }

  get exited(): boolean {
    return this.#exited;
  }

  /**
   * True when every workspace file this worker loaded is unchanged on disk and every import that found no file
   * still finds none (so its module cache is current: a module that failed for want of a helper is cached
   * with its failure, and must be loaded afresh once the helper exists).
   */
  async isCurrent(): Promise<boolean> {
    if (this.#exited) return false;
    const absent = new Set([...this.#missing.values()].flatMap((candidates) => [...candidates]));
    const checks = await Promise.all([
      ...[...this.loaded].map(async ([file, fingerprint]) => (await fingerprintOf(file)) === fingerprint),
      ...[...absent].map(async (file) => (await fingerprintOf(file)) === MISSING),
    ]);
    return checks.every(Boolean);
  }

  /** The next import of a workspace module loads it (and all it imports from the workspace) from disk again. */
  nextGeneration(): void {
    this.generation++;
    this.loaded.clear();
    this.#imports.clear();
    this.#missing.clear();
  }

  /**
   * The workspace files `file` (a real path) imports in this generation, directly or not, with their fingerprint
   * when loaded, and those an import of them looked for in vain (MISSING). Complete after `describe(file)`.
   */
  dependenciesOf(file: string): Map<string, string> {
    const found = new Map<string, string>();
    const seen = new Set([file]);
    const queue = [file];
    for (let module = queue.pop(); module !== undefined; module = queue.pop()) {
      for (const candidate of this.#missing.get(module) ?? []) if (!found.has(candidate)) found.set(candidate, MISSING);
      for (const imported of this.#imports.get(module) ?? []) {
        if (seen.has(imported)) continue;
        seen.add(imported);
        queue.push(imported);
        // A file loaded outside our generations (a JSON module, which Node loads itself) has no fingerprint here.
        const fingerprint = this.loaded.get(imported);
        if (fingerprint !== undefined) found.set(imported, fingerprint);
      }
    }
    found.delete(file);
    return found;
  }

  /** Imports `file` and describes its default export (`descriptor` undefined: not a workflow). */
  async describe(
    file: string,
    relativePath: string,
    timeoutInMs: number,
  ): Promise<{ descriptor?: WorkflowDescriptor; error?: SerializedError }> {
    const id = randomUUID();
    const barrier = new Promise<void>((resolve) => this.#barriers.set(id, resolve));
    try {
      const answer = await this.#request(id, { type: "describe", id, file, relativePath, generation: this.generation }, timeoutInMs, () => undefined);
      if (answer === "timeout") {
        await this.terminate();
        return { error: { name: "Error", message: `${relativePath} did not finish loading within ${timeoutInMs} ms (top-level code that never ends?)` } };
      }
      // The worker imported the barrier before answering; its report comes on the hooks' channel, maybe later.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([barrier, new Promise((resolve) => (timer = setTimeout(resolve, BARRIER_WAIT_IN_MS)))]);
      clearTimeout(timer);
      return answer.type === "described" ? { descriptor: answer.descriptor, error: answer.error } : {};
    } catch (error) {
      return { error: serializeError(error) };
    } finally {
      this.#barriers.delete(id);
    }
  }

  async run(
    job: { id: string; file: string; workflow: string; params: Record<string, unknown>; tempDir: string },
    options: RunInWorkerOptions,
  ): Promise<RunOutcome> {
    this.runs++;
    const stop = () => this.#post({ type: "abort", id: job.id, reason: "the run was cancelled" });
    options.abortSignal?.addEventListener("abort", stop, { once: true });
    const cancelled = new Promise<"cancelled">((resolve) => {
      if (options.cancelSignal?.aborted) resolve("cancelled");
      options.cancelSignal?.addEventListener("abort", () => resolve("cancelled"), { once: true });
    });
    try {
      let answer: FromWorker | "timeout" | "cancelled";
      const request = this.#request(job.id, { type: "run", ...job, generation: this.generation }, options.timeoutInMs, (message) => {
        if (message.type === "log") options.onLog(message.entry);
        else if (message.type === "progress") options.onProgress?.({ done: message.done, total: message.total, message: message.message });
        else if (message.type === "secret") this.#answerSecret(message, options.onSecret);
      });
      request.catch(() => undefined);
      try {
        answer = await Promise.race([request, cancelled]);
      } catch (error) {
        // The thread died under the run (an exception thrown outside the run's promise chain, say).
        return { status: "failed", error: serializeError(error) };
      }
      if (answer === "cancelled") {
        const reason = options.cancelSignal?.reason instanceof Error ? options.cancelSignal.reason.message : "the run was cancelled";
        this.#post({ type: "abort", id: job.id, reason });
        const grace = new Promise<"grace">((resolve) => setTimeout(() => resolve("grace"), CANCEL_GRACE_IN_MS));
        // Finished (however) within the grace period: the thread is clean and stays. Else it is terminated.
        if ((await Promise.race([request.then(() => "done", () => "done"), grace])) === "grace") await this.terminate();
        return { status: "cancelled" };
      }
      if (answer === "timeout") {
        this.#post({ type: "abort", id: job.id, reason: `the run exceeded its timeout of ${options.timeoutInMs} ms` });
        await new Promise((resolve) => setTimeout(resolve, ABORT_GRACE_IN_MS));
        await this.terminate();
        return { status: "timed_out" };
      }
      if (answer.type !== "finished") throw new Error("unexpected answer from the run worker");
      return answer.error ? { status: "failed", error: answer.error } : { status: "succeeded", output: answer.output };
    } finally {
      options.abortSignal?.removeEventListener("abort", stop);
    }
  }

  async terminate(): Promise<void> {
    this.#exited = true;
    await this.#thread.terminate();
  }

  /** Sends a request and waits for its final answer (`described`/`finished`), the timeout, or the worker's death. */
  #request(
    id: string,
    message: ToWorker,
    timeoutInMs: number,
    onProgress: (message: FromWorker) => void,
  ): Promise<FromWorker | "timeout"> {
    return new Promise((resolve, reject) => {
      if (this.#exited) return reject(new Error("the run worker has stopped"));
      const finish = () => {
        clearTimeout(timer);
        this.#pending.delete(id);
        this.#exitListeners.delete(onExit);
      };
      const timer = setTimeout(() => {
        finish();
        resolve("timeout");
      }, timeoutInMs);
      const onExit = (error: Error) => {
        finish();
        reject(error);
      };
      this.#exitListeners.add(onExit);
      this.#pending.set(id, (answer) => {
        if (answer.type === "described" || answer.type === "finished") {
          finish();
          resolve(answer);
        } else {
          onProgress(answer);
        }
      });
      this.#post(message);
    });
  }

  #answerSecret(message: Extract<FromWorker, { type: "secret" }>, onSecret: RunInWorkerOptions["onSecret"]): void {
    const answer = (fields: { value?: string; error?: string }) => this.#post({ type: "secret-value", id: message.id, request: message.request, ...fields });
    if (!onSecret) return answer({ error: "This run has no secrets." });
    onSecret(message.name).then(
      (value) => answer({ value }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
    );
  }

  #onModuleEvent(event: ModuleEvent): void {
    if (event.kind === "barrier") return this.#barriers.get(event.id)?.();
    if (event.generation !== String(this.generation)) return;
    if (event.kind === "loaded") this.loaded.set(event.path, event.fingerprint);
    else if (event.kind === "import") addTo(this.#imports, event.from, [event.to]);
    else addTo(this.#missing, event.from, event.candidates);
  }

  #post(message: ToWorker): void {
    if (!this.#exited) this.#thread.postMessage(message);
  }

  #exit(error: Error): void {
    if (this.#exited && this.#exitListeners.size === 0) return;
    this.#exited = true;
    for (const listener of this.#exitListeners) listener(error);
    this.#exitListeners.clear();
  }
}

function addTo(map: Map<string, Set<string>>, key: string, values: string[]): void {
  const set = map.get(key) ?? new Set<string>();
  for (const value of values) set.add(value);
  map.set(key, set);
}

/** size:mtime:inode, or MISSING when there is no file (or it cannot be read: then it is not the file loaded). */
async function fingerprintOf(file: string): Promise<string> {
  return (await readFingerprint(file).catch(() => undefined)) ?? MISSING;
}
