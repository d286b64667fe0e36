// Creates or replaces a file with the request body. The body streams into a temp file beside the target
// (size limit enforced while reading), then, under the workspace's write lock, the preconditions are checked
// against the file as it is now and the temp file is renamed over it: atomic for readers, and two editors
// holding the same ETag cannot both win, nor two writers create `a.txt` and `A.txt` (one name on Azure Files).
import { stat } from "node:fs/promises";
import { PayloadTooLargeError } from "../errors.js";
import { assertWritable } from "./assert-writable.js";
import { drainBody, DRAIN_LIMIT_BYTES } from "./drain-body.js";
import { caseConflict, findCaseTwin } from "./find-case-twin.js";
import { getFileVersion, notAFile } from "./get-file-version.js";
import { assertVisiblePath } from "./hidden-names.js";
import { checkPreconditions, type Preconditions } from "./preconditions.js";
import { resolveWorkspacePath } from "./safe-path.js";
import { assertShareName } from "./share-names.js";
import { stageFile, tooLarge } from "./stage-file.js";
import { withWriteLock } from "./with-write-lock.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export interface PutFileOptions extends WorkspaceCallOptions, Preconditions {
  /** Declared Content-Length, to refuse an oversized body before reading it. */
  contentLength?: number;
}

export interface PutFileResult {
  path: string;
  etag: string;
  size: number;
  /** True when the file did not exist before. */
  created: boolean;
}

export async function putWorkspaceFile(
  deps: WorkspaceDeps,
  path: string,
  body: AsyncIterable<Uint8Array>,
  options: PutFileOptions = {},
): Promise<PutFileResult> {
  // One iterator for the whole call: whatever refuses the request, the rest of the body is drained from it.
  const iterator = body[Symbol.asyncIterator]();
  try {
    return await putFromIterator(deps, path, { [Symbol.asyncIterator]: () => iterator }, options);
  } catch (error) {
    const declaredTooBig = error instanceof PayloadTooLargeError && (options.contentLength ?? 0) > deps.maxFileBytes + DRAIN_LIMIT_BYTES;
    const drained = !declaredTooBig && (await drainBody(iterator));
    if (!drained && error instanceof PayloadTooLargeError) {
      throw tooLarge({ maxBytes: deps.maxFileBytes, relative: path, headers: { connection: "close" } });
    }
    throw error;
  }
}

async function putFromIterator(deps: WorkspaceDeps, path: string, body: AsyncIterable<Uint8Array>, options: PutFileOptions): Promise<PutFileResult> {
  // Before any file-system call: on the share, even a realpath of such a name fails (EIO).
  assertShareName(path);
  const { relative, absolute } = await resolveWorkspacePath(deps.workspaceDir, path);
  assertVisiblePath(relative);
  if (options.contentLength !== undefined && options.contentLength > deps.maxFileBytes) {
    throw tooLarge({ maxBytes: deps.maxFileBytes, relative });
  }
  // The read-only guard and the early precondition check run while the body streams to its temp file (no
  // step waits for another); a refusal stops the streaming, and nothing reaches the real file before both
  // have passed. Read-only wins over a failed precondition: saving again would not help.
  const refused = new AbortController();
  const abortSignal = options.abortSignal ? AbortSignal.any([options.abortSignal, refused.signal]) : refused.signal;
  const checks = Promise.allSettled([assertWritable(deps, options), checkEarly(absolute, relative, options)]).then((results) => {
    const refusal = results.find((result) => result.status === "rejected");
    if (refusal) {
      refused.abort(refusal.reason);
      throw refusal.reason;
    }
  });
  const [checked, staging] = await Promise.allSettled([
    checks,
    stageFile(absolute, body, { maxBytes: deps.maxFileBytes, relative, abortSignal }),
  ]);
  if (checked.status === "rejected") {
    if (staging.status === "fulfilled") await staging.value.discard();
    throw checked.reason;
  }
  if (staging.status === "rejected") throw staging.reason;
  const staged = staging.value;
  try {
    return await withWriteLock(deps, async (lock) => {
      // Both at once (each is a round trip on a share); a case twin is the answer that says the most (on the
      // share the "current version" read below would be the twin's).
      const [twin, version] = await Promise.allSettled([
        findCaseTwin(deps.workspaceDir, relative),
        isConditional(options) ? getFileVersion(absolute, relative, options) : currentMode(absolute, relative),
      ]);
      if (twin.status === "rejected") throw twin.reason;
      if (twin.value) throw caseConflict("create", relative, twin.value);
      if (version.status === "rejected") throw version.reason;
      const current = version.value;
      checkPreconditions(current?.etag, options, relative);
      lock.assertHeld();
      await staged.commit(current?.mode);
      return { path: relative, etag: staged.etag, size: staged.size, created: current === undefined };
    });
  } catch (error) {
    await staged.discard();
    throw error;
  }
}

const isConditional = (options: Preconditions) => Boolean(options.ifMatch || options.ifNoneMatch);

/** Fails fast, rather than after a whole body was streamed for nothing; the check that counts is repeated under the lock. */
async function checkEarly(absolute: string, relative: string, options: PutFileOptions): Promise<void> {
  if (isConditional(options)) checkPreconditions((await getFileVersion(absolute, relative, options))?.etag, options, relative);
}

/** Existence and mode only (an unconditional write needs no hash of the old version). */
async function currentMode(absolute: string, relative: string): Promise<{ etag?: undefined; mode: number } | undefined> {
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
    throw error;
  });
  if (!info) return undefined;
  if (info.isDirectory()) throw notAFile(relative);
  return { mode: info.mode & 0o7777 };
}
