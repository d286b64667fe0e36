// The engine end to end against real git (the GitHub stand-in): first import, incremental pushes through
// both fetch paths, deletes and folder clean-up, manual edits, symlinks and submodules, truncated trees,
// dropped downloads, the dry run and the empty-target guard. The oracle is always `git archive` + `tar`.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manifestPath } from "../src/sync/manifest.js";
import { previewSync } from "../src/sync/preview-sync.js";
import { syncOnce } from "../src/sync/sync-once.js";
import { SyncError } from "../src/sync/sync-error.js";
import { archiveState, createSyncFixture, diffWorkspace, type SyncFixture } from "./support/sync-fixtures.js";
import { makeReadOnly, makeWritable } from "./support/temp-dir.js";

let fx: SyncFixture;
beforeEach(async () => {
  fx = await createSyncFixture();
});
afterEach(async () => {
  await fx.close();
});

async function expectEqualsCommit(sha: string) {
  expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root))).toEqual([]);
}

describe("syncOnce", () => {
  it("imports a repository, then applies a push with adds, changes, deletes and folder removals", async () => {
    const first = await fx.repo.commit({
      "README.md": "# hello\n",
      "src/a.ts": "export const a = 1;\n",
      "src/deep/b.ts": "export const b = 2;\n",
      "bin/run": { content: "#!/bin/sh\necho hi\n", executable: true },
      "empty.txt": "",
      "data/blob.bin": Buffer.from([0, 255, 1, 254, 10, 13, 0]),
    });
    const initial = await syncOnce({ branch: "main" }, fx.deps());
    expect(initial).toMatchObject({ result: "applied", toSha: first, fromSha: undefined, counts: { added: 6, changed: 0, deleted: 0 } });
    await expectEqualsCommit(first);

    const second = await fx.repo.commit({ "src/a.ts": "export const a = 42;\n", "src/deep/b.ts": null, "bin/run": { content: "#!/bin/sh\necho hi\n", executable: false }, "new/c.ts": "c\n" });
    const update = await syncOnce({ branch: "main" }, fx.deps({}));
    expect(update).toMatchObject({ result: "applied", fromSha: first, toSha: second, counts: { added: 1, changed: 2, deleted: 1 }, fetchMethod: "blobs" });
    await expectEqualsCommit(second);

    const again = await syncOnce({ branch: "main" }, fx.deps());
    expect(again).toMatchObject({ result: "noop", targetOrigin: "manifest", hashed: 0, counts: { added: 0, changed: 0, deleted: 0 } });
  });

  it("fetches many blobs at once on one abort signal without Node's listener-leak warning", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`f/${i}.txt`] = `${i}\n`;
    const sha = await fx.repo.commit(files);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const outcome = await syncOnce({ branch: "main", fetchMode: "blobs" }, fx.deps({ concurrency: 16 }), { abortSignal: new AbortController().signal });
      expect(outcome).toMatchObject({ result: "applied", fetchMethod: "blobs", counts: { added: 30 } });
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    await expectEqualsCommit(sha);
  });

  it("gives the same result through the tarball path", async () => {
    await fx.repo.commit({ "a/1.txt": "one\n", "a/2.txt": "two\n", "b/3.txt": "three\n" });
    await syncOnce({ branch: "main" }, fx.deps(), {});
    const sha = await fx.repo.commit({ "a/1.txt": null, "a/2.txt": "TWO\n", "c/4.txt": "four\n", "x": { content: "x", executable: true } });
    const outcome = await syncOnce({ branch: "main", fetchMode: "tarball" }, fx.deps());
    expect(outcome).toMatchObject({ result: "applied", fetchMethod: "tarball", counts: { added: 2, changed: 1, deleted: 1 } });
    await expectEqualsCommit(sha);
  });

  it("overwrites or removes manual edits made on disk behind its back", async () => {
    const sha = await fx.repo.commit({ "keep.txt": "keep\n", "edit.txt": "original\n", "gone/x.txt": "x\n", "mode.sh": { content: "echo\n", executable: true } });
    await syncOnce({ branch: "main" }, fx.deps());
    await writeFile(path.join(fx.workspaceDir, "edit.txt"), "edited by hand\n");
    await writeFile(path.join(fx.workspaceDir, "stray.txt"), "not in the repo\n");
    await mkdir(path.join(fx.workspaceDir, "stray-folder/deeper"), { recursive: true });
    await rm(path.join(fx.workspaceDir, "gone"), { recursive: true });
    await chmod(path.join(fx.workspaceDir, "mode.sh"), 0o644);
    const outcome = await syncOnce({ branch: "main" }, fx.deps());
    expect(outcome).toMatchObject({ result: "applied", toSha: sha, counts: { added: 1, changed: 2, deleted: 1 } });
    await expectEqualsCommit(sha);
  });

  it("plans without a manifest by hashing, and writes nothing for files that already match", async () => {
    const sha = await fx.repo.commit({ "a.txt": "same\n", "b.txt": "other\n" });
    await writeFile(path.join(fx.workspaceDir, "a.txt"), "same\n");
    await chmod(path.join(fx.workspaceDir, "a.txt"), 0o644);
    const outcome = await syncOnce({ branch: "main" }, fx.deps());
    expect(outcome).toMatchObject({ counts: { added: 1, changed: 0, unchanged: 1 }, hashed: 1 });
    await expectEqualsCommit(sha);
    await rm(manifestPath(fx.stateDir, "default"));
    expect(await syncOnce({ branch: "main" }, fx.deps())).toMatchObject({ result: "noop", hashed: 2 });
  });

  it("skips and reports symlinks and submodules", async () => {
    const sha = await fx.repo.commit({ "a.txt": "a\n", "link": { symlink: "a.txt" }, "vendor/lib": { submodule: "0123456789abcdef0123456789abcdef01234567" } });
    const outcome = await syncOnce({ branch: "main" }, fx.deps());
    expect(outcome.skipped).toEqual(
      expect.arrayContaining([
        { path: "link", kind: "symlink", reason: "Azure Files cannot store symbolic links" },
        { path: "vendor/lib", kind: "submodule", reason: "submodules are not synced" },
      ]),
    );
    expect(outcome.counts.skipped).toBe(2);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root))).toEqual([]);
  });

  it("skips an outward symlink the same way through blobs and the tarball", async () => {
    const sha = await fx.repo.commit({ "a.txt": "a\n", "abs-link": { symlink: "/etc/passwd" }, "up-link": { symlink: "../../x" } });
    for (const fetchMode of ["blobs", "tarball"] as const) {
      await rm(manifestPath(fx.stateDir, "default"), { force: true });
      await rm(path.join(fx.workspaceDir, "a.txt"), { force: true });
      const outcome = await syncOnce({ branch: "main", fetchMode }, fx.deps());
      expect(outcome.result).toBe("applied");
      expect(outcome.skipped.map((s) => s.path).sort()).toEqual(["abs-link", "up-link"]);
      expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root))).toEqual([]);
    }
  });

  it("replaces a file by a folder of the same name and the reverse", async () => {
    await fx.repo.commit({ "x": "file\n", "y/z.txt": "in folder\n" });
    await syncOnce({ branch: "main" }, fx.deps());
    const sha = await fx.repo.commit({ "x": null, "x/inner.txt": "now a folder\n", "y/z.txt": null, "y": "now a file\n" });
    for (const fetchMode of ["blobs", "tarball"] as const) {
      await rm(manifestPath(fx.stateDir, "default"), { force: true });
      await syncOnce({ branch: "main", fetchMode }, fx.deps());
      await expectEqualsCommit(sha);
    }
  });

  it("plans a truncated tree from the tarball", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`f/${i}.txt`] = `file ${i}\n`;
    await fx.repo.commit(files);
    fx.github.faults.truncateTrees({ keepEntries: 5 });
    const first = await syncOnce({ branch: "main" }, fx.deps());
    expect(first).toMatchObject({ targetOrigin: "tarball", counts: { added: 30 } });
    const sha = await fx.repo.commit({ "f/0.txt": null, "f/1.txt": "changed\n" });
    const second = await syncOnce({ branch: "main" }, fx.deps());
    expect(second).toMatchObject({ targetOrigin: "tarball", counts: { added: 0, changed: 1, deleted: 1, unchanged: 28 } });
    await expectEqualsCommit(sha);
  });

  it("retries a tarball download that breaks off and a GitHub 502", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f/${i}.txt`] = randomBytes(3000).toString("base64");
    const sha = await fx.repo.commit(files);
    fx.github.faults.dropTarballAfter(2000);
    fx.github.faults.failNext({ path: /\/git\/trees\//, status: 502 });
    const outcome = await syncOnce({ branch: "main", fetchMode: "tarball" }, fx.deps());
    expect(outcome.result).toBe("applied");
    await expectEqualsCommit(sha);
    const tarballs = fx.github.requests.filter((r) => r.path.includes("/tarball/"));
    expect(tarballs.length).toBe(2);
  });

  it("refuses an empty commit over a non-empty workspace unless allowEmpty", async () => {
    await fx.repo.commit({ "a.txt": "a\n" });
    await syncOnce({ branch: "main" }, fx.deps());
    await fx.repo.forcePush({});
    const error = await syncOnce({ branch: "main" }, fx.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).code).toBe("empty_target");
    expect((error as Error).message).toMatch(/allowEmpty/);
    expect(await readFile(path.join(fx.workspaceDir, "a.txt"), "utf8")).toBe("a\n");
    // A commit whose only entry is a name the share cannot hold says so, rather than "no files".
    await fx.repo.forcePush({ "what?.txt": "q\n" });
    const onlySkipped = await syncOnce({ branch: "main" }, fx.deps()).catch((e: unknown) => e);
    expect((onlySkipped as SyncError).code).toBe("empty_target");
    expect((onlySkipped as Error).message).toMatch(/no file this workspace can hold \(its 1 entry is skipped/);
    const empty = await fx.repo.forcePush({});
    expect(await syncOnce({ branch: "main", allowEmpty: true }, fx.deps())).toMatchObject({ toSha: empty, counts: { deleted: 1 } });
    expect(await diffWorkspace(fx.workspaceDir, new Map())).toEqual([]);
  });

  it("previews a sync without touching the workspace", async () => {
    await fx.repo.commit({ "a.txt": "a\n", "b.txt": "b\n" });
    await syncOnce({ branch: "main" }, fx.deps());
    const sha = await fx.repo.commit({ "a.txt": "A\n", "b.txt": null, "c.txt": "c\n" });
    const preview = await previewSync({ branch: "main" }, fx.deps());
    expect(preview).toMatchObject({ toSha: sha, upToDate: false, added: ["c.txt"], changed: ["a.txt"], deleted: ["b.txt"], fetchMethod: "blobs" });
    expect(await readFile(path.join(fx.workspaceDir, "a.txt"), "utf8")).toBe("a\n");
    await syncOnce({ branch: "main" }, fx.deps());
    expect(await previewSync({ branch: "main" }, fx.deps())).toMatchObject({ upToDate: true, added: [], changed: [], deleted: [] });
  });
});

describe("a job for the commit already applied", () => {
  it("trusts its own session's record without looking at the disk; another session, Sync now and a new commit check every file", async () => {
    const first = await fx.repo.commit({ "keep.txt": "keep\n", "edit.txt": "original\n", "dir/x.txt": "x\n" });
    expect(await syncOnce({ branch: "main", session: "connection-1" }, fx.deps())).toMatchObject({ result: "applied", toSha: first });
    const editBehindItsBack = async () => {
      await writeFile(path.join(fx.workspaceDir, "edit.txt"), "edited by hand\n");
      await writeFile(path.join(fx.workspaceDir, "stray.txt"), "not in the repo\n");
    };
    await editBehindItsBack();

    // A redelivered webhook or a poll: the record vouches for the commit; nothing is stat'ed, nothing written.
    const trusted = await syncOnce({ branch: "main", session: "connection-1" }, fx.deps());
    expect(trusted).toMatchObject({ result: "noop", targetOrigin: "applied", hashed: 0, counts: { unchanged: 3, added: 0, changed: 0, deleted: 0 } });
    expect(await readFile(path.join(fx.workspaceDir, "edit.txt"), "utf8")).toBe("edited by hand\n");

    // A new connection does not inherit the record.
    expect(await syncOnce({ branch: "main", session: "connection-2" }, fx.deps())).toMatchObject({ result: "applied", counts: { changed: 1, deleted: 1 } });
    await expectEqualsCommit(first);

    // "Sync now" checks the disk even within the session.
    await editBehindItsBack();
    expect(await syncOnce({ branch: "main", session: "connection-2", verifyDisk: true }, fx.deps())).toMatchObject({
      result: "applied",
      counts: { changed: 1, deleted: 1 },
    });
    await expectEqualsCommit(first);
    expect(await syncOnce({ branch: "main", session: "connection-2" }, fx.deps())).toMatchObject({ result: "noop", targetOrigin: "applied" });

    // A push checks every file, so edits elsewhere are repaired with it.
    await editBehindItsBack();
    const second = await fx.repo.commit({ "dir/y.txt": "y\n" });
    expect(await syncOnce({ branch: "main", session: "connection-2" }, fx.deps())).toMatchObject({
      result: "applied",
      toSha: second,
      counts: { added: 1, changed: 1, deleted: 1 },
    });
    await expectEqualsCommit(second);
  });

  it("never trusts a record across an apply that failed half-way", async () => {
    const first = await fx.repo.commit({ "a/1.txt": "a one\n", "z/1.txt": "z one\n" });
    await syncOnce({ branch: "main", session: "s" }, fx.deps());
    await fx.repo.commit({ "a/1.txt": "a TWO\n", "z/1.txt": "z TWO\n" });
    await makeReadOnly(path.join(fx.workspaceDir, "z"));
    try {
      const failed = await syncOnce({ branch: "main", session: "s" }, fx.deps()).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(SyncError);
      expect((failed as SyncError).step).toBe("apply");
      // The run record says which entry failed, and that the rest of the step was applied.
      expect((failed as SyncError).message).toMatch(/^apply: Could not write "z\/1\.txt" \(E(PERM|ACCES)\)\. Everything else of this step was applied/);
    } finally {
      await makeWritable(path.join(fx.workspaceDir, "z"));
    }
    // Half of the second commit is on disk; the branch goes back to the first, which the record once vouched for.
    expect(await readFile(path.join(fx.workspaceDir, "a/1.txt"), "utf8")).toBe("a TWO\n");
    await fx.repo.forcePush(first);
    const outcome = await syncOnce({ branch: "main", session: "s" }, fx.deps());
    expect(outcome).toMatchObject({ result: "applied", toSha: first, targetOrigin: "manifest", counts: { changed: 1 } });
    await expectEqualsCommit(first);
  });
});
