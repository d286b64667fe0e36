// The sync's file-system threads against real temporary folders: what they write and list must match what
// the kernel says (stat, lstat, bytes on disk), since the sync compares the workspace with a target by them.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createTempDir } from "../../test/support/temp-dir.js";
import { createFsThreads, createStopFlag, isFailedFile, type FileBatch, type FsThreads, type StopFlag } from "./fs-threads.js";
import { hashGitBlob } from "./git-blob.js";

const run = promisify(execFile);
const EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"; // `git hash-object /dev/null`, known independently

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function tempDir(): Promise<string> {
  const dir = await createTempDir("fs-threads-");
  cleanups.push(dir.cleanup);
  return dir.path;
}

function pool(threads: number, options: { idleTimeoutInMs?: number } = {}): FsThreads {
  const created = createFsThreads({ threads, ...options });
  cleanups.push(() => created.close());
  return created;
}

const running = (): StopFlag => createStopFlag().flag;

/** Contents one after the other in one buffer, as the sync packs a tarball's files. */
function pack(entries: { file: string; mode: number; content: Uint8Array }[]): FileBatch {
  const buffer = new ArrayBuffer(entries.reduce((total, entry) => total + entry.content.byteLength, 0));
  let offset = 0;
  for (const { content } of entries) {
    new Uint8Array(buffer, offset, content.byteLength).set(content);
    offset += content.byteLength;
  }
  return { buffer, files: entries.map(({ file, mode, content }) => ({ file, mode, length: content.byteLength })) };
}

/** What lstat says of each of `paths` (under `root`), in the shape walkFolder answers, keyed by path. */
async function lstatAll(root: string, paths: string[]) {
  return Object.fromEntries(
    await Promise.all(
      paths.map(async (relative) => {
        const stats = await lstat(path.join(root, relative));
        return [relative, { kind: stats.isFile() ? "file" : "other", size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode }] as const;
      }),
    ),
  );
}

