// Step 3: bring the bytes the plan needs into the staging folder. A few files come as single blobs (one
// request each, nothing else downloaded); many files, or a tree GitHub truncated, come from one streamed
// tarball of which only the planned entries are written. Every staged file is checked against the blob id
// the plan expects, so what lands in the workspace is exactly the tree's content.
import { open } from "node:fs/promises";
import pLimit from "p-limit";
import pRetry from "p-retry";
import { AppError } from "../errors.js";
import { hashGitBlob } from "./git-blob.js";
import type { SyncLimits } from "./limits.js";
import type { PlannedWrite } from "./plan-sync.js";
import { readTarball, type TarballSummary, type TarFileEntry } from "./read-tarball.js";
import type { RepositorySource } from "./repository-source.js";
import { isFailedFile, type FsThreads, type StopFlag, type WrittenFile } from "./fs-threads.js";
import { createStaged, fileMode, isNameConflict, stagedFile, statOf, unstated, writeNewFile, type Staging } from "./staging.js";
import { SyncCancelledError, throwIfCancelled, UnsafeRepositoryError } from "./sync-error.js";
import { checkFileSize } from "./target-tree.js";

export type FetchMode = "auto" | "blobs" | "tarball";

/**
 * Blobs win while the plan is small: measured by bench/sync (see BENCHMARKS.md), a blob costs about one
 * round trip and the tarball costs the whole repository's bytes, so past a few dozen files, or a few MB,
 * one stream is cheaper than many requests.
 */
export const BLOB_FETCH_MAX_FILES = 40;
export const BLOB_FETCH_MAX_BYTES = 8 * 1024 * 1024;

/** Files up to this size are collected in memory and written in parallel while the archive streams on. */
const SMALL_FILE_BYTES = 256 * 1024;
/**
 * Batch buffers waiting for their write, at most, in bytes: enough to keep every writer busy while the
 * archive streams on (more only raises the peak memory; see the RSS rows of bench/sync). Counted by the
 * buffers' size, not by the files in them: 64 files of 1.5 KB fill 96 KB of a 512 KB buffer, and counting
 * only the files let ~85 buffers (42 MB) wait for a repository of 50,000 small files (issue 23).
 */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024;
/**
 * Small files go to the writer threads in batches of this many files or bytes, whichever comes first
 * (a batch buffer holds at least one small file).
 */
const BATCH_FILES = 64;
const BATCH_BYTES = 2 * SMALL_FILE_BYTES;
/** A tarball cut off mid-stream is fetched again this many times. */
const TARBALL_RETRIES = 2;

export interface FetchOptions {
  source: RepositorySource;
  staging: Staging;
  limits: SyncLimits;
  concurrency: number;
  mode?: FetchMode;
  abortSignal?: AbortSignal;
  /** Creates the small files of a tarball (see fs-threads.ts), until `stop` is set. */
  fsThreads: FsThreads;
  stop: StopFlag;
  /** After each staged file. */
  onFile?: () => void;
  /**
   * Stat each staged file after writing it (default true). false on a share whose mtime moves after close
   * (probe-workspace.ts `stableMtime`): apply-plan.ts stats every written file at its end instead, so the stat
   * here would be a round trip per file for nothing. Staged stats then carry mtimeMs 0.
   */
  statWritten?: boolean;
}

export interface FetchResult {
  method: "none" | "blobs" | "tarball";
  bytesDownloaded: number;
}

export function chooseFetchMethod(writes: readonly PlannedWrite[], mode: FetchMode = "auto"): FetchResult["method"] {
  if (writes.length === 0) return "none";
  if (mode !== "auto") return mode;
  const bytes = writes.reduce((sum, w) => sum + w.size, 0);
  return writes.length <= BLOB_FETCH_MAX_FILES && bytes <= BLOB_FETCH_MAX_BYTES ? "blobs" : "tarball";
}

export async function fetchChanges(commitSha: string, writes: readonly PlannedWrite[], options: FetchOptions): Promise<FetchResult> {
  const method = chooseFetchMethod(writes, options.mode);
  if (method === "none") return { method, bytesDownloaded: 0 };
  if (method === "blobs") return { method, bytesDownloaded: await fetchBlobs(writes, options) };
  const wanted = new Map(writes.map((w) => [w.path, w]));
  const summary = await fetchTarball(commitSha, options, {
    want: (entry) => wanted.has(entry.path),
    checkedPath: (relative) => wanted.get(relative)?.path,
    check: (entry, sha) => {
      const expected = wanted.get(entry.path);
      if (expected && expected.sha !== sha) throw contentMismatch(entry.path);
      return expected?.sha;
    },
  });
  const missing = writes.filter((w) => !options.staging.files.has(w.path));
  if (missing.length > 0) {
    throw new UnsafeRepositoryError(`The repository archive lacks "${missing[0]!.path}", which the commit's tree lists.`, {
      reason: "archive_incomplete",
      path: missing[0]!.path,
    });
  }
  return { method, bytesDownloaded: summary.compressedBytes };
}

