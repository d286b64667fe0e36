// Git's blob object id: SHA-1 over "blob <size>\0" + content. The tree API and the manifest name files by it,
// so a file on disk is compared with the target by content, never by mtime (every tarball entry carries the
// commit's time, and Azure Files rewrites times on copy).
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The blob id of bytes held in memory. */
export function hashGitBlob(content: Uint8Array): string {
  return createGitBlobHasher(content.byteLength).update(content).digest("hex");
}

/** A SHA-1 primed with the blob header: feed it exactly `size` bytes, then `digest("hex")`. */
export function createGitBlobHasher(size: number): Hash {
  return createHash("sha1").update(`blob ${size}\0`);
}

/** The blob id of a file, streamed (never loads the file whole). `size` is the size stat reported. */
export async function hashGitBlobFile(file: string, size: number, options: { abortSignal?: AbortSignal } = {}): Promise<string> {
  const hasher = createGitBlobHasher(size);
  let seen = 0;
  for await (const chunk of createReadStream(file, { signal: options.abortSignal }) as AsyncIterable<Buffer>) {
    seen += chunk.byteLength;
    hasher.update(chunk);
  }
  // The file changed between stat and read: a hash under the wrong header would match nothing; say so.
  if (seen !== size) return "";
  return hasher.digest("hex");
}
