// Reads and throws away what is left of a refused request body. An HTTP/1.1 answer sent while the client is
// still uploading is lost by many clients (browsers report a reset, not the 413), and a keep-alive
// connection with unread bytes on it breaks the next request. So, like a server's "lingering close", we
// read on (to nowhere, never to disk) up to a cap, and past the cap ask for the connection to be closed.
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/** True when the body was read to its end; false when it was longer than `limitBytes` or broke off. */
export async function drainBody(iterator: AsyncIterator<Uint8Array>, limitBytes = DRAIN_LIMIT_BYTES): Promise<boolean> {
  let drained = 0;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return true;
      drained += next.value.byteLength;
      if (drained > limitBytes) return false;
    }
  } catch {
    return false;
  }
}
