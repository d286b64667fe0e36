// Threads that do a sync's bulk file-system work (create thousands of small files, walk and stat every
// folder) with plain synchronous calls, a batch at a time, while the main thread goes on with the rest.
//
// Why not `fs/promises` with p-limit: every asynchronous call is a trip through libuv's thread pool, and on
// the 2-core machines we run on, the main thread spent more time dispatching those trips (~40,000 for a
// cold sync of 10,000 files: open, write, close, stat) than unpacking the archive, while the pool's threads
// burnt twice tar's system time: a cold sync took 2.5-4× `tar -xzf` (bench/sync). A thread here makes one
// system call per step and no promise at all, beside the unpacking instead of between its chunks.
//
// Latency-bound shares (Azure Files answers each metadata call in a network round trip) want many calls in
// flight: that is the thread count (`SYNC_FS_THREADS`), each thread one call at a time.
//
// The threads outlive a run (`getFsThreads`), like libuv's own pool: starting one costs 30-60 ms and its
// code runs cold, which a one-file push cannot afford every time. Idle, they do not keep the process alive,
// and after a minute without work they stop (their memory goes back; the next sync starts them again). Each run passes its own stop flag (`createStopFlag`), so cancelling one run stops its
// work within one file and leaves another run's alone.
//
// The thread's code is a plain-JavaScript string (like the run workers' bootstrap): it needs nothing but
// `node:fs`, and loads the same way under tsx and in the built image.
import { Worker } from "node:worker_threads";
import type { FileStats } from "./staging.js";

/**
 * Files to create and their contents, one after the other in `buffer` (which moves to the thread and comes
 * back with the answer: a batch costs no copy and its buffer can be used again).
 */
export interface FileBatch {
  files: { /** Absolute path; its folders are created as needed. */ file: string; mode: number; length: number }[];
  buffer: ArrayBuffer;
  /**
   * Stat each file after its close (default). false where that stat is worthless (a share whose mtime moves
   * after close: the apply stats every written file once at its end): the outcome then carries the content's
   * size, the requested mode and mtimeMs 0, and the round trip is saved.
   */
  stat?: boolean;
}

/**
 * A created file: its stat (taken after its close: an SMB client may hold writes until then), and its
 * content's git blob id (hashed by the thread, off the main thread).
 */
export interface WrittenFile extends FileStats {
  sha: string;
}

/** A file hashed by `hashFiles` (resume): its blob id, "" when unreadable or not of the expected size. */
export interface HashedFile extends FileStats {
  sha: string;
}

/** Why one file of a batch failed (the others went on). */
export interface FailedFile {
  code: string;
  message: string;
}

export type WriteOutcome = WrittenFile | FailedFile;

export function isFailedFile(outcome: WriteOutcome): outcome is FailedFile {
  return "code" in outcome;
}

/**
 * What a walk found, paths relative to the folder walked: every sub-folder, every other entry with its lstat
 * (symlinks never followed), and the sub-folders it left for another request (see `walkFolder`).
 */
export interface FolderWalk {
  folders: string[];
  files: { path: string; kind: "file" | "other"; size: number; mtimeMs: number; mode: number }[];
  deferred: string[];
}

/** A run's stop flag, read by the threads before each file: set, the rest of its batches are skipped. */
export type StopFlag = Int32Array;

/** A stop flag that is set when `abortSignal` aborts (and by `stop`). */
export function createStopFlag(abortSignal?: AbortSignal): { flag: StopFlag; stop(): void; dispose(): void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const stop = () => void Atomics.store(flag, 0, 1);
  abortSignal?.addEventListener("abort", stop, { once: true });
  if (abortSignal?.aborted) stop();
  return { flag, stop, dispose: () => abortSignal?.removeEventListener("abort", stop) };
}

