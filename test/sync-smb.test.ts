// The sync engine on a real SMB share (Samba + smbnetfs, see support/smb-share/), the stand-in for Azure
// Files: case-insensitive, case-preserving, no modes, no symlinks, names it cannot hold, mtime that moves
// after close and rename, inode numbers per spelling. Each file of a commit is checked against `git archive`.
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgetWorkspaceProbes, probeWorkspace } from "../src/sync/probe-workspace.js";
import { hashGitBlob } from "../src/sync/git-blob.js";
import { syncOnce } from "../src/sync/sync-once.js";
import { listWorkspaceTree } from "../src/workspace/list-workspace-tree.js";
import { moveWorkspaceEntry } from "../src/workspace/move-workspace-entry.js";
import { putWorkspaceFile } from "../src/workspace/put-workspace-file.js";
import { UnsafePathError } from "../src/workspace/safe-path.js";
import { startGitHubStandIn, type GitHubStandIn } from "./support/github-stand-in/index.js";
import { runSyncKilledAt } from "./support/run-sync-cli.js";
import { startSmbShare, type SmbShare } from "./support/smb-share.js";
import { checkSyncEquivalence } from "./support/sync-equivalence-property.js";
import { archiveState, createSyncFixture, diffWorkspace, type FileState, type SyncFixture } from "./support/sync-fixtures.js";

const RUNS = Number(process.env.SYNC_SMB_PROPERTY_RUNS ?? 3);

let share: SmbShare;
let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
  share = await startSmbShare();
}, 120_000);
afterAll(async () => {
  // Always: a share left mounted would outlive the test run.
  await share?.close();
  await github?.close();
}, 60_000);

async function fixture(): Promise<SyncFixture> {
  return createSyncFixture({ github, workspaceDir: await share.newFolder("ws") });
}

/**
 * A rerun that checks the disk (no session record) finds nothing to do. smbnetfs closes a file on the server
 * after close() has returned (FUSE release is asynchronous), so the mtime of one of the last files written
 * can move after the apply's final stat: such a file is hashed once (content decides) and recorded anew; the
 * run after that hashes nothing.
 */
const SETTLE_HASHES = 3;
async function expectSettled(fx: SyncFixture, counts: Record<string, number> = {}): Promise<void> {
  const first = await syncOnce({ branch: "main" }, fx.deps());
  expect(first).toMatchObject({ result: "noop", counts: { added: 0, changed: 0, deleted: 0, ...counts } });
  expect(first.hashed).toBeLessThanOrEqual(SETTLE_HASHES);
  expect(await syncOnce({ branch: "main" }, fx.deps())).toMatchObject({ result: "noop", hashed: 0 });
}

function only(files: Map<string, FileState>, keep: string[]): Map<string, FileState> {
  return new Map([...files].filter(([p]) => keep.includes(p)));
}

