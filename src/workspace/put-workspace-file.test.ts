// The write path's early refusals: the read-only guard and a failed If-Match stop the body from streaming
// to disk as soon as they are known, instead of after the whole upload. (The routes, the lock and the
// real connection store are covered in test/workspace-*.test.ts.)
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoredConnection } from "../azure/connection-store.js";
import { PreconditionFailedError, ReadOnlyError } from "../errors.js";
import { TEMP_PREFIX } from "./hidden-names.js";
import { putWorkspaceFile } from "./put-workspace-file.js";
import type { WorkspaceDeps } from "./workspace-deps.js";

const CHUNK = 256 * 1024;
const CHUNKS = 24;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "put-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const deps = (connection?: () => Promise<StoredConnection | undefined>): WorkspaceDeps => ({
  workspaceDir: dir,
  maxFileBytes: 10 * 1024 * 1024,
  ioConcurrency: 4,
  connections: { getIfMarked: connection ?? (() => Promise.resolve(undefined)) },
});

/** A slow upload (like a real network) that notes the largest temp file it has seen on disk. */
function slowUpload(): { body: AsyncIterable<Uint8Array>; largestTempFile: () => number } {
  let largest = 0;
  async function* body(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < CHUNKS; i++) {
      for (const name of await readdir(dir, { recursive: true })) {
        if (path.basename(name).startsWith(TEMP_PREFIX)) largest = Math.max(largest, (await stat(path.join(dir, name)).catch(() => ({ size: 0 }))).size);
      }
      yield Buffer.alloc(CHUNK, 97);
      await sleep(10);
    }
  }
  return { body: body(), largestTempFile: () => largest };
}

/** A connection record, found by the guard after a Table-like delay. */
const connected = async (): Promise<StoredConnection> => {
  await sleep(20);
  const now = new Date().toISOString();
  return {
    etag: "*",
    record: { connectionId: "c", kind: "pat", repository: "o/r", branch: "main", deliveryMode: "polling", state: "Ready", createdAt: now, updatedAt: now },
  };
};

describe("putWorkspaceFile", () => {
  it("stops writing the body once If-Match is known to fail (412), and leaves the file and folder as they were", async () => {
    await writeFile(path.join(dir, "a.txt"), "current");
    const upload = slowUpload();
    const error = await putWorkspaceFile(deps(), "a.txt", upload.body, { ifMatch: '"not-the-current-etag"' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(upload.largestTempFile()).toBeLessThan((CHUNKS * CHUNK) / 2);
    expect(await readFile(path.join(dir, "a.txt"), "utf8")).toBe("current");
    expect(await readdir(dir)).toEqual(["a.txt"]);
  });

  it("stops writing the body once the guard says read-only (409), and writes nothing", async () => {
    const upload = slowUpload();
    const error = await putWorkspaceFile(deps(connected), "new/b.txt", upload.body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadOnlyError);
    expect(upload.largestTempFile()).toBeLessThan((CHUNKS * CHUNK) / 2);
    expect(await readdir(dir)).toEqual([]);
  });

  it("answers read-only rather than a failed If-Match that was known first", async () => {
    await writeFile(path.join(dir, "a.txt"), "current");
    const error = await putWorkspaceFile(deps(connected), "a.txt", slowUpload().body, { ifMatch: '"stale"' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadOnlyError);
    expect(await readFile(path.join(dir, "a.txt"), "utf8")).toBe("current");
  });

  it("writes the whole slow body when the checks pass", async () => {
    await writeFile(path.join(dir, "a.txt"), "current");
    const current = `"${createHash("sha256").update("current").digest("base64url")}"`;
    const upload = slowUpload();
    const result = await putWorkspaceFile(deps(), "a.txt", upload.body, { ifMatch: current });
    expect(result).toMatchObject({ path: "a.txt", size: CHUNKS * CHUNK, created: false });
    expect((await readFile(path.join(dir, "a.txt"))).equals(Buffer.alloc(CHUNKS * CHUNK, 97))).toBe(true);
    expect(upload.largestTempFile()).toBeGreaterThan((CHUNKS * CHUNK) / 2);
  });
});
