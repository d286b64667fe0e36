import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsThreads, createStopFlag } from "./fs-threads.js";
import { hashGitBlob } from "./git-blob.js";
import { isOwnerGone } from "./resume-staging.js";
import type { StagingOwner } from "./staging.js";

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
