// ETags are content hashes (SHA-256, base64url): equal bytes give equal ETags on every instance and after
// a restart, and a write that changes nothing keeps the ETag. Strong validators, quoted as RFC 9110 asks.
import { createHash, type Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";

export function createContentHash(): Hash {
  return createHash("sha256");
}

export function formatEtag(hash: Hash): string {
  return `"${hash.digest("base64url")}"`;
}

export interface HashedHandle {
  etag: string;
  size: number;
  /** Valid UTF-8 without NUL bytes: shown as text in the editor; anything else is a download. */
  isText: boolean;
  /** The whole content, when `size` was given and the file was read in one call (under 64 KiB). */
  bytes?: Buffer;
}

export interface HashFileOptions {
  abortSignal?: AbortSignal;
  /** The size from a stat of this handle: a small file is then read in one call, into a buffer its size. */
  size?: number;
  /** False when only the ETag matters (precondition checks): skips the UTF-8 check; `isText` is then false. */
  detectText?: boolean;
}

const READ_BYTES = 64 * 1024;

/** Hashes an open file from its start (through the handle, so a rename meanwhile cannot mix versions). */
export async function hashFileHandle(handle: FileHandle, options: HashFileOptions = {}): Promise<HashedHandle> {
  const hash = createContentHash();
  // One byte more than the stated size, so that reading all of it is a short read: the end, without a
  // second call that returns nothing. A file grown since the stat is still read to its end.
  let buffer = Buffer.allocUnsafe(options.size === undefined ? READ_BYTES : Math.min(READ_BYTES, options.size + 1));
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let isText = options.detectText ?? true;
  let position = 0;
  let first: Buffer | undefined;
  let reads = 0;
  for (;;) {
    options.abortSignal?.throwIfAborted();
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    if (++reads === 1) first = chunk;
    hash.update(chunk);
    if (isText) isText = isTextChunk(decoder, chunk);
    position += bytesRead;
    if (bytesRead < buffer.length) {
      if (options.size !== undefined && position >= options.size) break;
    } else if (buffer.length < READ_BYTES) {
      buffer = Buffer.allocUnsafe(READ_BYTES);
    }
  }
  if (isText) isText = isTextChunk(decoder, undefined);
  const whole = options.size !== undefined && reads <= 1;
  return { etag: formatEtag(hash), size: position, isText, ...(whole ? { bytes: first ?? Buffer.alloc(0) } : {}) };
}

function isTextChunk(decoder: TextDecoder, chunk: Uint8Array | undefined): boolean {
  if (chunk?.includes(0)) return false;
  try {
    // `stream` keeps a character split across two reads for the next call; the final call flushes it.
    decoder.decode(chunk, { stream: chunk !== undefined });
    return true;
  } catch {
    return false;
  }
}