async function fetchBlobs(writes: readonly PlannedWrite[], options: FetchOptions): Promise<number> {
  const limit = pLimit(options.concurrency);
  let bytes = 0;
  await settleAll(
    writes.map((write) =>
      limit(async () => {
        throwIfCancelled(options.abortSignal);
        const content = await options.source.getBlob(write.sha, { abortSignal: options.abortSignal });
        checkFileSize(write.path, content.byteLength, options.limits);
        if (hashGitBlob(content) !== write.sha) throw contentMismatch(write.path);
        const { file, value: stats } = await createStaged(options.staging, write.path, (at) => writeNewFile(at, content, fileMode(write.executable), { stat: options.statWritten }));
        options.staging.files.set(write.path, stagedFile(file, write.sha, write.executable, stats));
        bytes += content.byteLength;
        options.onFile?.();
      }),
    ),
  );
  return bytes;
}

export interface TarballSelection {
  want(entry: TarFileEntry): boolean;
  /**
   * Throws to refuse a file once its blob id is known; else may return the same id as the plan's own string,
   * which the staging then keeps instead of a copy (one string per blob id in memory).
   */
  check?(entry: TarFileEntry, sha: string): string | undefined;
  /** Every file entry with its blob id, kept or not (a truncated tree is planned from these). */
  seen?(entry: TarFileEntry, sha: string): void;
  /** See ReadTarballOptions.checkedPath. */
  checkedPath?(relative: string): string | undefined;
}

/**
 * Streams the commit's tarball into the staging folder, keeping the entries `want` selects. Retries a
 * stream that breaks off (dropped connection, 5xx); an archive that breaks a rule fails at once.
 */
export async function fetchTarball(commitSha: string, options: FetchOptions, selection: TarballSelection): Promise<TarballSummary> {
  return pRetry(
    async (attempt) => {
      // A download that starts over starts from an empty staging folder.
      if (attempt > 1) await options.staging.reset();
      const input = await options.source.getTarball(commitSha, { abortSignal: options.abortSignal });
      try {
        return await writeTarball(input, options, selection);
      } catch (error) {
        // fetch reports a connection cut mid-body as `TypeError: terminated`; it is a network failure.
        if (error instanceof TypeError) throw new Error(`the tarball download broke off: ${error.message}`, { cause: error });
        throw error;
      }
    },
    {
      retries: TARBALL_RETRIES,
      minTimeout: 500,
      signal: options.abortSignal,
      shouldRetry: ({ error }) => isTransient(error),
    },
  );
}

