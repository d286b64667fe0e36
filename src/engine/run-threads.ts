// Where run worker threads live. The engine asks a `RunThreads` for a thread and talks to it by messages
// (worker/protocol.ts); it does not care whether the thread is in this process (`createLocalThreads`, used
// inside the runner process and by the in-process baseline) or in the runner process (src/runner/), the
// platform's default, which keeps workflow code away from the platform's secrets, identity and files.
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, Worker } from "node:worker_threads";
import type { OverlayFiles } from "./draft-overlay.js";
import { moduleHooksUrl } from "./worker/module-hooks.js";
import { overlayHooksUrl } from "./worker/overlay-hooks.js";
import type { FromWorker, ModuleEvent, ToWorker } from "./worker/protocol.js";
import { workerBootstrap } from "./worker/worker-bootstrap.js";
import { realPathOf } from "./real-path.js";

/** One run worker thread, wherever it lives. */
export interface RunThread {
  on(event: "message", listener: (message: FromWorker) => void): this;
  /** What the module hooks report (worker/protocol.ts), in the order they report it. */
  on(event: "module", listener: (event: ModuleEvent) => void): this;
  /** Once: the thread is gone (exited, crashed, out of memory, or its runner process died); the reason. */
  on(event: "exit", listener: (error: Error) => void): this;
  off(event: "message", listener: (message: FromWorker) => void): this;
  postMessage(message: ToWorker): void;
  terminate(): Promise<void>;
}

export interface RunThreads {
  /** Where the threads live, for logs and health ("in-process", "runner pid 123 as uid 65534"). */
  readonly description: string;
  /** The uid workflow code runs as, when it is not the platform's own (the runner's user). */
  readonly uid?: number;
  spawn(options?: SpawnOptions): RunThread;
  /** Starts where the threads live now rather than at the first run; answers the debugger URL when debugging. */
  start?(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface SpawnOptions {
  /**
   * A draft run's thread: these workspace files read as the draft has them (draft-overlay.ts). Such a thread is
   * for that draft alone: its module cache holds the draft's code.
   */
  overlay?: OverlayFiles;
}

export interface LocalThreadsOptions {
  workspaceDir: string;
  /** V8 heap cap per thread (resourceLimits.maxOldGenerationSizeMb); a run over it fails with that reason. */
  memoryLimitMb: number;
}

/** Under tsx (npm start, tests) this file is .ts; in the built image .js: the worker's entry follows suit. */
const extension = path.extname(fileURLToPath(import.meta.url));
const mainUrl = new URL(`./worker/worker-main${extension}`, import.meta.url).href;
const sdkUrl = new URL(`./sdk${extension}`, import.meta.url).href;

/** Threads of this process. */
export function createLocalThreads(options: LocalThreadsOptions): RunThreads {
  const live = new Set<Worker>();
  const tsxApiUrl = resolveTsxEsmApi();
  return {
    description: "in-process",
    spawn(spawnOptions: SpawnOptions = {}) {
      const thread = new EventEmitter() as EventEmitter & RunThread;
      const realWorkspace = realPathOf(options.workspaceDir);
      // The hooks compare the absolute paths Node resolves (through symlinks: the real workspace's).
      const overlay = spawnOptions.overlay && new Map([...spawnOptions.overlay].map(([relative, content]) => [path.join(realWorkspace, relative), content]));
      const hooks = new MessageChannel();
      hooks.port1.on("message", (event: ModuleEvent) => thread.emit("module", event));
      hooks.port1.unref();
      const worker = new Worker(workerBootstrap, {
        eval: true,
        // Not the parent's flags (tsx's CLI loader, test runner flags): the bootstrap registers what runs need.
        execArgv: [],
        workerData: {
          tsxApiUrl,
          hooksUrl: moduleHooksUrl,
          hooksPort: hooks.port2,
          sdkUrl,
          mainUrl,
          workspaceUrl: folderUrl(realWorkspace),
          aliasUrl: realWorkspace === options.workspaceDir ? undefined : folderUrl(options.workspaceDir),
          ...(overlay ? { overlay, overlayHooksUrl } : {}),
        },
        transferList: [hooks.port2],
        name: overlay ? "funcspace-draft-run-worker" : "funcspace-run-worker",
        resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitMb },
      });
      live.add(worker);
      // An idle worker never keeps the process alive.
      worker.unref();
      let gone: Error | undefined;
      const exit = (error: Error) => {
        if (gone) return;
        gone = error;
        live.delete(worker);
        thread.emit("exit", error);
      };
      worker.on("message", (message: FromWorker) => thread.emit("message", message));
      worker.on("error", (error: Error & { code?: string }) =>
        exit(
          error.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? new Error(`the run used more than ${options.memoryLimitMb} MB of memory (WORKFLOW_MEMORY_MB) and was stopped`)
            : error,
        ),
      );
      worker.on("exit", (code) => exit(new Error(`the run worker exited (code ${code})`)));
      thread.postMessage = (message: ToWorker) => {
        if (!gone) worker.postMessage(message);
      };
      thread.terminate = async () => {
        await worker.terminate();
      };
      return thread;
    },
    async close() {
      await Promise.allSettled([...live].map((worker) => worker.terminate()));
      live.clear();
    },
  };
}

/**
 * tsx's ESM register API, as its package exports it to `import` (the `require` build of it cannot find its own
 * ESM half from inside a worker). Resolved here so the worker does not depend on its working directory.
 */
function resolveTsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("tsx/package.json");
  const manifest = require("tsx/package.json") as { exports: Record<string, { import?: { default?: string } }> };
  const target = manifest.exports["./esm/api"]?.import?.default;
  if (!target) throw new Error("tsx does not export ./esm/api for import: is tsx 4 installed?");
  return pathToFileURL(path.join(path.dirname(manifestPath), target)).href;
}

function folderUrl(folder: string): string {
  return `${pathToFileURL(folder).href.replace(/\/$/, "")}/`;
}