describe("writeFiles", () => {
  it("starts another thread for writes only when batches pile up and the calls wait (SMB), never for a fast disk", async () => {
    const dir = await tempDir();
    const batch = (name: string) => pack([{ file: path.join(dir, name), mode: 0o644, content: Buffer.from(name) }]);
    // A fast disk (every file under the threshold, set high so a loaded machine cannot cross it): however
    // many batches wait, one thread writes them all.
    const local = createFsThreads({ threads: 4, slowFileMs: 10_000 });
    cleanups.push(() => local.close());
    await local.writeFiles(batch("first"), { stop: running() });
    await Promise.all(Array.from({ length: 8 }, (_, i) => local.writeFiles(batch(`local-${i}`), { stop: running() })));
    expect(local.running).toBe(1);
    // Calls counted as slow (every file over 0 ms): a backlog of two on each running thread starts another.
    const slow = createFsThreads({ threads: 4, slowFileMs: 0 });
    cleanups.push(() => slow.close());
    await slow.writeFiles(batch("slow-first"), { stop: running() });
    await Promise.all([0, 1, 2].map((i) => slow.writeFiles(batch(`slow-${i}`), { stop: running() })));
    expect(slow.running).toBe(2);
    // A walk starts one as soon as every thread is busy.
    await Promise.all([0, 1, 2].map(() => slow.walkFolder(dir, { descend: true, stop: running() })));
    expect(slow.running).toBe(3);
  });

  it("creates nested files with their bytes and modes, and answers their stat and blob id", async () => {
    const root = await tempDir();
    const entries = [
      { file: path.join(root, "a/b/c/small.txt"), mode: 0o644, content: new TextEncoder().encode("hello\n") },
      { file: path.join(root, "a/empty"), mode: 0o644, content: new Uint8Array(0) },
      { file: path.join(root, "big/bin/tool"), mode: 0o755, content: new Uint8Array(randomBytes(300 * 1024)) },
      { file: path.join(root, "top.json"), mode: 0o755, content: new TextEncoder().encode('{"x":1}') },
    ];
    const batch = pack(entries);
    const sent = batch.buffer.byteLength;
    const answer = await pool(2).writeFiles(batch, { stop: running() });

    expect(batch.buffer.byteLength).toBe(0); // moved to the thread, not copied
    expect(answer.buffer.byteLength).toBe(sent);
    expect(answer.outcomes).toHaveLength(entries.length);
    for (const [i, { file, mode, content }] of entries.entries()) {
      const outcome = answer.outcomes[i]!;
      if (isFailedFile(outcome)) throw new Error(`${file}: ${outcome.code} ${outcome.message}`);
      expect(new Uint8Array(await readFile(file))).toEqual(content);
      const stats = await stat(file);
      expect(stats.mode & 0o777).toBe(mode);
      expect({ size: outcome.size, mtimeMs: outcome.mtimeMs, mode: outcome.mode }).toEqual({ size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode });
      expect(outcome.sha).toBe(hashGitBlob(content));
    }
    expect(answer.outcomes[1]).toMatchObject({ size: 0, sha: EMPTY_BLOB });
  });

  it("never overwrites: an existing name fails in its slot and the rest of the batch is written", async () => {
    const root = await tempDir();
    await writeFile(path.join(root, "taken.txt"), "keep");
    await writeFile(path.join(root, "plain"), "a file where a folder must go");
    const { outcomes } = await pool(1).writeFiles(
      pack([
        { file: path.join(root, "before.txt"), mode: 0o644, content: new TextEncoder().encode("before") },
        { file: path.join(root, "taken.txt"), mode: 0o644, content: new TextEncoder().encode("overwritten") },
        { file: path.join(root, "plain/under.txt"), mode: 0o644, content: new TextEncoder().encode("under") },
        { file: path.join(root, "after.txt"), mode: 0o644, content: new TextEncoder().encode("after") },
      ]),
      { stop: running() },
    );
    expect(outcomes[1]).toMatchObject({ code: "EEXIST" });
    expect(await readFile(path.join(root, "taken.txt"), "utf8")).toBe("keep");
    // mkdir's code for "a parent is a regular file" differs between Node versions and platforms.
    expect(["ENOTDIR", "EEXIST"]).toContain((outcomes[2] as { code?: string }).code);
    expect(await readFile(path.join(root, "plain"), "utf8")).toBe("a file where a folder must go");
    expect(isFailedFile(outcomes[0]!) || isFailedFile(outcomes[3]!)).toBe(false);
    expect(await readFile(path.join(root, "before.txt"), "utf8")).toBe("before");
    expect(await readFile(path.join(root, "after.txt"), "utf8")).toBe("after");
  });
});

describe("stop flag", () => {
  it("cancels every file of a batch sent after stop, writing nothing", async () => {
    const root = await tempDir();
    const { flag, stop } = createStopFlag();
    stop();
    const names = ["x/one.txt", "two.txt", "y/z/three.txt"];
    const { outcomes } = await pool(1).writeFiles(
      pack(names.map((name) => ({ file: path.join(root, name), mode: 0o644, content: new TextEncoder().encode(name) }))),
      { stop: flag },
    );
    expect(outcomes.map((outcome) => (outcome as { code?: string }).code)).toEqual(["ECANCELED", "ECANCELED", "ECANCELED"]);
    for (const name of ["x", "two.txt", "y"]) expect(existsSync(path.join(root, name))).toBe(false);
  });

  it("follows an abort signal until disposed", () => {
    const controller = new AbortController();
    const { flag } = createStopFlag(controller.signal);
    expect(Atomics.load(flag, 0)).toBe(0);
    controller.abort();
    expect(Atomics.load(flag, 0)).toBe(1);

    expect(Atomics.load(createStopFlag(AbortSignal.abort()).flag, 0)).toBe(1);

    const later = new AbortController();
    const disposed = createStopFlag(later.signal);
    disposed.dispose();
    later.abort();
    expect(Atomics.load(disposed.flag, 0)).toBe(0);
  });
});

