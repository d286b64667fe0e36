// The platform's side of the runner process (runner-main.ts): starts it on first use, with an allow-listed
// environment and, where the platform runs as root, as an unprivileged user; hands out run threads that live
// there; and replaces it when it dies (its runs fail with the reason, the next run starts a new runner).
// Compare the Azure Functions host and its language worker: the platform keeps the secrets, the managed
// identity and the storage clients; the runner gets the workspace and each run's temp folder.
import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { RunThread, RunThreads, SpawnOptions } from "../engine/run-threads.js";
import type { FromWorker, ModuleEvent, ToWorker } from "../engine/worker/protocol.js";
import type { Logger } from "../logger.js";
import type { FromRunner, RunnerStart, ToRunner } from "./runner-protocol.js";
import type { RunnerUser } from "./runner-user.js";

/** The only variables workflow code sees from the platform's environment (no identity, storage, vault or GitHub). */
export const RUNNER_ENV_ALLOW_LIST = [
  "PATH", "LANG", "LC_ALL", "TZ", "NODE_ENV", "NODE_EXTRA_CA_CERTS",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
] as const;

export interface RunnerThreadsOptions {
  workspaceDir: string;
  memoryLimitMb: number;
  /** The unprivileged user to run as (when the platform is root), or undefined: the platform's own user. */
  user: RunnerUser | undefined;
  /** A folder the runner may write (its HOME and TMPDIR). */
  homeDir: string;
  logger: Logger;
  /** Open the inspector in the runner (ENABLE_DEBUGGING): host and port; the URL is reported through `inspectorUrl`. */
  inspector?: { host: string; port: number };
  /** Variables to read the allow-list from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** How long the runner gets to stop a thread before it is taken for wedged and killed. */
const TERMINATE_DEADLINE_IN_MS = 3_000;

const extension = path.extname(fileURLToPath(import.meta.url));
const runnerMain = fileURLToPath(new URL(`./runner-main${extension}`, import.meta.url));
/** The app's root: the runner's working folder (where node_modules is). */
export const appRoot = fileURLToPath(new URL(extension === ".ts" ? "../../" : "../../../", import.meta.url));

interface Runner {
  child: ChildProcess;
  started: Promise<string | undefined>;
}

export class RunnerThreads implements RunThreads {
  readonly #options: RunnerThreadsOptions;
  #runner: Runner | undefined;
  #nextThread = 1;
  readonly #threads = new Map<number, EventEmitter & RunThread>();
  readonly #terminations = new Map<number, () => void>();
  #closed = false;

  constructor(options: RunnerThreadsOptions) {
    this.#options = options;
  }

  get uid(): number | undefined {
    return this.#options.user?.uid;
  }

