// The run worker's entry: imports workspace modules (fresh per worker, cached while the worker lives),
// describes them for discovery, and runs workflows one at a time with a captured logger and console.
import { parentPort } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import { describeWorkflow } from "../describe-workflow.js";
import type { LogLevel, WorkflowContext, WorkflowLogger } from "../workflow-definition.js";
import { serializeError } from "../workspace-error.js";
import { BARRIER_SPECIFIER, type FromWorker, type LogEntry, type ToWorker } from "./protocol.js";

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const aborts = new Map<string, AbortController>();
let currentRun: string | undefined;
const secretRequests = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
let nextSecretRequest = 1;

/** `ctx.secrets`: each `get` is a request to the platform, which holds the secrets (and decides). */
function secretsFor(runId: string): WorkflowContext["secrets"] {
  return {
    get(name: string) {
      return new Promise<string>((resolve, reject) => {
        const request = nextSecretRequest++;
        secretRequests.set(request, { resolve, reject });
        post({ type: "secret", id: runId, request, name: String(name) });
      });
    },
  };
}

/** `ctx.progress(done, total, message?)`: where the run stands, shown live (the platform keeps the latest). */
function progressFor(runId: string): WorkflowContext["progress"] {
  return (done: number, total: number, message?: string) => {
    if (!Number.isFinite(done) || !Number.isFinite(total) || total < 0 || done < 0) {
      throw new RangeError(`ctx.progress(done, total): both must be finite numbers ≥ 0 (got ${String(done)}, ${String(total)})`);
    }
    post({ type: "progress", id: runId, done, total, ...(message === undefined ? {} : { message: String(message).slice(0, 500) }) });
  };
}

captureConsole();

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "describe":
      void describe(message);
      break;
    case "run":
      void run(message);
      break;
    case "abort":
      aborts.get(message.id)?.abort(new Error(message.reason));
      break;
    case "secret-value": {
      const pending = secretRequests.get(message.request);
      secretRequests.delete(message.request);
      if (message.error !== undefined) pending?.reject(new Error(message.error));
      else pending?.resolve(message.value ?? "");
      break;
    }
  }
});
post({ type: "ready" });

async function describe(message: Extract<ToWorker, { type: "describe" }>): Promise<void> {
  let answer: FromWorker;
  try {
    const module = (await import(moduleUrl(message.file, message.generation))) as Record<string, unknown>;
    answer = { type: "described", id: message.id, descriptor: describeWorkflow(module, message.relativePath) };
  } catch (error) {
    answer = { type: "described", id: message.id, error: serializeError(error) };
  }
  // The hooks report this file's imports on their own port: a last import through them marks the end, so the
  // engine knows when it has the whole graph (module-hooks.ts).
  await import(BARRIER_SPECIFIER + message.id).catch(() => undefined);
  post(answer);
}

async function run(message: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const controller = new AbortController();
  aborts.set(message.id, controller);
  currentRun = message.id;
  try {
    const module = (await import(moduleUrl(message.file, message.generation))) as { default?: { name?: unknown; run?: unknown } };
    const definition = module.default;
    if (definition?.name !== message.workflow || typeof definition.run !== "function") {
      throw new Error(`${message.file} no longer defines the workflow "${message.workflow}"; list the workflows again.`);
    }
    const context: WorkflowContext = {
      runId: message.id,
      workflow: message.workflow,
      log: createLogger(message.id),
      abortSignal: controller.signal,
      tempDir: message.tempDir,
      secrets: secretsFor(message.id),
      progress: progressFor(message.id),
    };
    const result = (await (definition.run as (p: unknown, c: WorkflowContext) => unknown)(message.params, context)) ?? null;
    let output: unknown;
    try {
      output = JSON.parse(JSON.stringify(result)) as unknown;
    } catch (error) {
      throw new TypeError(`The workflow's result is not JSON-serialisable: ${(error as Error).message}`);
    }
    post({ type: "finished", id: message.id, output });
  } catch (error) {
    post({ type: "finished", id: message.id, error: serializeError(error) });
  } finally {
    aborts.delete(message.id);
    currentRun = undefined;
  }
}

/** A workspace module of one generation: a new generation imports the code on disk afresh. */
function moduleUrl(file: string, generation: number): string {
  return `${pathToFileURL(file).href}?gen=${generation}`;
}

function createLogger(id: string): WorkflowLogger {
  const write = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => sendLog(id, level, String(message), fields);
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function sendLog(id: string, level: LogLevel, message: string, fields?: Record<string, unknown>): void {
  const entry: LogEntry = { time: new Date().toISOString(), level, message };
  if (fields !== undefined) {
    try {
      entry.fields = JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
    } catch {
      entry.fields = { unserialisable: format("%o", fields) };
    }
  }
  post({ type: "log", id, entry });
}

/** console.* during a run belongs to the run's log (outside a run it goes to the host's output as usual). */
function captureConsole(): void {
  const levels: [keyof Console, LogLevel][] = [["log", "info"], ["info", "info"], ["debug", "debug"], ["warn", "warn"], ["error", "error"]];
  for (const [method, level] of levels) {
    const original = (console[method] as (...args: unknown[]) => void).bind(console);
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (currentRun) sendLog(currentRun, level, format(...args));
      else original(...args);
    };
  }
}
