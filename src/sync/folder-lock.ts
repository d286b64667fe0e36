// The CLI's lock on its workspace folder: a lock file at the folder's root, `.funcspace-sync-lock` (a name
// under the reserved prefix, so no repository can contain it; the scan passes over it). Made to work on
// an SMB share (Azure Files), where flock/fcntl locks are not dependable and another machine may hold it:
//   - taken by an exclusive create (O_CREAT|O_EXCL, `wx`): the file server decides, atomically;
//   - the file says who holds it (host, pid, a random token, since when);
//   - the holder touches it every `heartbeatMs` and re-reads its token each time: if the file is gone or
//     names someone else, the holder's `signal` aborts and `check()` throws (it writes nothing more);
//   - a waiter on the same host breaks it at once when the pid is gone; a waiter on another host breaks it
//     when its content and mtime have not changed for `staleAfterMs` of the waiter's own clock (observed,
//     never compared with the other machine's clock);
//   - breaking goes through a second exclusive file (`…-lock.break`), so two waiters cannot both break it
//     and then delete each other's fresh lock.
import { randomUUID } from "node:crypto";
import { open, readFile, rename, stat, unlink, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FolderLockedError } from "../errors.js";
import { RESERVED_PREFIX } from "./target-tree.js";

export const FOLDER_LOCK_NAME = `${RESERVED_PREFIX}lock`;
const BREAK_NAME = `${FOLDER_LOCK_NAME}.break`;

export interface FolderLockOptions {
  /** How long to wait for another holder (0: refuse at once). */
  waitMs: number;
  /** Called once when the lock is held by someone else and this call starts waiting. */
  onWait?: (holder: FolderLockHolder) => void;
  heartbeatMs?: number;
  /** A lock not touched for this long (as observed here) belongs to a dead holder on another machine. */
  staleAfterMs?: number;
  abortSignal?: AbortSignal;
}

export interface FolderLockHolder {
  host: string;
  pid: number;
  token: string;
  since: string;
}

export interface FolderLock {
  /** Aborts when the lock file no longer names this holder. */
  readonly signal: AbortSignal;
  /** This holder's token (a sync run writes it into its staging folder: resume-staging.ts). */
  readonly token: string;
  /** The fence: throws FolderLockedError when the lock file no longer names this holder. One small read. */
  check(): Promise<void>;
  release(): Promise<void>;
}

export async function acquireFolderLock(dir: string, options: FolderLockOptions): Promise<FolderLock> {
  const file = path.join(dir, FOLDER_LOCK_NAME);
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? Math.max(30_000, 6 * heartbeatMs);
  const me: FolderLockHolder = { host: os.hostname(), pid: process.pid, token: randomUUID(), since: new Date().toISOString() };
  const started = performance.now();
  let waiting = false;
  let observed: { text: string; mtimeMs: number; at: number } | undefined;

  for (;;) {
    options.abortSignal?.throwIfAborted();
    if (await tryCreate(file, me)) break;
    const seen = await readLock(file);
    if (!seen) continue; // released between our create and our read
    const now = performance.now();
    if (!observed || observed.text !== seen.text || observed.mtimeMs !== seen.mtimeMs) observed = { ...seen, at: now };
    const dead =
      seen.holder === undefined // unreadable: a holder that died between create and write, judged by staleness
        ? now - observed.at >= staleAfterMs
        : seen.holder.host === me.host
          ? !isProcessAlive(seen.holder.pid)
          : now - observed.at >= staleAfterMs;
    if (dead) {
      await breakLock(dir, file, seen.text);
      continue;
    }
    if (now - started >= options.waitMs) {
      const h = seen.holder;
      throw new FolderLockedError(
        h
          ? `Another funcspace-sync (pid ${h.pid} on ${h.host}, since ${h.since}) is syncing ${dir}. ` +
            (options.waitMs > 0 ? `Gave up after waiting ${Math.round(options.waitMs / 1000)} s; ` : "") +
            "run again when it has finished (or pass --wait-lock SECONDS to wait for it)."
          : `${file} exists but names no holder; if no sync is running there, delete it.`,
        { details: h ? { ...h, token: undefined } : undefined },
      );
    }
    if (!waiting && seen.holder) {
      waiting = true;
      options.onWait?.(seen.holder);
    }
    await sleep(Math.min(250, heartbeatMs), options.abortSignal);
  }

  const lost = new AbortController();
  const lose = () => {
    if (!lost.signal.aborted) {
      lost.abort(new FolderLockedError(`The lock on ${dir} was taken by another funcspace-sync; this run stopped before writing more.`));
    }
  };
  const check = async () => {
    const seen = await readLock(file);
    if (seen?.holder?.token !== me.token) lose();
    if (lost.signal.aborted) throw lost.signal.reason as FolderLockedError;
  };
  const heartbeat = setInterval(() => {
    void check()
      .then(() => utimes(file, new Date(), new Date()))
      .catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();

  return {
    signal: lost.signal,
    token: me.token,
    check,
    async release() {
      clearInterval(heartbeat);
      const seen = await readLock(file);
      if (seen?.holder?.token === me.token) await unlink(file).catch(() => undefined);
    },
  };
}

async function tryCreate(file: string, me: FolderLockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(me)}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

async function readLock(file: string): Promise<{ text: string; mtimeMs: number; holder: FolderLockHolder | undefined } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    let holder: FolderLockHolder | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<FolderLockHolder>;
      if (typeof parsed.host === "string" && typeof parsed.pid === "number" && typeof parsed.token === "string") {
        holder = { host: parsed.host, pid: parsed.pid, token: parsed.token, since: String(parsed.since) };
      }
    } catch {
      holder = undefined;
    }
    return { text, mtimeMs: info.mtimeMs, holder };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Removes a dead holder's lock, unless it changed since it was judged dead; one breaker at a time. */
async function breakLock(dir: string, file: string, judgedText: string): Promise<void> {
  const breaker = path.join(dir, BREAK_NAME);
  let handle;
  try {
    handle = await open(breaker, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another waiter is breaking it (a breaker lives milliseconds); a breaker older than a minute is a crash's.
    const info = await stat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 60_000) await unlink(breaker).catch(() => undefined);
    await sleep(50);
    return;
  }
  try {
    await handle.close();
    const now = await readLock(file);
    if (now?.text === judgedText) {
      // Renamed aside first: a rename of a name that is gone fails instead of removing someone's new lock.
      const aside = path.join(dir, `${BREAK_NAME}-${randomUUID().slice(0, 8)}`);
      await rename(file, aside);
      await unlink(aside);
    }
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** Whether a process of this host runs under `pid` (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