export interface FsThreads {
  /**
   * Creates each file exclusively (`wx`: an existing name is a failure, never overwritten) with its mode and
   * content, and hashes that content as a git blob. A file that fails is reported in its slot and the batch goes on; once `stop` is set, files not
   * yet started are reported as `ECANCELED`.
   */
  writeFiles(batch: FileBatch, options: { stop: StopFlag }): Promise<{ outcomes: WriteOutcome[]; buffer: ArrayBuffer }>;
  /**
   * Lists `folder` and lstats its entries, and with `descend` its sub-folders' too, except those it meets
   * while another thread is idle: those come back in `deferred`, for the caller to walk in parallel (one
   * request for a whole tree on one thread; a wide tree spread over all of them on a slow share).
   * Rejects with the file-system error (code kept), `ECANCELED` once `stop` is set.
   */
  walkFolder(folder: string, options: { descend: boolean; stop: StopFlag }): Promise<FolderWalk>;
  // --- resume (issue 23): hashing staged files a dead run left, see resume-staging.ts ---
  /**
   * Each file's git blob id (read in 1 MB pieces: memory stays bounded whatever the file's size) and its stat
   * (fstat of the open file: no second lookup by name). `sha` is "" when the file cannot be read, or does not
   * hold exactly `size` bytes when a size is given; files not yet started once `stop` is set get "" too.
   */
  hashFiles(files: { file: string; size?: number }[], options: { stop: StopFlag }): Promise<HashedFile[]>;
  // --- end resume ---
  /** Threads running now (started, not yet stopped for idleness). */
  readonly running: number;
  /** Stops the threads (after their current request). */
  close(): Promise<void>;
}

/**
 * Threads by default. 2 keep a 2-core machine's local disk busy beside the unpacking (bench/sync: 2 and 4 do
 * alike there); more are for shares where every call waits on the network (the container sets 8).
 */
export const DEFAULT_FS_THREADS = 4;

export interface FsThreadsOptions {
  /** At most this many threads, each started when work first finds the others busy. */
  threads: number;
  /**
   * A thread with nothing to do for this long stops, giving its memory back (a V8 isolate and its heap,
   * several MB each); the next sync starts it again. Default 60 s: a burst of pushes keeps them warm.
   */
  idleTimeoutInMs?: number;
  /** Per-file time of a batch from which writes count as waiting on the file system (default 1.5 ms). */
  slowFileMs?: number;
}

const THREAD_SOURCE = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const { createHash } = require("node:crypto");
const idle = new Int32Array(workerData.idle);
const folders = new Set();
const failure = (error) => ({ code: error.code || "EIO", message: error.message });
const cancelled = () => Object.assign(new Error("the sync was cancelled"), { code: "ECANCELED" });

function writeFile(file, mode, content, withStat) {
  const folder = path.dirname(file);
  if (!folders.has(folder)) {
    fs.mkdirSync(folder, { recursive: true });
    if (folders.size > 10000) folders.clear();
    folders.add(folder);
  }
  const fd = fs.openSync(file, "wx", mode);
  try {
    let written = 0;
    while (written < content.length) written += fs.writeSync(fd, content, written, content.length - written);
  } finally {
    fs.closeSync(fd);
  }
  const sha = createHash("sha1").update("blob " + content.length + "\0").update(content).digest("hex");
  if (!withStat) return { size: content.length, mtimeMs: 0, mode: 0o100000 | mode, sha };
  const stats = fs.statSync(file);
  return { size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode, sha };
}

// Asked and answered in columns (paths joined by NUL, numbers in transferred arrays, blob ids in one string):
// structured-cloning an object per file, both ways, was a tenth of the threads' time (bench/sync/profile.ts).
function writeFiles(paths, numbers, buffer, stop, withStat) {
  const bytes = new Uint8Array(buffer);
  const files = paths === "" ? [] : paths.split("\0");
  const stats = new Float64Array(files.length * 3);
  const failures = [];
  let shas = "";
  let offset = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const mode = numbers[i * 2];
    const length = numbers[i * 2 + 1];
    const content = bytes.subarray(offset, offset + length);
    offset += length;
    let result;
    if (Atomics.load(stop, 0) !== 0) result = failure(cancelled());
    else {
      try {
        result = writeFile(file, mode, content, withStat);
      } catch (error) {
        // A folder remembered as made may be gone since (a staging folder emptied to start over): once more.
        if (error.code !== "ENOENT" || !folders.delete(path.dirname(file))) result = failure(error);
        else {
          try {
            result = writeFile(file, mode, content, withStat);
          } catch (again) {
            result = failure(again);
          }
        }
      }
    }
    if (result.code !== undefined) {
      failures.push(i, result.code, result.message);
      shas += "0".repeat(40);
      continue;
    }
    shas += result.sha;
    stats[i * 3] = result.size;
    stats[i * 3 + 1] = result.mtimeMs;
    stats[i * 3 + 2] = result.mode;
  }
  return { shas, stats: stats.buffer, failures };
}