describe("on an SMB share", () => {
  it("is probed as a share: no modes, case-insensitive", async () => {
    forgetWorkspaceProbes();
    const dir = await share.newFolder("probe");
    const traits = await probeWorkspace(dir, path.join(dir, ".funcspace-sync-probe"));
    expect(traits).toMatchObject({ holdsModes: false, caseInsensitive: true });
    expect(await readdir(dir)).toEqual([]);
  });

  it.each(["blobs", "tarball"] as const)("skips names the share cannot hold and applies the rest (%s)", async (fetchMode) => {
    const fx = await fixture();
    try {
      const sha = await fx.repo.commit({
        "ok.ts": "ok\n",
        "README.md": "upper\n",
        "readme.md": "lower\n",
        "what?.ts": "q\n",
        "pipe|.ts": "p\n",
        "trail.": "t\n",
        "...": "dots\n",
        "back\\slash.ts": "b\n",
        "tab\t.ts": "t\n",
        "CON": "c\n",
        "a:b/inner.ts": "i\n",
        "src/main.ts": "main\n",
        "abs-link": { symlink: "/etc/passwd" },
      });
      // Many small files push "auto" to the tarball; the mode is forced here either way.
      const outcome = await syncOnce({ branch: "main", fetchMode }, fx.deps());
      expect(outcome.result).toBe("applied");
      const skipped = Object.fromEntries(outcome.skipped.map((s) => [s.path, s.kind]));
      expect(skipped).toEqual({
        "readme.md": "case",
        "what?.ts": "name",
        "pipe|.ts": "name",
        "trail.": "name",
        "...": "name",
        "back\\slash.ts": "name",
        "tab\t.ts": "name",
        CON: "name",
        "a:b/inner.ts": "name",
        "abs-link": "symlink",
      });
      expect(outcome.counts).toMatchObject({ added: 3, skipped: 10 });
      const expected = only(await archiveState(fx.repo, sha, fx.root), ["ok.ts", "README.md", "src/main.ts"]);
      expect(await diffWorkspace(fx.workspaceDir, expected, { modes: false })).toEqual([]);
      expect(await readFile(path.join(fx.workspaceDir, "README.md"), "utf8")).toBe("upper\n");
      // Checked again from the disk (no session record): nothing to do, nothing hashed, no flip-flop.
      await expectSettled(fx, { skipped: 10 });
    } finally {
      await fx.close();
    }
  });

  it.each(["blobs", "tarball"] as const)("renames by case only without losing the file, files and folders (%s)", async (fetchMode) => {
    const fx = await fixture();
    try {
      await fx.repo.commit({ "README.md": "readme\n", "Dir/File.txt": "file\n", "Dir/Sub/Deep.txt": "deep\n", "keep.txt": "keep\n" });
      await syncOnce({ branch: "main", fetchMode }, fx.deps());
      const sha = await fx.repo.commit({
        "README.md": null,
        "readme.md": "readme\n",
        "Dir/File.txt": null,
        "Dir/Sub/Deep.txt": null,
        "dir/file.txt": "file, changed\n",
        "dir/sub/deep.txt": "deep\n",
      });
      const outcome = await syncOnce({ branch: "main", fetchMode }, fx.deps());
      expect(outcome).toMatchObject({ result: "applied", counts: { added: 3, deleted: 3 } });
      expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root), { modes: false })).toEqual([]);
      expect((await readdir(fx.workspaceDir)).sort()).toEqual(["dir", "keep.txt", "readme.md"]);
      expect(await readdir(path.join(fx.workspaceDir, "dir", "sub"))).toEqual(["deep.txt"]);
      await expectSettled(fx);
    } finally {
      await fx.close();
    }
  });

  // A hostile pass found the first two stuck for good (EEXIST / EISDIR on every retry, the old entry kept) and the
  // third leaving `ſ/a.txt` behind: Samba keeps `S` and `ſ` apart where the engine folds them as Azure Files does.
  it.each([
    ["a file replaced by a folder of its name in another case", { A: "file\n", "k.txt": "k\n" }, { A: null, "a/x.txt": "x\n" }],
    ["a folder replaced by a file of its name in another case", { "A/x.txt": "x\n", "k.txt": "k\n" }, { "A/x.txt": null, a: "file\n" }],
    ["a folder renamed to a spelling the engine folds and the share may not (S → ſ)", { "S/a.txt": "a\n", "k.txt": "k\n" }, { "S/a.txt": null, "ſ/b.txt": "b\n" }],
  ] as const)("%s: applied once, then nothing to do", async (_name, first, second) => {
    for (const fetchMode of ["blobs", "tarball"] as const) {
      const fx = await fixture();
      try {
        await fx.repo.commit(first);
        await syncOnce({ branch: "main", session: "s", fetchMode }, fx.deps());
        const sha = await fx.repo.commit(second);
        const applied = await syncOnce({ branch: "main", session: "s", fetchMode }, fx.deps());
        expect(applied, fetchMode).toMatchObject({ result: "applied" });
        expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root), { modes: false }), fetchMode).toEqual([]);
        expect((await readdir(fx.workspaceDir)).filter((n) => n.startsWith(".funcspace-")), fetchMode).toEqual([]);
        await expectSettled(fx);
      } finally {
        await fx.close();
      }
    }
  }, 120_000);

  it("neither chmods nor counts exec bits the share cannot hold", async () => {
    const fx = await fixture();
    try {
      await fx.repo.commit({ "run.sh": { content: "#!/bin/sh\n", executable: true }, "plain.txt": "plain\n" });
      expect(await syncOnce({ branch: "main" }, fx.deps())).toMatchObject({ result: "applied", counts: { added: 2 } });
      const sha = await fx.repo.commit({ "run.sh": { content: "#!/bin/sh\n", executable: false }, "plain.txt": { content: "plain\n", executable: true } });
      const outcome = await syncOnce({ branch: "main" }, fx.deps());
      expect(outcome).toMatchObject({ toSha: sha, counts: { added: 0, changed: 0, deleted: 0 } });
      expect(outcome.hashed).toBeLessThanOrEqual(SETTLE_HASHES);
      await expectSettled(fx);
    } finally {
      await fx.close();
    }
  });

  it("re-hashes only a file whose stat moved, and converges after an edit on the share", async () => {
    const fx = await fixture();
    try {
      const sha = await fx.repo.commit(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f/${i}.txt`, `file ${i}\n`])));
      await syncOnce({ branch: "main" }, fx.deps());
      // Same size: only the stat's mtime tells, and the content hash decides.
      await writeFile(path.join(fx.workspaceDir, "f/3.txt"), "FILE 3\n");
      const repaired = await syncOnce({ branch: "main" }, fx.deps());
      expect(repaired).toMatchObject({ result: "applied", counts: { changed: 1, unchanged: 19 }, hashed: 1 });
      expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root), { modes: false })).toEqual([]);
      await expectSettled(fx);
    } finally {
      await fx.close();
    }
  });

  it("refuses names the share cannot hold in the files API (400 with the reason)", async () => {
    const workspaceDir = await share.newFolder("api");
    const deps = { workspaceDir, maxFileBytes: 1024, ioConcurrency: 4, connections: { getIfMarked: async () => undefined } };
    const body = async function* () {
      yield Buffer.from("x");
    };
    for (const [name, reason] of [
      ["what?.ts", /"\?"/],
      ["pipe|.ts", /"\|"/],
      ["trail.", /ends with a dot/],
      ["CON", /reserved device name/],
      ["dir:x/a.ts", /":"/],
    ] as const) {
      const error = await putWorkspaceFile(deps, name, body()).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(UnsafePathError);
      expect((error as UnsafePathError).status).toBe(400);
      expect((error as Error).message).toMatch(reason);
    }
    expect(await readdir(workspaceDir)).toEqual([]);
    await putWorkspaceFile(deps, "fine.ts", body());
    expect(await readdir(workspaceDir)).toEqual(["fine.ts"]);
  });

  it("renames a file and a folder by letter case only through the files API, keeping content, and refuses a second spelling", async () => {
    const workspaceDir = await share.newFolder("case-api");
    const deps = { workspaceDir, maxFileBytes: 1024, ioConcurrency: 4, connections: { getIfMarked: async () => undefined } };
    const body = async function* (text: string) {
      yield Buffer.from(text);
    };
    /** The names the tree (the editor's view) lists in the top folder or in one below it. */
    const listed = async (folder?: string) => {
      const { root } = await listWorkspaceTree(deps);
      const node = folder === undefined ? root : root.children.find((c) => c.name === folder);
      return node?.type === "folder" ? node.children.map((c) => c.name).sort() : undefined;
    };
    await putWorkspaceFile(deps, "README.md", body("readme\n"));
    await putWorkspaceFile(deps, "Dir/File.txt", body("file\n"));
    await putWorkspaceFile(deps, "Dir/Sub/Deep.txt", body("deep\n"));

    // Each spelling stats with its own inode number here: "same entry?" must come from the listing.
    expect(await moveWorkspaceEntry(deps, { from: "README.md", to: "readme.md" })).toEqual({ from: "README.md", to: "readme.md", type: "file", replaced: false });
    expect(await moveWorkspaceEntry(deps, { from: "Dir", to: "dir" })).toEqual({ from: "Dir", to: "dir", type: "folder", replaced: false });
    expect((await readdir(workspaceDir)).sort()).toEqual(["dir", "readme.md"]);
    expect(await listed()).toEqual(["dir", "readme.md"]);
    expect(await listed("dir")).toEqual(["File.txt", "Sub"]);
    expect(await readFile(path.join(workspaceDir, "readme.md"), "utf8")).toBe("readme\n");
    expect(await readFile(path.join(workspaceDir, "dir", "File.txt"), "utf8")).toBe("file\n");
    expect(await readFile(path.join(workspaceDir, "dir", "Sub", "Deep.txt"), "utf8")).toBe("deep\n");
    // And back, with overwrite (which must not take the entry for a target to remove first).
    await moveWorkspaceEntry(deps, { from: "readme.md", to: "README.md", overwrite: true });
    expect((await readdir(workspaceDir)).sort()).toEqual(["README.md", "dir"]);
    expect(await readFile(path.join(workspaceDir, "README.md"), "utf8")).toBe("readme\n");

    // A second spelling would write into the first here: refused, as on a local disk.
    const twin = await putWorkspaceFile(deps, "readme.MD", body("other\n")).catch((e: unknown) => e);
    expect(twin).toMatchObject({ status: 409, code: "case_conflict", details: { existing: "README.md" } });
    const twinFolder = await putWorkspaceFile(deps, "DIR/x.txt", body("x\n")).catch((e: unknown) => e);
    expect(twinFolder).toMatchObject({ status: 409, code: "case_conflict", details: { existing: "dir" } });
    // A move onto another existing entry is still refused, under either spelling.
    await putWorkspaceFile(deps, "other.md", body("other\n"));
    expect(await moveWorkspaceEntry(deps, { from: "other.md", to: "README.md" }).catch((e: unknown) => e)).toMatchObject({ status: 409, code: "target_exists" });
    expect(await moveWorkspaceEntry(deps, { from: "other.md", to: "readme.md", overwrite: true }).catch((e: unknown) => e)).toMatchObject({
      status: 409,
      code: "case_conflict",
    });
    expect((await readdir(workspaceDir)).sort()).toEqual(["README.md", "dir", "other.md"]);
    expect(await readFile(path.join(workspaceDir, "README.md"), "utf8")).toBe("readme\n");
    expect((await readdir(path.join(workspaceDir, "dir"))).sort()).toEqual(["File.txt", "Sub"]);
  });

  it("resumes after a kill at the end of the download: only a staged file cut short is downloaded again (issue 23)", async () => {
    const fx = await fixture();
    try {
      const changes: Record<string, string> = {};
      for (let i = 0; i < 60; i++) changes[`r/${i % 4}/f${i}.txt`] = `${"x".repeat(200 + i)}\n`;
      const sha = await fx.repo.commit(changes);
      const killed = await runSyncKilledAt(fx, "apply", { fetch: "tarball" });
      expect(killed.signal, killed.stderr).toBe("SIGKILL");
      const [folder = ""] = (await readdir(fx.workspaceDir)).filter((n) => n.startsWith(".funcspace-sync-"));
      await truncate(path.join(fx.workspaceDir, folder, "r/1/f1.txt"), 10);
      const mark = github.requests.length;
      const outcome = await syncOnce({ branch: "main" }, fx.deps());
      expect(outcome).toMatchObject({ result: "applied", resumedFiles: 59, fetchMethod: "blobs" });
      const downloads = github.requests.slice(mark).filter((r) => /\/tarball(\/|$)|\/_codeload\/|\/git\/blobs\//.test(r.path));
      expect(downloads.map((r) => r.path.split("/").pop())).toEqual([hashGitBlob(Buffer.from(changes["r/1/f1.txt"]!))]);
      expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root), { modes: false })).toEqual([]);
      expect((await readdir(fx.workspaceDir)).filter((n) => n.startsWith(".funcspace-sync-"))).toEqual([]);
      await expectSettled(fx);
    } finally {
      await fx.close();
    }
  }, 120_000);

  it("equals git archive after random commit sequences through both fetch paths", async () => {
    await checkSyncEquivalence(github, { runs: RUNS, workspaceDir: () => share.newFolder("prop"), modes: false, settleHashes: SETTLE_HASHES });
  }, 600_000);
});
