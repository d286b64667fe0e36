// The runner process: where workflow code runs. Started by the platform (runner-threads.ts) with an
// allow-listed environment and, where the platform runs as root, as an unprivileged user; it holds no secret,
// no identity and no storage client. It hosts run worker threads (the same ones the engine would start in
// process: src/engine/run-threads.ts) and relays their messages to the platform over IPC.
import inspector from "node:inspector";
import { createLocalThreads, type RunThread, type RunThreads, type SpawnOptions } from "../engine/run-threads.js";
import type { FromRunner, RunnerStart, ToRunner } from "./runner-protocol.js";

const send = (message: FromRunner) => {
  // The platform went away: nothing to report to; the disconnect handler below ends this process.
  if (process.connected) process.send!(message);
};
let threads: RunThreads | undefined;
const live = new Map<number, RunThread>();

process.on("message", (message: ToRunner) => {
  switch (message.op) {
    case "start":
      start(message.start);
      break;
    case "spawn":
      spawn(message.thread, { overlay: message.overlay });
      break;
    case "post":
      live.get(message.thread)?.postMessage(message.message);
      break;
    case "terminate": {
      const thread = live.get(message.thread);
      live.delete(message.thread);
      void (thread ? thread.terminate() : Promise.resolve()).finally(() => send({ op: "terminated", thread: message.thread }));
      break;
    }
  }
});
// The platform is the only reason to exist: when it goes (crash, restart), so does the runner.
process.on("disconnect", () => process.exit(0));

function start(options: RunnerStart): void {
  threads = createLocalThreads({ workspaceDir: options.workspaceDir, memoryLimitMb: options.memoryLimitMb });
  let inspectorError: string | undefined;
  try {
    if (options.inspector && !inspector.url()) inspector.open(options.inspector.port, options.inspector.host, false);
  } catch (error) {
    // Runs work without a debugger: say why there is none rather than fail them all.
    inspectorError = error instanceof Error ? error.message : String(error);
  }
  send({ op: "started", inspectorUrl: inspector.url(), inspectorError });
}

function spawn(id: number, options: SpawnOptions): void {
  if (!threads) throw new Error("the runner was asked for a thread before it was started");
  const thread = threads.spawn(options);
  live.set(id, thread);
  thread.on("message", (message) => send({ op: "message", thread: id, message }));
  thread.on("module", (event) => send({ op: "module", thread: id, event }));
  thread.on("exit", (error) => {
    live.delete(id);
    send({ op: "exit", thread: id, reason: error.message });
  });
}
