// Resume (issue 23), for real: a sync process SIGKILLed at an exact point of its download (or right after it)
// leaves its staging folder; the next run (the CLI, as a user runs it) adopts what is staged and still checks
// out, and downloads only the rest. The stand-in's request log tells what was downloaded again; the workspace
// must equal `git archive` of the commit with nothing stray left.
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat, truncate, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashGitBlob } from "../src/sync/git-blob.js";
import { OWNER_FILE } from "../src/sync/staging.js";
import { syncOnce } from "../src/sync/sync-once.js";
import { runSyncCli, runSyncKilledAt, syncCliArgs, type CliRun } from "./support/run-sync-cli.js";
import { archiveState, createSyncFixture, diffWorkspace, type SyncFixture } from "./support/sync-fixtures.js";

let fx: SyncFixture;
beforeAll(async () => {
  fx = await createSyncFixture();
  // A first commit synced by the CLI: the runs below change a workspace that has a manifest, as in real life.
  await fx.repo.commit({ "keep.txt": "keep\n", "old/gone.txt": "gone\n" });
  expect((await runSyncCli(fx, syncCliArgs(fx))).code).toBe(0);
});
afterAll(async () => {
  await fx.close();
});

/** `count` files of `size` random bytes (hex) under `folder`, a fresh commit; returns its sha and blob ids. */
async function commitFiles(folder: string, count: number, size: number): Promise<{ sha: string; blobs: Map<string, string>; contents: Map<string, string> }> {
  const changes: Record<string, string> = {};
  const blobs = new Map<string, string>();
  const contents = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const content = randomBytes(size / 2).toString("hex");
    const name = `${folder}/${i % 5}/f${String(i).padStart(4, "0")}.txt`;
    changes[name] = content;
    blobs.set(name, hashGitBlob(Buffer.from(content)));
    contents.set(name, content);
  }
  return { sha: await fx.repo.commit(changes), blobs, contents };
}

const DOWNLOAD = /\/tarball(\/|$)|\/_codeload\/|\/git\/blobs\//;
/** The downloads (tarballs, blobs) the stand-in answered since `mark`. */
/**
 * Where the rerun's requests start: the log's length and the time. A request of the killed run that was still
 * being answered when it died is logged later (on close), so arrival time tells it apart.
 */
interface RequestMark {
  index: number;
  at: number;
}
const requestMark = (): RequestMark => ({ index: fx.github.requests.length, at: Date.now() });
const downloadsSince = (mark: RequestMark) =>
  fx.github.requests.slice(mark.index).filter((r) => DOWNLOAD.test(r.path) && (r.at === undefined || r.at >= mark.at));
const tarballsSince = (mark: RequestMark) => downloadsSince(mark).filter((r) => r.path.includes("/_codeload/"));
const blobsSince = (mark: RequestMark) => downloadsSince(mark).flatMap((r) => /\/git\/blobs\/([0-9a-f]{40})$/.exec(r.path)?.[1] ?? []);

const stagingFolders = async () => (await readdir(fx.workspaceDir)).filter((n) => /^\.funcspace-sync-[0-9a-f]{8}$/.test(n));
async function stagedFiles(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(fx.workspaceDir, folder), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name !== OWNER_FILE).map((e) => path.relative(path.join(fx.workspaceDir, folder), path.join(e.parentPath, e.name)));
}

/** The CLI's rerun, with what its output line says it resumed. */
async function rerun(): Promise<CliRun & { resumedFiles: number; resumedBytes: number }> {
  const run = await runSyncCli(fx, syncCliArgs(fx));
  expect(run.code, run.stderr).toBe(0);
  const [, files = "", bytes = ""] = /, (\d+) files \((\d+) bytes\) resumed, /.exec(run.stdout) ?? [];
  return { ...run, resumedFiles: Number(files), resumedBytes: Number(bytes) };
}

async function expectConverged(sha: string): Promise<void> {
  expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root))).toEqual([]);
  expect((await readdir(fx.workspaceDir)).filter((n) => n.startsWith(".funcspace-sync-"))).toEqual([]);
}

async function killedAt(point: string, fetch: "auto" | "blobs" | "tarball"): Promise<string> {
  const killed = await runSyncKilledAt(fx, point, { fetch });
  expect(killed.signal, killed.stderr).toBe("SIGKILL");
  const folders = await stagingFolders();
  expect(folders).toHaveLength(1);
  return folders[0]!;
}