// Answered in columns (paths joined by NUL, numbers in one transferred array): cloning 10,000 small objects
// between threads cost more than the walk itself.
function walkFolder(root, descend, stop) {
  const folders = [];
  const deferred = [];
  const paths = [];
  const numbers = [];
  const stack = [""];
  while (stack.length > 0) {
    const relative = stack.pop();
    if (Atomics.load(stop, 0) !== 0) throw cancelled();
    const folder = relative ? path.join(root, relative) : root;
    let entries;
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      if (relative && error.code === "ENOENT") continue; // a sub-folder removed since its parent's listing
      throw error;
    }
    for (const entry of entries) {
      if (Atomics.load(stop, 0) !== 0) throw cancelled();
      const child = relative ? relative + "/" + entry.name : entry.name;
      let stats;
      if (!entry.isDirectory()) {
        try {
          stats = fs.lstatSync(path.join(folder, entry.name));
        } catch (error) {
          if (error.code === "ENOENT") continue; // removed since the listing
          throw error;
        }
      }
      if (stats === undefined || stats.isDirectory()) {
        folders.push(child);
        if (descend && Atomics.load(idle, 0) === 0) stack.push(child);
        else deferred.push(child);
        continue;
      }
      paths.push(child);
      numbers.push(stats.isFile() ? 1 : 0, stats.size, stats.mtimeMs, stats.mode);
    }
  }
  return { folders, deferred, paths: paths.join("\0"), numbers: new Float64Array(numbers).buffer };
}