  get description(): string {
    const pid = this.#runner?.child.pid;
    return `runner process${pid ? ` pid ${pid}` : ""}${this.#options.user ? ` as ${this.#options.user.name} (uid ${this.#options.user.uid})` : ""}`;
  }

  /** Starts the runner now (not on the first run) and answers its inspector URL when debugging. */
  async start(): Promise<string | undefined> {
    const runner = this.#ensureRunner();
    // Until it answers, the answer is what keeps this process going (the channel is otherwise unref'd).
    runner.child.channel?.ref();
    try {
      return await runner.started;
    } finally {
      runner.child.channel?.unref();
    }
  }

  spawn(options: SpawnOptions = {}): RunThread {
    if (this.#closed) throw new Error("the workflow runner is shut down");
    const runner = this.#ensureRunner();
    const id = this.#nextThread++;
    const thread = new EventEmitter() as EventEmitter & RunThread;
    let gone = false;
    thread.once("exit", () => {
      gone = true;
      this.#threads.delete(id);
    });
    thread.postMessage = (message: ToWorker) => {
      if (!gone) this.#send(runner, { op: "post", thread: id, message });
    };
    thread.terminate = () =>
      new Promise<void>((resolve) => {
        if (gone || this.#runner !== runner) return resolve();
        // A runner that does not answer within the deadline is wedged (stopped, starved): it is killed, which
        // ends this thread and every other in it, and the next run starts a new runner.
        const deadline = setTimeout(() => {
          this.#options.logger.warn({ pid: runner.child.pid }, "workflow runner did not answer a stop; killing it");
          runner.child.kill("SIGKILL");
        }, TERMINATE_DEADLINE_IN_MS);
        deadline.unref();
        this.#terminations.set(id, () => {
          clearTimeout(deadline);
          resolve();
        });
        this.#send(runner, { op: "terminate", thread: id });
      });
    this.#threads.set(id, thread);
    this.#send(runner, { op: "spawn", thread: id, ...(options.overlay ? { overlay: options.overlay } : {}) });
    return thread;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const runner = this.#runner;
    if (!runner) return;
    const exited = new Promise<void>((resolve) => runner.child.once("exit", () => resolve()));
    runner.child.kill("SIGKILL");
    await exited;
  }

  #ensureRunner(): Runner {
    if (this.#runner) return this.#runner;
    const { user, homeDir, env = process.env } = this.#options;
    const childEnv: NodeJS.ProcessEnv = { HOME: homeDir, TMPDIR: homeDir };
    for (const name of RUNNER_ENV_ALLOW_LIST) if (env[name] !== undefined) childEnv[name] = env[name];
    const child = fork(runnerMain, [], {
      cwd: appRoot,
      env: childEnv,
      // TypeScript under tsx (npm start, tests); plain JavaScript in the built image. Never the platform's flags.
      execArgv: extension === ".ts" ? ["--import", tsxLoaderUrl()] : [],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    // The runner never keeps the platform alive; it ends itself when the platform goes (runner-main.ts).
    child.unref();
    child.channel?.unref();
    let announce: (url: string | undefined) => void = () => undefined;
    const runner: Runner = { child, started: new Promise((resolve) => (announce = resolve)) };
    const start: RunnerStart = { workspaceDir: this.#options.workspaceDir, memoryLimitMb: this.#options.memoryLimitMb, inspector: this.#options.inspector };
    child.on("message", (message: FromRunner) => this.#receive(message, announce));
    child.on("error", (error) => this.#options.logger.error({ err: error }, "workflow runner failed"));
    child.once("exit", (code, signal) => {
      announce(undefined);
      this.#lost(runner, signal ?? `code ${code}`);
    });
    this.#runner = runner;
    this.#send(runner, { op: "start", start });
    this.#options.logger.info({ pid: child.pid, uid: user?.uid }, "workflow runner started");
    return runner;
  }

  #receive(message: FromRunner, announce: (url: string | undefined) => void): void {
    switch (message.op) {
      case "started":
        if (message.inspectorError) this.#options.logger.error({ reason: message.inspectorError }, "the runner could not open the debugger");
        announce(message.inspectorUrl);
        break;
      case "message":
        this.#threads.get(message.thread)?.emit("message", message.message satisfies FromWorker);
        break;
      case "module":
        this.#threads.get(message.thread)?.emit("module", message.event satisfies ModuleEvent);
        break;
      case "exit":
        this.#threads.get(message.thread)?.emit("exit", new Error(message.reason));
        break;
      case "terminated":
        this.#terminations.get(message.thread)?.();
        this.#terminations.delete(message.thread);
        this.#threads.get(message.thread)?.emit("exit", new Error("the run worker was stopped"));
        break;
    }
  }

  /** The runner died: every thread in it is gone with the reason; the next spawn starts a new runner. */
  #lost(runner: Runner, how: string): void {
    if (this.#runner === runner) this.#runner = undefined;
    if (!this.#closed) this.#options.logger.warn({ pid: runner.child.pid, how }, "workflow runner stopped; the next run starts a new one");
    const reason = new Error(`the workflow runner stopped (${how}) while this ran; a new runner takes the next run`);
    for (const thread of [...this.#threads.values()]) thread.emit("exit", reason);
    this.#threads.clear();
    for (const resolve of this.#terminations.values()) resolve();
    this.#terminations.clear();
  }

  #send(runner: Runner, message: ToRunner): void {
    if (runner.child.connected) runner.child.send(message);
  }
}

function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
}