async function writeTarball(input: Awaited<ReturnType<RepositorySource["getTarball"]>>, options: FetchOptions, selection: TarballSelection) {
  const pendingWrites = new Set<Promise<void>>();
  /** Batch buffers back from the writers, used again (fewer large allocations). */
  const spareBuffers: ArrayBuffer[] = [];
  let bufferedBytes = 0;
  /** Resolves the archive's wait when a batch is written (one waiter: the archive reads one entry at a time). */
  let wake: (() => void) | undefined;
  let failure: unknown;
  /** The entry being read: its staged file once opened (large files stream straight to disk). */
  let current: { file: string | undefined } | undefined;
  let batch: { entries: SmallFile[]; buffer: ArrayBuffer; bytes: number } | undefined;
  /**
   * Set once the archive has ended, read whole or failed. A failed pipeline rejects at once, while the parser
   * may still be inside a chunk, waiting on a callback's promise (back-pressure, a large file's open): when that
   * settles it goes on through the chunk's remaining entries. Those must start nothing: the caller may have
   * removed the staging, reset it for a retry, or handed it to the next run (resume-staging.ts) by then.
   */
  let closed = false;
  // Checked repository paths under an absolute folder: joined as strings (path.join normalises, for nothing),
  // onto one shared prefix (each staged path is then one short concatenation, kept until the apply).
  const base = `${options.staging.dir}/`;

  const writeBatch = () => {
    const { entries, buffer } = batch!;
    // Read now: the buffer is moved to the writer thread (detached here) until it comes back.
    const capacity = buffer.byteLength;
    batch = undefined;
    const write = (async () => {
      throwIfCancelled(options.abortSignal);
      const files = entries.map((e) => ({ file: base + e.entry.path, mode: e.mode, length: e.entry.size }));
      const answer = await options.fsThreads.writeFiles({ files, buffer, stat: options.statWritten }, { stop: options.stop });
      for (const [i, { entry, mode, offset }] of entries.entries()) {
        const outcome = answer.outcomes[i]!;
        let file = files[i]!.file;
        let written: WrittenFile;
        if (!isFailedFile(outcome)) written = outcome;
        else if (isNameConflict(outcome.code)) {
          // Taken (a case-only twin on a case-insensitive share) or blocked by a file: a numbered name instead.
          const content = new Uint8Array(answer.buffer, offset, entry.size);
          file = await options.staging.place(entry.path, { fallback: true });
          written = { ...(await writeNewFile(file, content, mode, { stat: options.statWritten })), sha: hashGitBlob(content) };
        } else throw Object.assign(new Error(outcome.message), { code: outcome.code });
        selection.seen?.(entry, written.sha);
        const sha = selection.check?.(entry, written.sha) ?? written.sha;
        options.staging.files.set(entry.path, stagedFile(file, sha, entry.executable, written));
        options.onFile?.();
      }
      spareBuffers.push(answer.buffer);
    })()
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        bufferedBytes -= capacity;
        pendingWrites.delete(write);
        wake?.();
      });
    pendingWrites.add(write);
  };

  const waitForRoom = async () => {
    while (bufferedBytes > WRITE_BUFFER_BYTES && pendingWrites.size > 0) {
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };

  try {
    const summary = await readTarball(input, {
      limits: options.limits,
      checkedPath: selection.checkedPath,
      abortSignal: options.abortSignal,
      // Both callbacks answer without a promise when they have nothing to wait for (most entries): an
      // `await` per entry, twice, over 10,000 entries, is measurable.
      open: (entry) => {
        if (closed || !selection.want(entry)) return undefined;
        if (entry.size > SMALL_FILE_BYTES) {
          return (async () => {
            const { file, value: handle } = await createStaged(options.staging, entry.path, (at) => open(at, "wx", fileMode(entry.executable)));
            if (closed) {
              // Opened after the archive failed: nothing may be written into it (see `closed`).
              await handle.close();
              throw new Error("the archive ended while a file was being opened");
            }
            current = { file };
            return handle.createWriteStream();
          })();
        }
        current = { file: undefined };
        return "memory";
      },
      close: (entry, sha, kept, memory) => {
        if (closed) throw new Error("the archive ended");
        if (failure !== undefined) throw failure;
        // A file kept in memory has no blob id yet: its writer thread hashes it (checked when the batch is back).
        if (sha !== undefined) selection.seen?.(entry, sha);
        if (!kept || !current) return;
        if (sha !== undefined) selection.check?.(entry, sha);
        const { file } = current;
        current = undefined;
        if (file !== undefined) {
          const stated = options.statWritten === false ? Promise.resolve(unstated(entry.size, fileMode(entry.executable))) : statOf(file);
          return stated.then((stats) => {
            options.staging.files.set(entry.path, stagedFile(file, sha!, entry.executable, stats));
            options.onFile?.();
          });
        }
        // Copied into the batch now: `memory` is a view of the archive's buffers.
        const size = memory?.byteLength ?? 0;
        if (batch && batch.bytes + size > BATCH_BYTES) writeBatch();
        if (!batch) {
          batch = { entries: [], buffer: spareBuffers.pop() ?? new ArrayBuffer(BATCH_BYTES), bytes: 0 };
          bufferedBytes += batch.buffer.byteLength;
        }
        if (memory) new Uint8Array(batch.buffer, batch.bytes, size).set(memory);
        batch.entries.push({ entry, mode: fileMode(entry.executable), offset: batch.bytes });
        batch.bytes += size;
        if (batch.entries.length >= BATCH_FILES) writeBatch();
        // Back-pressure: the archive waits while too many bytes are queued for writing.
        if (bufferedBytes > WRITE_BUFFER_BYTES && pendingWrites.size > 0) return waitForRoom();
        return undefined;
      },
    });
    if (batch && failure === undefined) writeBatch();
    await Promise.all(pendingWrites);
    if (failure !== undefined) throw failure;
    return summary;
  } finally {
    // No write left running once this returns or throws (the staging folder may be removed next): none starts
    // from here on, and a batch started while the first ones were awaited is awaited too.
    closed = true;
    while (pendingWrites.size > 0) await Promise.all(pendingWrites);
  }
}

interface SmallFile {
  entry: TarFileEntry;
  mode: number;
  /** Where its content starts in the batch buffer. */
  offset: number;
}

function contentMismatch(path: string): UnsafeRepositoryError {
  return new UnsafeRepositoryError(`The downloaded content of "${path}" does not match the commit's tree; refusing it.`, {
    reason: "content_mismatch",
    path,
  });
}

/** Network trouble and server errors are worth another try; a rule broken by the repository is not. */
function isTransient(error: unknown): boolean {
  if (error instanceof SyncCancelledError || error instanceof UnsafeRepositoryError) return false;
  if (error instanceof AppError) return error.status >= 500;
  if (error instanceof Error && error.name === "AbortError") return false;
  return true;
}

/** Awaits every task; throws the first failure only after all have settled (no write left running). */
export async function settleAll(tasks: Promise<unknown>[]): Promise<void> {
  let failure: unknown;
  for (const result of await Promise.allSettled(tasks)) if (result.status === "rejected") failure ??= result.reason;
  if (failure !== undefined) throw failure;
}