describe("walkFolder", () => {
  /** Files at several depths, an empty folder, symlinks to a file and to a folder, and a FIFO when possible. */
  async function buildTree(root: string): Promise<{ files: string[]; others: string[]; folders: string[] }> {
    await mkdir(path.join(root, "d1/d2/d3"), { recursive: true });
    await mkdir(path.join(root, "empty"));
    await writeFile(path.join(root, "a.txt"), "abc");
    await writeFile(path.join(root, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    await writeFile(path.join(root, "d1/b.txt"), "b".repeat(1000));
    await writeFile(path.join(root, "d1/d2/c.txt"), "");
    await writeFile(path.join(root, "d1/d2/d3/deep.txt"), "deep");
    await symlink("a.txt", path.join(root, "link-file"));
    await symlink("d1", path.join(root, "link-dir"));
    const others = ["link-dir", "link-file"];
    try {
      await run("mkfifo", [path.join(root, "d1/fifo")]);
      others.push("d1/fifo");
    } catch (error) {
      // Only a missing mkfifo is tolerated: any other failure is the test's own.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    return { files: ["a.txt", "d1/b.txt", "d1/d2/c.txt", "d1/d2/d3/deep.txt", "run.sh"], others, folders: ["d1", "d1/d2", "d1/d2/d3", "empty"] };
  }

  it("lists a whole tree in one request on one thread, with lstat's numbers and symlinks never followed", async () => {
    const root = await tempDir();
    const tree = await buildTree(root);
    const walk = await pool(1).walkFolder(root, { descend: true, stop: running() });

    const expected = [...tree.files, ...tree.others].sort();
    expect(walk.files.map((file) => file.path).sort()).toEqual(expected);
    const stats = await lstatAll(root, expected);
    for (const { path: relative, ...found } of walk.files) expect(found, relative).toEqual(stats[relative]);
    for (const name of tree.files) expect(stats[name]!.kind).toBe("file");
    for (const name of tree.others) expect(stats[name]!.kind).toBe("other");
    expect([...walk.folders].sort()).toEqual(tree.folders);
    expect(walk.deferred).toEqual([]); // the only thread is the one walking: nobody to hand folders to
  });

  it("lists only the top level without descend, leaving every folder to the caller", async () => {
    const root = await tempDir();
    await buildTree(root);
    const walk = await pool(1).walkFolder(root, { descend: false, stop: running() });
    expect(walk.files.map((file) => file.path).sort()).toEqual(["a.txt", "link-dir", "link-file", "run.sh"]);
    expect([...walk.folders].sort()).toEqual(["d1", "empty"]);
    expect([...walk.deferred].sort()).toEqual(["d1", "empty"]);
  });

  it("spreads a wide tree over idle threads and, walked as scan-workspace does, lists it exactly once", async () => {
    const root = await tempDir();
    const files = ["root.txt"];
    const folders: string[] = [];
    for (let top = 0; top < 8; top++) {
      folders.push(`t${top}`);
      files.push(`t${top}/f.txt`);
      for (let sub = 0; sub < 3; sub++) {
        folders.push(`t${top}/s${sub}`, `t${top}/s${sub}/leaf`);
        files.push(`t${top}/s${sub}/1.txt`, `t${top}/s${sub}/leaf/2.txt`);
      }
    }
    await Promise.all(folders.map((folder) => mkdir(path.join(root, folder), { recursive: true })));
    await Promise.all(files.map((file) => writeFile(path.join(root, file), file)));

    const threads = pool(4);
    const stop = running();
    const found = { files: [] as string[], folders: [] as string[], requests: 0 };
    const walk = async (relative: string): Promise<void> => {
      found.requests++;
      const result = await threads.walkFolder(relative ? path.join(root, relative) : root, { descend: true, stop });
      const prefix = relative ? `${relative}/` : "";
      found.files.push(...result.files.map((file) => prefix + file.path));
      found.folders.push(...result.folders.map((folder) => prefix + folder));
      await Promise.all(result.deferred.map((folder) => walk(prefix + folder)));
    };
    await walk("");

    // Three threads were idle (unstarted) when the root was listed: it must have handed folders out.
    expect(found.requests).toBeGreaterThan(1);
    expect([...found.files].sort()).toEqual([...files].sort()); // lengths equal too: nothing listed twice
    expect([...found.folders].sort()).toEqual([...folders].sort());
  });

  it("rejects with the file-system error's code, and with ECANCELED once stopped", async () => {
    const root = await tempDir();
    await buildTree(root);
    const threads = pool(1);
    await expect(threads.walkFolder(path.join(root, "missing"), { descend: true, stop: running() })).rejects.toMatchObject({ code: "ENOENT" });
    const { flag, stop } = createStopFlag();
    stop();
    await expect(threads.walkFolder(root, { descend: true, stop: flag })).rejects.toMatchObject({ code: "ECANCELED" });
    // Even a folder with nothing in it (the flag is read per folder, not only per entry).
    await mkdir(path.join(root, "void"));
    await expect(threads.walkFolder(path.join(root, "void"), { descend: true, stop: flag })).rejects.toMatchObject({ code: "ECANCELED" });
    // The thread is still usable after failures.
    expect((await threads.walkFolder(root, { descend: false, stop: running() })).files).toHaveLength(4);
  });
});

describe("idle threads", () => {
  it("stop after idleTimeoutInMs without work, and start again for the next request", async () => {
    const root = await tempDir();
    await writeFile(path.join(root, "a.ts"), "a");
    const threads = pool(2, { idleTimeoutInMs: 150 });
    expect(threads.running).toBe(0);
    const first = await threads.walkFolder(root, { descend: false, stop: running() });
    expect(threads.running).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(threads.running).toBe(0);
    expect((await threads.walkFolder(root, { descend: false, stop: running() })).files).toEqual(first.files);
    expect(threads.running).toBe(1);
  });
});

describe("process lifetime", () => {
  it("keeps the process alive while a request is out, and lets it exit once the threads are idle", async () => {
    const root = await tempDir();
    const tree = path.join(root, "tree");
    await mkdir(path.join(tree, "sub"), { recursive: true });
    for (const name of ["a", "b", "sub/c"]) await writeFile(path.join(tree, name), name);
    const script = path.join(root, "walk.mts");
    const module = new URL("./fs-threads.ts", import.meta.url).href;
    // The second request goes to the first thread, started and idle by then (so unref'd): with no await and
    // no timer, only that thread being ref'd again keeps the process alive until the answer (else: exit 0
    // without output, or 13 for the top-level await). The shared pool is never closed: exiting afterwards
    // proves idle threads do not hold the process (else: killed at 15 s).
    await writeFile(
      script,
      `import { createStopFlag, getFsThreads } from ${JSON.stringify(module)};\n` +
        `const threads = getFsThreads(2);\n` +
        `const top = await threads.walkFolder(${JSON.stringify(tree)}, { descend: false, stop: createStopFlag().flag });\n` +
        `void threads.walkFolder(${JSON.stringify(tree)} + "/" + top.deferred.join(), { descend: true, stop: createStopFlag().flag })` +
        `.then((sub) => console.log("top=" + top.files.length + " sub=" + sub.files.length));\n`,
    );
    // tsx is resolved from the repository (the script's folder has no node_modules). execFile resolves only
    // on exit code 0.
    const { stdout } = await run(process.execPath, ["--import", "tsx", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      timeout: 15_000,
    });
    expect(stdout.trim()).toBe("top=2 sub=1");
  });
});

describe("createFsThreads", () => {
  it("refuses a thread count that is not a positive integer", () => {
    expect(() => createFsThreads({ threads: 0 })).toThrow(RangeError);
    expect(() => createFsThreads({ threads: 1.5 })).toThrow(RangeError);
  });
});