// --- resume (issue 23) ---
let hashBuffer;
function hashFiles(files, stop) {
  hashBuffer ??= Buffer.allocUnsafe(1024 * 1024);
  const none = { sha: "", size: -1, mtimeMs: 0, mode: 0 };
  return files.map(({ file, size }) => {
    if (Atomics.load(stop, 0) !== 0) return none;
    let fd;
    try {
      fd = fs.openSync(file, "r");
      const stats = fs.fstatSync(fd);
      const found = { sha: "", size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode };
      if (!stats.isFile() || (size !== undefined && stats.size !== size)) return found;
      const hash = createHash("sha1").update("blob " + stats.size + "\0");
      let seen = 0;
      for (let n; (n = fs.readSync(fd, hashBuffer, 0, hashBuffer.length, null)) > 0; ) {
        seen += n;
        if (seen > stats.size) return found;
        hash.update(hashBuffer.subarray(0, n));
      }
      if (seen === stats.size) found.sha = hash.digest("hex");
      return found;
    } catch {
      return none;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  });
}
// --- end resume ---

parentPort.on("message", (message) => {
  const stop = new Int32Array(message.stop);
  if (message.type === "hash") {
    parentPort.postMessage({ id: message.id, value: hashFiles(message.files, stop) });
    return;
  }
  if (message.type === "write") {
    const started = performance.now();
    const written = writeFiles(message.paths, new Float64Array(message.numbers), message.buffer, stop, message.stat !== false);
    const msPerFile = (performance.now() - started) / Math.max(1, written.stats.byteLength / 24);
    parentPort.postMessage({ id: message.id, value: { ...written, buffer: message.buffer }, msPerFile }, [message.buffer, written.stats]);
    return;
  }
  try {
    const walk = walkFolder(message.folder, message.descend, stop);
    parentPort.postMessage({ id: message.id, value: walk }, [walk.numbers]);
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: failure(error) });
  }
});
`;

/**
 * A thread's V8 heap: its work is system calls and short-lived strings, so a small young generation (V8's
 * default grows to 3 × 16 MB per isolate) keeps each thread's resident memory to a few MB (bench/sync, RSS
 * rows). The old generation's cap only guards against a runaway; a walk of a huge folder fits well within it.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 };

/**
 * Writes start another thread only when batches wait on every running one (this many) and every running one
 * took at least SLOW_FILE_MS per file on its last batch: its calls wait on something (a network round trip
 * on SMB: ~2.6 ms per file on the test share, more on Azure Files), and another thread overlaps that wait.
 * A local disk answers in tens of microseconds (a cold thread's first batch, or a machine busy with other
 * work, stays well under 1.5 ms): the work is CPU, which a 2-core machine cannot spread further, so one
 * thread writes everything and the others never start. Each thread is an isolate plus a
 * malloc arena: ~13 MB of peak RSS each in the CLI (bench/sync, RSS rows: 167 MB with 4, 128 MB with 1).
 */
const WRITE_BACKLOG_TO_START = 2;
const SLOW_FILE_MS = 1.5;

interface Thread {
  worker: Worker;
  /** Requests sent and not yet answered. */
  pending: number;
  /** Milliseconds per file of its last batch of writes (undefined before the second). */
  msPerFile?: number;
  writeBatches: number;
  /** Stops the thread once it has been idle for idleTimeoutInMs. */
  idleTimer?: NodeJS.Timeout;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
  thread: Thread;
}

interface WriteAnswer {
  /** Each file's blob id, 40 characters each (zeros for a failed one). */
  shas: string;
  /** size, mtimeMs, mode per file. */
  stats: ArrayBuffer;
  /** index, code, message of each failed file, flat. */
  failures: (number | string)[];
  buffer: ArrayBuffer;
}

interface WalkAnswer {
  folders: string[];
  deferred: string[];
  paths: string;
  numbers: ArrayBuffer;
}

export function createFsThreads(options: FsThreadsOptions): FsThreads {
  if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`threads must be a positive integer, got ${options.threads}`);
  // Threads with nothing to do (unstarted ones included), read by a walking thread before it descends.
  const idle = new Int32Array(new SharedArrayBuffer(4));
  const threads: Thread[] = [];
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let closed = false;

  const idleTimeoutInMs = options.idleTimeoutInMs ?? 60_000;
  const slowFileMs = options.slowFileMs ?? SLOW_FILE_MS;
  const countIdle = () => Atomics.store(idle, 0, options.threads - threads.length + threads.filter((t) => t.pending === 0).length);

  const startThread = (): Thread => {
    const worker = new Worker(THREAD_SOURCE, { eval: true, execArgv: [], workerData: { idle: idle.buffer }, name: "funcspace-sync-fs", resourceLimits: THREAD_LIMITS });
    const thread: Thread = { worker, pending: 0, writeBatches: 0 };
    worker.on("message", ({ id, value, error, msPerFile }: { id: number; value?: unknown; error?: FailedFile; msPerFile?: number }) => {
      // A thread's first batch runs its code cold (slower per file than any local disk): not a measure of the disk.
      if (msPerFile !== undefined && ++thread.writeBatches > 1) thread.msPerFile = msPerFile;
      const entry = waiting.get(id);
      if (!entry) return;
      waiting.delete(id);
      // An idle thread never keeps the process alive; a busy one does (its caller is waiting).
      if (--thread.pending === 0) {
        worker.unref();
        thread.idleTimer = setTimeout(() => void stopThread(thread), idleTimeoutInMs).unref();
      }
      countIdle();
      if (error) entry.reject(Object.assign(new Error(error.message), { code: error.code }));
      else entry.resolve(value);
    });
    const failAll = (error: Error) => {
      const index = threads.indexOf(thread);
      if (index >= 0) threads.splice(index, 1);
      countIdle();
      for (const [id, entry] of waiting) {
        if (entry.thread !== thread) continue;
        waiting.delete(id);
        entry.reject(error);
      }
    };
    worker.on("error", (error) => failAll(new Error(`a sync file-system thread failed: ${error.message}`, { cause: error })));
    worker.on("exit", () => failAll(new Error("a sync file-system thread stopped")));
    threads.push(thread);
    return thread;
  };

  const stopThread = async (thread: Thread) => {
    if (thread.pending > 0) return;
    const index = threads.indexOf(thread);
    if (index >= 0) threads.splice(index, 1);
    countIdle();
    await thread.worker.terminate();
  };

  /**
   * The least busy thread, or a new one (while the limit allows) when every thread has `startAt` requests or
   * more waiting: a walk starts one as soon as all are busy; writes only when the batches pile up.
   */
  const pickThread = (startAt: number, whenSlow: boolean): Thread => {
    let best: Thread | undefined;
    let slow = true;
    for (const thread of threads) {
      if (!best || thread.pending < best.pending) best = thread;
      if (!((thread.msPerFile ?? 0) >= slowFileMs)) slow = false;
    }
    if ((!best || (best.pending >= startAt && (slow || !whenSlow))) && threads.length < options.threads) return startThread();
    return best!;
  };

  const send = <T>(message: Record<string, unknown>, transfer: ArrayBuffer[] = [], startAt = 1, whenSlow = false): Promise<T> => {
    if (closed) return Promise.reject(new Error("the sync's file-system threads are closed"));
    const thread = pickThread(startAt, whenSlow);
    const id = nextId++;
    clearTimeout(thread.idleTimer);
    if (thread.pending++ === 0) thread.worker.ref();
    countIdle();
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, thread });
      thread.worker.postMessage({ ...message, id }, transfer);
    });
  };

  return {
    get running() {
      return threads.length;
    },
    async writeFiles(batch, { stop }) {
      const numbers = new Float64Array(batch.files.length * 2);
      let paths = "";
      batch.files.forEach(({ file, mode, length }, i) => {
        paths += i === 0 ? file : `\0${file}`;
        numbers[i * 2] = mode;
        numbers[i * 2 + 1] = length;
      });
      const answer = await send<WriteAnswer>(
        { type: "write", paths, numbers: numbers.buffer, buffer: batch.buffer, stat: batch.stat, stop: stop.buffer },
        [batch.buffer, numbers.buffer],
        WRITE_BACKLOG_TO_START,
        true,
      );
      const stats = new Float64Array(answer.stats);
      const outcomes: WriteOutcome[] = batch.files.map((_, i) => ({
        size: stats[i * 3]!,
        mtimeMs: stats[i * 3 + 1]!,
        mode: stats[i * 3 + 2]!,
        sha: answer.shas.slice(i * 40, i * 40 + 40),
      }));
      for (let f = 0; f < answer.failures.length; f += 3) {
        outcomes[answer.failures[f] as number] = { code: answer.failures[f + 1] as string, message: answer.failures[f + 2] as string };
      }
      return { outcomes, buffer: answer.buffer };
    },
    // Spread over every thread (a resume re-reads each staged file: on a share, a round trip each).
    hashFiles: (files, { stop }) => send({ type: "hash", files, stop: stop.buffer }),
    async walkFolder(folder, { descend, stop }) {
      const answer = await send<WalkAnswer>({ type: "walk", folder, descend, stop: stop.buffer });
      const numbers = new Float64Array(answer.numbers);
      const files: FolderWalk["files"] = answer.paths === "" ? [] : answer.paths.split("\0").map((path, i) => ({
        path,
        kind: numbers[i * 4] === 1 ? "file" : "other",
        size: numbers[i * 4 + 1]!,
        mtimeMs: numbers[i * 4 + 2]!,
        mode: numbers[i * 4 + 3]!,
      }));
      return { folders: answer.folders, deferred: answer.deferred, files };
    },
    async close() {
      if (closed) return;
      closed = true;
      // Requests in flight finish their current call first.
      await Promise.allSettled(
        [...waiting.values()].map(
          (entry) =>
            new Promise<void>((settled) => {
              const { resolve, reject } = entry;
              entry.resolve = (value) => (resolve(value), settled());
              entry.reject = (error) => (reject(error), settled());
            }),
        ),
      );
      for (const thread of threads) clearTimeout(thread.idleTimer);
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}

const shared = new Map<number, FsThreads>();

/** The process's threads for this count, started on first use and kept (see the top of this file). */
export function getFsThreads(threads: number): FsThreads {
  let pool = shared.get(threads);
  if (!pool) {
    pool = createFsThreads({ threads });
    shared.set(threads, pool);
  }
  return pool;
}