describe("a sync killed after or during its download resumes from its staging", () => {
  it("killed after the download: the rerun downloads nothing and applies what was staged", async () => {
    const { sha, blobs } = await commitFiles("a", 300, 1000);
    const folder = await killedAt("apply", "tarball");
    expect((await stagedFiles(folder)).length).toBe(blobs.size);
    const mark = requestMark();
    const run = await rerun();
    expect(downloadsSince(mark), run.stdout).toEqual([]);
    expect(run.stdout).toMatch(/ 0 bytes via none, 300 files \(300000 bytes\) resumed, /);
    expect(run.resumedFiles).toBe(300);
    await expectConverged(sha);
  }, 60_000);

  it("a staged file whose bytes changed, or that was cut short, is not trusted: only those are downloaded again", async () => {
    const { sha, blobs } = await commitFiles("b", 100, 1000);
    const folder = await killedAt("apply", "tarball");
    const changed = "b/1/f0001.txt";
    const cut = "b/2/f0002.txt";
    const changedFile = path.join(fx.workspaceDir, folder, changed);
    const content = await readFile(changedFile, "utf8");
    // Same size, one byte different, and the same mtime: content decides, not the stat.
    const { mtime } = await stat(changedFile);
    await writeFile(changedFile, `${content[0] === "0" ? "1" : "0"}${content.slice(1)}`);
    await utimes(changedFile, mtime, mtime);
    await truncate(path.join(fx.workspaceDir, folder, cut), 500);
    const mark = requestMark();
    const run = await rerun();
    expect(tarballsSince(mark)).toEqual([]);
    expect(blobsSince(mark).sort()).toEqual([blobs.get(changed)!, blobs.get(cut)!].sort());
    expect(run.resumedFiles).toBe(98);
    await expectConverged(sha);
  }, 60_000);

  it("killed mid-download (blobs): the rerun fetches only the blobs not staged whole", async () => {
    const { sha, blobs } = await commitFiles("c", 30, 4000);
    await killedAt("fetch:10", "blobs");
    const mark = requestMark();
    const run = await rerun();
    expect(run.resumedFiles).toBeGreaterThanOrEqual(10);
    expect(tarballsSince(mark)).toEqual([]);
    const fetched = blobsSince(mark);
    expect(fetched).toHaveLength(30 - run.resumedFiles);
    expect(new Set(fetched).size).toBe(fetched.length);
    for (const blob of fetched) expect([...blobs.values()]).toContain(blob);
    await expectConverged(sha);
  }, 60_000);

  it("killed near the end of a tarball: the few files missing come as blobs, the tarball is not downloaded again", async () => {
    const { sha } = await commitFiles("d", 300, 1000);
    await killedAt("fetch:280", "tarball");
    const mark = requestMark();
    const run = await rerun();
    expect(run.resumedFiles).toBeGreaterThanOrEqual(280);
    expect(tarballsSince(mark)).toEqual([]);
    expect(blobsSince(mark)).toHaveLength(300 - run.resumedFiles);
    await expectConverged(sha);
  }, 60_000);

  it("killed early in a tarball: many files missing come from the tarball again, and only they are written", async () => {
    const { sha } = await commitFiles("e", 1000, 400);
    await killedAt("fetch:64", "tarball");
    const mark = requestMark();
    const run = await rerun();
    // The threshold: more than 40 files missing → one tarball (k blob requests would cost more).
    expect(run.resumedFiles, "precondition: the kill left more than 40 files to fetch").toBeLessThan(1000 - 40);
    expect(run.resumedFiles).toBeGreaterThanOrEqual(64);
    expect(tarballsSince(mark)).toHaveLength(1);
    expect(blobsSince(mark)).toEqual([]);
    expect(run.stderr).toContain(`fetch (${1000 - run.resumedFiles} files)`);
    await expectConverged(sha);
  }, 60_000);

  it("a tarball that breaks off during the resumed run is fetched again, and the adopted files are kept", async () => {
    const { sha } = await commitFiles("m", 1000, 400);
    await killedAt("fetch:64", "tarball");
    fx.github.faults.dropTarballAfter(50_000);
    const mark = requestMark();
    const run = await rerun();
    expect(run.resumedFiles).toBeGreaterThanOrEqual(64);
    // Two downloads: the one cut off and its retry (fetch-changes.ts), which starts over from the adopted files.
    expect(tarballsSince(mark)).toHaveLength(2);
    await expectConverged(sha);
  }, 60_000);

  it("a staging of another commit: a staged file is adopted for any path whose blob it holds (content-addressed)", async () => {
    const { contents } = await commitFiles("j", 100, 1000);
    await killedAt("apply", "tarball");
    // The branch moved on before the rerun: the folder was renamed (same blobs, other paths), one file changed.
    const changes: Record<string, string | null> = {};
    for (const [p, content] of contents) {
      changes[p] = null;
      changes[p.replace(/^j\//, "k/")] = content;
    }
    changes["k/0/f0000.txt"] = "changed\n";
    const sha = await fx.repo.commit(changes);
    const mark = requestMark();
    const run = await rerun();
    expect(run.resumedFiles).toBe(99);
    expect(tarballsSince(mark)).toEqual([]);
    expect(blobsSince(mark)).toEqual([hashGitBlob(Buffer.from("changed\n"))]);
    await expectConverged(sha);
  }, 60_000);

  it("resumes twice in a row: a resumed run killed again leaves a staging the next run adopts", async () => {
    const { sha } = await commitFiles("f", 200, 1000);
    await killedAt("fetch:50", "tarball");
    // The second run adopts the first one's files, downloads the rest, and dies before applying.
    await killedAt("apply", "tarball");
    const mark = requestMark();
    const run = await rerun();
    expect(downloadsSince(mark)).toEqual([]);
    expect(run.resumedFiles).toBe(200);
    await expectConverged(sha);
  }, 60_000);
});

describe("a sync that failed leaves its staging to the next attempt", () => {
  /** The workspace's files (a synced workspace: the last commit's), as repository paths. */
  async function workspaceFiles(): Promise<string[]> {
    const entries = await readdir(fx.workspaceDir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(fx.workspaceDir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
  }
  /** The one staging folder left, with its owner record. */
  async function leftStaging(): Promise<{ folder: string; owner: Record<string, unknown> }> {
    const folders = await stagingFolders();
    expect(folders).toHaveLength(1);
    const owner = JSON.parse(await readFile(path.join(fx.workspaceDir, folders[0]!, OWNER_FILE), "utf8")) as Record<string, unknown>;
    return { folder: folders[0]!, owner };
  }

  it("a tarball that breaks off on every attempt fails the run; the same process's next run adopts what it staged", async () => {
    // The commit holds these files alone, so the cut below falls among them (not among files already synced).
    await fx.repo.commit(Object.fromEntries((await workspaceFiles()).map((p) => [p, null])));
    const { sha } = await commitFiles("n", 1000, 400);
    // The first download and both retries (fetch-changes.ts) cut off at the same byte.
    fx.github.faults.dropTarballAfter(150_000, { count: 3 });
    await expect(syncOnce({ branch: "main", fetchMode: "tarball" }, fx.deps())).rejects.toThrow(/^fetch: /);
    const { folder, owner } = await leftStaging();
    expect(owner).toMatchObject({ pid: process.pid, released: true });
    const staged = (await stagedFiles(folder)).length;
    expect(staged, "precondition: the cut-off download staged whole files").toBeGreaterThan(0);
    expect(staged).toBeLessThan(1000);

    // The queue's retry runs in this same process: a released staging is adopted all the same.
    const mark = requestMark();
    const resumed = await syncOnce({ branch: "main" }, fx.deps());
    expect(resumed).toMatchObject({ result: "applied", resumedFiles: staged, resumedBytes: staged * 400 });
    const missing = 1000 - staged;
    if (missing > 40) expect(tarballsSince(mark)).toHaveLength(1);
    else expect(blobsSince(mark)).toHaveLength(missing);
    await expectConverged(sha);
  }, 60_000);

  it("a blob GitHub fails to deliver (5xx after retries) fails the run; the next run fetches that blob alone", async () => {
    const { sha, blobs } = await commitFiles("o", 30, 4000);
    const failing = blobs.get("o/3/f0003.txt")!;
    // The request and the fixture source's 2 retries.
    fx.github.faults.failNext({ path: new RegExp(`/git/blobs/${failing}$`), status: 502, count: 3 });
    await expect(syncOnce({ branch: "main", fetchMode: "blobs" }, fx.deps())).rejects.toThrow(/^fetch: /);
    const { folder, owner } = await leftStaging();
    expect(owner).toMatchObject({ released: true });
    expect((await stagedFiles(folder)).sort()).toEqual([...blobs.keys()].filter((p) => blobs.get(p) !== failing).sort());

    const mark = requestMark();
    const run = await rerun();
    expect(run.resumedFiles).toBe(29);
    expect(tarballsSince(mark)).toEqual([]);
    expect(blobsSince(mark)).toEqual([failing]);
    await expectConverged(sha);
  }, 60_000);

  it("a truncated tree's run that fails removes what it staged: it was planned from the tarball, which no run resumes from", async () => {
    const { sha } = await commitFiles("q", 300, 1000);
    fx.github.faults.truncateTrees();
    try {
      fx.github.faults.dropTarballAfter(150_000, { count: 3 });
      await expect(syncOnce({ branch: "main" }, fx.deps())).rejects.toThrow();
      expect(await stagingFolders()).toEqual([]);
    } finally {
      fx.github.faults.truncateTrees(false);
    }
    const run = await rerun();
    expect(run.resumedFiles).toBe(0);
    await expectConverged(sha);
  }, 60_000);

  it("a failure no retry can fix (a blob that is gone: 404) removes the staging: nothing is left on the share", async () => {
    const { sha, blobs } = await commitFiles("p", 30, 4000);
    fx.github.faults.failNext({ path: new RegExp(`/git/blobs/${blobs.get("p/4/f0004.txt")!}$`), status: 404, count: 1 });
    await expect(syncOnce({ branch: "main", fetchMode: "blobs" }, fx.deps())).rejects.toThrow(/^fetch: /);
    expect(await stagingFolders()).toEqual([]);
    const mark = requestMark();
    const run = await rerun();
    expect(run.resumedFiles).toBe(0);
    expect(blobsSince(mark)).toHaveLength(30);
    await expectConverged(sha);
  }, 60_000);
});

describe("whose staging is adopted", () => {
  it("not the staging of a process of this host that still runs: it downloads as before", async () => {
    const { sha } = await commitFiles("g", 100, 1000);
    const folder = await killedAt("apply", "tarball");
    // This test's own process: alive, and not the rerun.
    await writeFile(path.join(fx.workspaceDir, folder, OWNER_FILE), JSON.stringify({ host: os.hostname(), pid: process.pid }));
    const mark = requestMark();
    const run = await rerun();
    expect(run.resumedFiles).toBe(0);
    expect(tarballsSince(mark)).toHaveLength(1);
    await expectConverged(sha);
  }, 60_000);

  it("by lease generation: not a live holder's (the generation this run holds or a newer one), an older one's yes", async () => {
    const deps = () => fx.deps({ workspaceId: "cli", owner: { generation: 5 } });
    const live = await commitFiles("h", 100, 1000);
    let folder = await killedAt("apply", "tarball");
    await writeFile(path.join(fx.workspaceDir, folder, OWNER_FILE), JSON.stringify({ host: "another-host", pid: 1, generation: 5 }));
    let mark = requestMark();
    const fresh = await syncOnce({ branch: "main" }, deps());
    expect(fresh).toMatchObject({ result: "applied", resumedFiles: 0, fetchMethod: "tarball" });
    expect(tarballsSince(mark)).toHaveLength(1);
    await expectConverged(live.sha);

    const over = await commitFiles("i", 100, 1000);
    folder = await killedAt("apply", "tarball");
    await writeFile(path.join(fx.workspaceDir, folder, OWNER_FILE), JSON.stringify({ host: "another-host", pid: 1, generation: 4 }));
    mark = requestMark();
    const resumed = await syncOnce({ branch: "main" }, deps());
    expect(resumed).toMatchObject({ result: "applied", resumedFiles: 100, resumedBytes: 100_000, fetchMethod: "none" });
    expect(downloadsSince(mark)).toEqual([]);
    await expectConverged(over.sha);
  }, 60_000);
});
