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
}

/** Hashes an open file from its start (through the handle, so a rename meanwhile cannot mix versions). */
export async function hashFileHandle(handle: FileHandle, options: { abortSignal?: AbortSignal } = {}): Promise<HashedHandle> {
  const hash = createContentHash();
  const buffer = Buffer.allocUnsafe(64 * 1024);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let isText = true;
  let position = 0;
  for (;;) {
    options.abortSignal?.throwIfAborted();
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    if (isText) isText = isTextChunk(decoder, chunk);
    position += bytesRead;
  }
  if (isText) isText = isTextChunk(decoder, undefined);
  return { etag: formatEtag(hash), size: position, isText };
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
