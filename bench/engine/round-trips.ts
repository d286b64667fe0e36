// What the runner's extra hop costs, apart from the engine: a run-shaped request answered with a
// finished-shaped message (the shapes of runner-protocol.ts and worker/protocol.ts) through
//  - a worker thread's postMessage (the in-process pool's only hop),
//  - a child process's IPC channel, advanced serialization (the runner's hop, alone),
//  - both in a row, relayed by the child as runner-main.ts does (the runner's whole path);
// and the structured clone alone (v8.serialize/deserialize, what the IPC channel's advanced serialization does).
// Each echo is started once, warmed up, then timed one message at a time.
import { spawn, type ChildProcess } from "node:child_process";
import v8 from "node:v8";
import { Worker } from "node:worker_threads";

export interface RoundTrips {
  workerMs: number[];
  ipcMs: number[];
  relayMs: number[];
  /** v8.serialize + v8.deserialize (what advanced serialization does) of one request and one answer, ms. */
  cloneMs: number[];
}

const answerOf = `(m) => ({ op: "message", thread: m.thread, message: { type: "finished", id: m.message.id, output: { n: 2, version: 1 } } })`;
const workerEcho = `const { parentPort } = require("node:worker_threads"); const answerOf = ${answerOf}; parentPort.on("message", (m) => parentPort.postMessage(answerOf(m)));`;
const ipcEcho = `const answerOf = ${answerOf}; process.on("message", (m) => process.send(answerOf(m))); process.on("disconnect", () => process.exit(0));`;
const relayEcho = `const { Worker } = require("node:worker_threads"); const w = new Worker(${JSON.stringify(workerEcho)}, { eval: true });
process.on("message", (m) => w.postMessage(m)); w.on("message", (m) => process.send(m)); process.on("disconnect", () => process.exit(0));`;

const request = (i: number) => ({
  op: "post",
  thread: 1,
  message: { type: "run", id: `run-${i}-0123456789abcdef`, file: "/tmp/workspace/trivial.mts", workflow: "trivial", params: { n: 1 }, tempDir: "/tmp/runs/x", generation: 0 },
});

async function timeEcho(send: (message: unknown) => void, onAnswer: (listener: () => void) => void, count: number): Promise<number[]> {
  let answered: () => void = () => undefined;
  onAnswer(() => answered());
  const times: number[] = [];
  for (let i = 0; i < count + 50; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      answered = resolve;
      send(request(i));
    });
    if (i >= 50) times.push(performance.now() - started);
  }
  return times;
}

async function timeChild(code: string, count: number): Promise<number[]> {
  const child: ChildProcess = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" });
  try {
    return await timeEcho((m) => child.send(m as object), (listener) => child.on("message", listener), count);
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.disconnect();
    await exited;
  }
}

function timeClone(count: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < count + 50; i++) {
    const started = performance.now();
    const answer = v8.deserialize(v8.serialize(answerOfRequest(v8.deserialize(v8.serialize(request(i))) as ReturnType<typeof request>)));
    if (!answer) throw new Error("no answer");
    if (i >= 50) times.push(performance.now() - started);
  }
  return times;
}

const answerOfRequest = (m: ReturnType<typeof request>) => ({ op: "message", thread: m.thread, message: { type: "finished", id: m.message.id, output: { n: 2, version: 1 } } });

export async function measureRoundTrips(count: number): Promise<RoundTrips> {
  const worker = new Worker(workerEcho, { eval: true });
  let workerMs: number[];
  try {
    workerMs = await timeEcho((m) => worker.postMessage(m), (listener) => worker.on("message", listener), count);
  } finally {
    await worker.terminate();
  }
  return { workerMs, ipcMs: await timeChild(ipcEcho, count), relayMs: await timeChild(relayEcho, count), cloneMs: timeClone(count) };
}
