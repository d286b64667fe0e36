import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsThreads, createStopFlag } from "./fs-threads.js";
import { hashGitBlob } from "./git-blob.js";
import { isOwnerGone, keepFailedStaging } from "./resume-staging.js";
import { createStaging, currentOwner, OWNER_FILE, readOwner, stagedFile, type StagingOwner } from "./staging.js";
import { SyncCancelledError, SyncError, UnsafeRepositoryError } from "./sync-error.js";
import { AppError, FolderLockedError, LeaseLostError } from "../errors.js";

describe("isOwnerGone: whose staging a run may adopt", () => {
  const self: StagingOwner = { host: "here", pid: process.pid };
  it.each([
    ["a process of this host that no longer runs", { host: "here", pid: 2 ** 22 + 1 }, self, true],
    ["a process of this host that still runs (a frozen holder), even of an older generation", { host: "here", pid: process.ppid, generation: 1 }, { ...self, generation: 5 }, false],
    ["another host, older lease generation", { host: "there", pid: 1, generation: 4 }, { ...self, generation: 5 }, true],
    ["another host, the same generation (a live holder's)", { host: "there", pid: 1, generation: 5 }, { ...self, generation: 5 }, false],
    ["another host, a newer generation (this run is the stale one)", { host: "there", pid: 1, generation: 6 }, { ...self, generation: 5 }, false],
    ["another host, another token of the folder lock this run holds", { host: "there", pid: 1, lock: "a" }, { ...self, lock: "b" }, true],
    ["another host, this run's own lock token", { host: "there", pid: 1, lock: "b" }, { ...self, lock: "b" }, false],
    ["another host, a lease generation while this run holds a folder lock", { host: "there", pid: 1, generation: 1 }, { ...self, lock: "b" }, false],
    ["another host, no tenure known", { host: "there", pid: 1 }, self, false],
    ["this very process without a tenure (a run may be going on)", { host: "here", pid: process.pid }, self, false],
    ["this very process, released (a run of it that failed)", { host: "here", pid: process.pid, released: true }, self, true],
    ["another host, released, of this run's own generation (the job's earlier attempt)", { host: "there", pid: 1, generation: 5, released: true }, { ...self, generation: 5 }, true],
  ] as const)("%s → %s", (_, owner, me, gone) => {
    expect(isOwnerGone(owner, me)).toBe(gone);
  });
});

describe("hashFiles: what proves a staged file whole", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "resume-hash-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("answers each file's blob id (read in pieces) and stat; \"\" for a file of another size than expected, or none", async () => {
    const threads = createFsThreads({ threads: 2 });
    const stop = createStopFlag();
    try {
      const small = Buffer.from("hello\n");
      const large = randomBytes(3 * 1024 * 1024 + 17); // more than one 1 MB piece
      await writeFile(path.join(dir, "small"), small);
      await writeFile(path.join(dir, "large"), large);
      const answer = await threads.hashFiles(
        [
          { file: path.join(dir, "small"), size: small.byteLength },
          { file: path.join(dir, "large") }, // its own size
          { file: path.join(dir, "small"), size: small.byteLength + 1 }, // cut short (the file is shorter)
          { file: path.join(dir, "large"), size: large.byteLength - 1 }, // longer than it should be
          { file: path.join(dir, "missing"), size: 1 },
        ],
        { stop: stop.flag },
      );
      expect(answer.map((a) => a.sha)).toEqual([hashGitBlob(small), hashGitBlob(large), "", "", ""]);
      expect(answer.map((a) => a.size)).toEqual([small.byteLength, large.byteLength, small.byteLength, large.byteLength, -1]);
      expect(answer[0]!.mtimeMs).toBe((await stat(path.join(dir, "small"))).mtimeMs);
      expect(hashGitBlob(small)).toBe("ce013625030ba8dba906f756967f9e9ca394464a"); // git hash-object
      stop.stop();
      expect((await threads.hashFiles([{ file: path.join(dir, "small"), size: small.byteLength }], { stop: stop.flag }))[0]!.sha).toBe("");
    } finally {
      stop.dispose();
      await threads.close();
    }
  });
});

describe("keepFailedStaging: what a failed run leaves to the next one", () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), "resume-keep-"));
  });
  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  /** A staging holding one whole file, as a run leaves it when its fetch throws. */
  async function failedRun(files = 1) {
    const owner = currentOwner({ generation: 3 });
    const staging = await createStaging(workspace, undefined, { owner });
    for (let i = 0; i < files; i++) {
      const file = path.join(staging.dir, `f${i}.txt`);
      await writeFile(file, "x");
      staging.files.set(`f${i}.txt`, stagedFile(file, hashGitBlob(Buffer.from("x")), false, await stat(file)));
    }
    return { owner, staging };
  }
  const exists = (dir: string) => stat(dir).then(() => true, () => false);

  const keep = { resumable: true };
  it.each([
    ["the network (a fetch step that threw a plain error)", () => new SyncError("fetch", { cause: new TypeError("fetch failed") })],
    ["GitHub answering 5xx after retries", () => new SyncError("fetch", { cause: new AppError(503, "github_unavailable", "GitHub did not deliver") })],
    ["content that did not match the tree (a fresh download may not repeat it)", () => new SyncError("fetch", { cause: new UnsafeRepositoryError("mismatch", { reason: "content_mismatch" }) })],
  ])("released after %s: this same process's next run may adopt it", async (_, failure) => {
    const { owner, staging } = await failedRun();
    expect(await keepFailedStaging(staging, owner, failure(), keep)).toBe("released");
    const record = await readOwner(staging.dir);
    expect(record).toMatchObject({ ...owner, released: true });
    expect(isOwnerGone(record!, owner)).toBe(true);
    expect(await exists(path.join(staging.dir, "f0.txt"))).toBe(true);
  });

  it.each([
    ["the repository breaks a rule (every run of that commit fails the same way)", () => new SyncError("fetch", { cause: new UnsafeRepositoryError("too big", { reason: "file_too_large" }) }), keep],
    ["the repository or a blob is gone (404)", () => new SyncError("fetch", { cause: new AppError(404, "not_found", "gone") }), keep],
    ["the lease was lost (another holder is live)", () => new SyncError("apply", { cause: new LeaseLostError("lost") }), keep],
    ["the CLI's folder lock was taken", () => new SyncError("fetch", { cause: new FolderLockedError("taken") }), keep],
    ["the run was cancelled (a disconnect, a shutdown)", () => new SyncError("fetch", { cause: new SyncCancelledError("The sync was cancelled.") }), keep],
    ["its files came from the tarball of a truncated tree (no run resumes from those)", () => new SyncError("apply", { cause: new TypeError("fetch failed") }), { resumable: false }],
  ])("removed when %s", async (_, failure, options) => {
    const { owner, staging } = await failedRun();
    expect(await keepFailedStaging(staging, owner, failure(), options)).toBe("removed");
    expect(await exists(staging.dir)).toBe(false);
  });

  it("removed when the run's signal was aborted, whatever the error says", async () => {
    const { owner, staging } = await failedRun();
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    expect(await keepFailedStaging(staging, owner, new TypeError("terminated"), { ...keep, abortSignal: controller.signal })).toBe("removed");
    expect(await exists(staging.dir)).toBe(false);
  });

  it("removed when it holds no whole file, or when it can no longer be marked (gone already)", async () => {
    let run = await failedRun(0);
    expect(await keepFailedStaging(run.staging, run.owner, new Error("network"), keep)).toBe("removed");
    expect(await exists(run.staging.dir)).toBe(false);
    run = await failedRun();
    await rm(run.staging.dir, { recursive: true });
    expect(await keepFailedStaging(run.staging, run.owner, new Error("network"), keep)).toBe("removed");
    expect(await exists(path.join(run.staging.dir, OWNER_FILE))).toBe(false);
  });
});
