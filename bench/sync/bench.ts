// Sync engine (issue 4), each figure next to its baseline measured in the same run and the same folder:
//   - cold sync of a 10,000-file (~80 MB) repository into an empty workspace vs `tar -xzf` of the same tarball;
//   - a one-file push vs `tar -xzf` into a staging folder + `rsync -a --delete --checksum`, and vs
//     `git clone --depth 1`;
//   - a no-op resync of the same SHA;
//   - k-file pushes through blobs vs through the tarball (where the blob threshold comes from), with an
//     emulated 50 ms round trip to GitHub;
//   - peak RSS of the CLI syncing the 80 MB repository and a large one (BENCH_SYNC_LARGE_MB, default 1024).
// The GitHub stand-in serves a pre-built tarball (so `git archive`'s gzip time is not counted against us).
// BENCH_SYNC_FILES / BENCH_SYNC_REPEAT shrink or grow the run; BENCH_SYNC_ONLY=cold runs the cold rows alone,
// BENCH_SYNC_ONLY=ram only those in RAM.
// On an SMB share (the stand-in for Azure Files, test/support/smb-share/), when samba, smbnetfs and /dev/fuse
// are there: a cold sync, a one-file push and the no-ops next to `tar -xzf` into the same share, in their own
// section (BENCH_SYNC_ONLY=smb runs these alone; BENCH_SYNC_SMB_REPEAT, default 1). Without them the section
// is skipped with the reason, and BENCHMARKS.md keeps its last figures.
// Resume (issue 23): a sync resumed after a kill at the end of its download next to a cold sync, in pairs, on
// disk and in RAM, in their own section (`resumeSection`; BENCH_SYNC_ONLY=resume runs it alone, --write too).
import { execFile, spawn, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createRepositorySource } from "../../github-app/repository-source.js";
import { BLOB_FETCH_MAX_BYTES, BLOB_FETCH_MAX_FILES } from "../../src/sync/fetch-changes.js";
import type { RepositorySource, SourceTree, SourceTreeEntry } from "../../src/sync/repository-source.js";
import { DEFAULT_FS_THREADS } from "../../src/sync/fs-threads.js";
import { syncOnce, type SyncDeps } from "../../src/sync/sync-once.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "../../test/support/github-stand-in/index.js";
import { smbUnavailable, startSmbShare } from "../../test/support/smb-share.js";
import { runSyncKilledAt } from "../../test/support/run-sync-cli.js";
import { machineLine, median, round, shouldWrite, table, writeSection } from "../support/report.js";
import { textish } from "../support/textish.js";

/** rsync is not on a fresh Debian machine: without it the rsync baseline is skipped, and the report says how to add it. */
const HAS_RSYNC = spawnSync("rsync", ["--version"], { stdio: "ignore" }).status === 0;
if (!HAS_RSYNC) console.warn("bench/sync: rsync is not installed; the one-file push's rsync baseline is skipped (apt-get install rsync).");
const run = promisify(execFile);
const FILES = Number(process.env.BENCH_SYNC_FILES ?? 10_000);
const REPEAT = Number(process.env.BENCH_SYNC_REPEAT ?? 5);
const LARGE_MB = Number(process.env.BENCH_SYNC_LARGE_MB ?? 1024);
/** BENCH_SYNC_ONLY=cold: the cold-sync rows alone, printed, never written (for quick comparisons). */
const COLD_ONLY = process.env.BENCH_SYNC_ONLY === "cold" || process.env.BENCH_SYNC_ONLY === "ram";
/** BENCH_SYNC_ONLY=ram: the cold-sync rows in RAM alone (the engine's own cost, without the disk's drift), printed. */
const RAM_ONLY = process.env.BENCH_SYNC_ONLY === "ram";
const SMB_ONLY = process.env.BENCH_SYNC_ONLY === "smb";
const RESUME_ONLY = process.env.BENCH_SYNC_ONLY === "resume";
/** BENCH_SYNC_ONLY=rss: the peak-RSS rows alone, printed, never written. */
const RSS_ONLY = process.env.BENCH_SYNC_ONLY === "rss";
/** Files of the many-file RSS row (BENCH_SYNC_MANY_FILES), and the size of the one-file row (BENCH_SYNC_ONE_FILE_MB). */
const MANY_FILES = Number(process.env.BENCH_SYNC_MANY_FILES ?? 50_000);
const ONE_FILE_MB = Number(process.env.BENCH_SYNC_ONE_FILE_MB ?? 100);
/** BENCH_SYNC_RSS_SHAPES: which RSS rows to run (comma-separated of small, large, one, many; default all). */
const RSS_SHAPES = new Set((process.env.BENCH_SYNC_RSS_SHAPES ?? "small,large,one,many").split(","));
const SMB_REPEAT = Number(process.env.BENCH_SYNC_SMB_REPEAT ?? 1);
/** Other work on the machine moves every figure: said next to them. */
const LOAD_AT_START = round(os.loadavg()[0] ?? 0, 2);
const CLI = fileURLToPath(new URL("../../bin/funcspace-sync.js", import.meta.url));
const TOKEN = "ghp_benchmark_token_000000000000000000";

/** Mixed sizes: mostly 1-9 KB, a tenth 10-50 KB, one in 500 256-512 KB; ~80 MB for 10,000 files. */
function fileSize(i: number): number {
  if (i % 500 === 0) return 256 * 1024 + ((i * 7919) % (256 * 1024));
  if (i % 10 === 0) return 10 * 1024 + ((i * 104729) % (40 * 1024));
  return 1024 + ((i * 7907) % (8 * 1024));
}

/**
 * The repository as the engine sees it, answered from memory (trees listed once with `git ls-tree`, blobs
 * kept, tarballs from pre-built files): it takes GitHub's (and the stand-in's) answer time out of the
 * engine's figures. The stand-in spawns git for every request (~50-100 ms here), which would otherwise
 * dominate every small case; rows marked "over HTTP" keep it in.
 */
function createMemorySource(
  repo: StandInRepository,
  tarballs: Map<string, string>,
): RepositorySource & { warm(sha: string, blobsOf?: string[]): Promise<void>; head: string } {
  const trees = new Map<string, SourceTree>();
  const blobs = new Map<string, Buffer>();
  const catBlob = async (sha: string) => (await run("git", ["-C", repo.bareDir, "cat-file", "blob", sha], { encoding: "buffer", maxBuffer: 1 << 28 })).stdout;
  const source = {
    repository: repo.fullName,
    head: "",
    /** Makes `sha` the head and lists its tree; `blobsOf` paths get their blobs read in advance too. */
    async warm(sha: string, blobsOf: string[] = []) {
      source.head = sha;
      await source.listTree(sha);
      for (const p of blobsOf) {
        const entry = trees.get(sha)!.entries.find((e) => e.path === p);
        if (entry) blobs.set(entry.sha, await catBlob(entry.sha));
      }
    },
    async listTree(sha: string) {
      if (trees.has(sha)) return;
      const { stdout } = await run("git", ["-C", repo.bareDir, "ls-tree", "-r", "-l", "-z", sha], { maxBuffer: 1 << 28 });
      const entries: SourceTreeEntry[] = [];
      for (const line of stdout.split("\0")) {
        if (!line) continue;
        const tab = line.indexOf("\t");
        const [mode = "", type = "", sha = "", size = ""] = line.slice(0, tab).split(/\s+/);
        entries.push({ path: line.slice(tab + 1), mode, type: type as SourceTreeEntry["type"], sha, size: Number(size) || 0 });
      }
      trees.set(sha, { entries, truncated: false });
    },
    getBranchHead: async () => ({ sha: source.head }),
    getTree: async (sha: string) => trees.get(sha)!,
    getBlob: async (sha: string) => blobs.get(sha) ?? (await catBlob(sha)),
    getTarball: async (sha: string) => createReadStream(tarballs.get(sha)!),
  };
  return source;
}

/**
 * Times `fn` after flushing the page cache's dirty pages (`sync`): otherwise the write-back of the previous
 * step's files (tens of MB, thousands of inodes) lands on whichever run comes next, engine or baseline alike.
 */
async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  await run("sync");
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

async function sh(script: string, ...args: string[]): Promise<void> {
  await run("sh", ["-c", script, "sh", ...args], { maxBuffer: 1 << 26 });
}

async function buildTarball(repo: StandInRepository, sha: string, file: string, level = 6): Promise<void> {
  const prefix = `${repo.owner}-${repo.name}-${sha.slice(0, 7)}`;
  await sh(`git -C "$1" archive --format=tar --prefix="$2/" "$3" | gzip -${level} > "$4"`, repo.bareDir, prefix, sha, file);
}

/** Writes files straight into a clone and pushes once (the stand-in's commit() is for small changes). */
async function pushFiles(repo: StandInRepository, work: string, files: Map<string, Buffer>, message: string): Promise<string> {
  for (const [p, content] of files) {
    await mkdir(path.dirname(path.join(work, p)), { recursive: true });
    await writeFile(path.join(work, p), content);
  }
  const git = ["-C", work, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "core.compression=1", "-c", "pack.compression=1"];
  await run("git", [...git, "add", "-A"], { maxBuffer: 1 << 26 });
  await run("git", [...git, "commit", "-q", "-m", message], { maxBuffer: 1 << 26 });
  await run("git", [...git, "push", "-q", "origin", "HEAD:main"], { maxBuffer: 1 << 26 });
  return repo.headSha("main");
}

const tarballFiles = new Map<string, string>();

async function serveTarball(github: GitHubStandIn, repo: StandInRepository, sha: string, dir: string, level = 6): Promise<string> {
  const file = path.join(dir, `${sha}.tar.gz`);
  await buildTarball(repo, sha, file, level);
  github.faults.serveTarball(repo.fullName, sha, () => createReadStream(file));
  tarballFiles.set(sha, file);
  return file;
}

/**
 * Peak RSS of the CLI syncing into `workspace`: VmHWM read by the child itself at exit. (Not getrusage's
 * maxRSS: Linux carries the parent's high-water mark into a forked child, so a child of this bench, which
 * holds the generated files in memory, would report the bench's own peak.)
 */
async function cliPeakRss(github: GitHubStandIn, repo: StandInRepository, workspace: string, stateDir: string, maxFileBytes = 64 * 1024 * 1024): Promise<{ rssMb: number; code: number | null }> {
  // Through NODE_OPTIONS, which splits at spaces: the module's text percent-encoded.
  const report = `data:text/javascript,${encodeURIComponent('import fs from "node:fs";process.on("exit",()=>process.stderr.write("vmhwm="+/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status","utf8"))[1]+"\\n"))')}`;
  return new Promise((resolve, reject) => {
    // Run as a user runs it: the file itself, through its shebang (which sets the CLI's V8 flags).
    const child = spawn(
      CLI,
      ["--repository", repo.fullName, "--workspace", workspace, "--state-dir", stateDir, "--fetch", "tarball", "--max-file-bytes", String(maxFileBytes)],
      { env: { ...process.env, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.apiUrl, NODE_OPTIONS: `--import=${report}` }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const kb = Number(/vmhwm=(\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ rssMb: kb / 1024, code });
    });
  });
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), "bench-sync-"));
  const github = await startGitHubStandIn({ root: path.join(root, "github") });
  github.addToken(TOKEN, { type: "classic", scopes: ["repo"] });
  const repo = await github.createRepository("octo-user/big", { private: true });
  const work = path.join(root, "work");
  await run("git", ["clone", "-q", repo.cloneUrl, work]);
  const httpSource = createRepositorySource({ apiUrl: github.apiUrl, getToken: async () => TOKEN, owner: repo.owner, repo: repo.name });
  const memory = createMemorySource(repo, tarballFiles);
  const deps = (workspaceDir: string, stateDir: string, source: RepositorySource = memory): SyncDeps => ({
    source,
    workspaceDir,
    stateDir,
    workspaceId: "bench",
    maxFileBytes: 64 * 1024 * 1024,
    concurrency: 16,
    fsThreads: DEFAULT_FS_THREADS,
  });
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  try {
    console.log(`generating ${FILES} files…`);
    const files = new Map<string, Buffer>();
    let bytes = 0;
    for (let i = 0; i < FILES; i++) {
      const content = textish(i, fileSize(i));
      bytes += content.byteLength;
      files.set(`pkg${i % 20}/mod${(i >> 4) % 25}/file-${i}.ts`, content);
    }
    let sha = await pushFiles(repo, work, files, "big");
    files.clear();
    let tarball = await serveTarball(github, repo, sha, root);
    await memory.warm(sha);
    const tarMb = (await readFile(tarball)).byteLength / 1024 / 1024;
    notes.push(`Repository: ${FILES} files, ${round(bytes / 1024 / 1024)} MB (tarball ${round(tarMb)} MB gzipped).`);

    if (RSS_ONLY) {
      console.log(`\n${table(["case", "funcspace", "baseline", "baseline time", "ratio", "goal"], await rssRows({ github, repo, tarball, root, bytes }))}\n`);
      return;
    }
    if (SMB_ONLY) {
      await smbSection({ repo, work, tarball, notes, deps, warm: (at, blobsOf) => memory.warm(at, blobsOf) });
      return;
    }
    if (RESUME_ONLY) {
      await resumeSection({ github, repo, sha, root, deps, notes });
      return;
    }

    // 1. Cold sync vs tar -xzf, in pairs run back to back, the order alternating. The ratio is the median of the
    // pairs' ratios; CPU time is user + system, every thread (tar's includes its gzip).
    // On disk, the pairs' folders stay until the bench ends (`rm` of its root): this machine's ext4 has no
    // journal, and for a minute or more after a mass delete every inode it allocates is first checked against
    // the recently deleted ones (ialloc.c's recently_deleted(), a buffer-cache lookup each: `perf record` puts
    // find_get_block_common, __brelse and recently_deleted at the top of a slow `tar -x`). Removing each pair's
    // 20,000 files before the next made the first of the next pair pay 1-3 s of system time at random (tar
    // alone: 0.25-3 s of it), and a removal after the pairs would slow the resume rows that follow.
    const coldPairs = async (dir: string, repeat: number, keep: boolean) => {
      const pairs: { sync: number; tar: number; syncCpu: number; tarCpu: number }[] = [];
      for (let r = 0; r < repeat; r++) {
        const ws = path.join(dir, `cold-${r}`);
        const st = path.join(dir, `cold-state-${r}`);
        const tx = path.join(dir, `tar-${r}`);
        await Promise.all([mkdir(ws), mkdir(tx)]);
        const pair = { sync: 0, tar: 0, syncCpu: 0, tarCpu: 0 };
        const runSync = async () => {
          const cpu = process.cpuUsage();
          pair.sync = (await time(() => syncOnce({ branch: "main" }, deps(ws, st)))).ms;
          const used = process.cpuUsage(cpu);
          pair.syncCpu = (used.user + used.system) / 1000;
        };
        const runTar = async () => {
          const timing = path.join(dir, "tar-time");
          pair.tar = (await time(() => sh(`/usr/bin/time -f "%U %S" -o "$3" tar -xzf "$1" -C "$2"`, tarball, tx, timing))).ms;
          const [user = 0, system = 0] = (await readFile(timing, "utf8")).trim().split(/\s+/).map(Number);
          pair.tarCpu = (user + system) * 1000;
        };
        if (r % 2 === 0) await runSync().then(runTar);
        else await runTar().then(runSync);
        pairs.push(pair);
        if (!keep && r < repeat - 1) await Promise.all([rm(ws, { recursive: true }), rm(tx, { recursive: true }), rm(st, { recursive: true })]);
      }
      return pairs;
    };
    const coldRows = (label: string, pairs: Awaited<ReturnType<typeof coldPairs>>, goal: string) => {
      const ratios = pairs.map((p) => p.sync / p.tar);
      rows.push([label, ms(median(pairs.map((p) => p.sync))), "`tar -xzf`", ms(median(pairs.map((p) => p.tar))), `${round(median(ratios), 3)}× (pairs ${round(Math.min(...ratios), 2)}–${round(Math.max(...ratios), 2)}×)`, goal]);
      rows.push([`${label}: CPU time`, ms(median(pairs.map((p) => p.syncCpu))), "`tar -xzf`", ms(median(pairs.map((p) => p.tarCpu))), ratio(median(pairs.map((p) => p.syncCpu)), median(pairs.map((p) => p.tarCpu))), "—"]);
    };
    if (!RAM_ONLY) coldRows("cold sync, empty workspace", await coldPairs(root, REPEAT, true), "≤ 1.0×");
    // The same in RAM (tmpfs), where no disk time hides the engine's own cost.
    const shm = await mkdtemp("/dev/shm/bench-sync-").catch(() => undefined);
    if (shm) {
      try {
        coldRows("cold sync, in RAM (`/dev/shm`)", await coldPairs(shm, REPEAT, false), "≤ 1.0×");
      } finally {
        await rm(shm, { recursive: true, force: true });
      }
    }

    // Resume (issue 23): its own pairs and section (see resumeSection), with the cold sync's repository.
    if (!COLD_ONLY) await resumeSection({ github, repo, sha, root, deps, notes: notes.slice(0, 1) });

    if (COLD_ONLY) {
      console.log(`\n${table(["case", "funcspace", "baseline", "baseline time", "ratio", "goal"], rows)}\n`);
      return;
    }

    // 2. One-file push: engine (blobs) vs tar -xzf + rsync --checksum, vs git clone --depth 1.
    const ws = path.join(root, `cold-${REPEAT - 1}`);
    const st = path.join(root, `cold-state-${REPEAT - 1}`);
    const rsyncTarget = path.join(root, `tar-${REPEAT - 1}`, `${repo.owner}-${repo.name}-${sha.slice(0, 7)}`);
    const onePush: number[] = [];
    const onePushHttp: number[] = [];
    const rsyncRuns: number[] = [];
    const cloneRuns: number[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const changed = `pkg1/mod1/file-${r * 20 + 1}.ts`;
      sha = await pushFiles(repo, work, new Map([[changed, textish(1_000_000 + r, 4000)]]), `one ${r}`);
      tarball = await serveTarball(github, repo, sha, root);
      await memory.warm(sha, [changed]);
      onePush.push((await time(() => syncOnce({ branch: "main" }, deps(ws, st)))).ms);
      // The same kind of push again, this time with every GitHub answer over HTTP from the stand-in.
      sha = await pushFiles(repo, work, new Map([[`pkg1/mod1/file-${r * 20 + 2}.ts`, textish(1_100_000 + r, 4000)]]), `one http ${r}`);
      await memory.warm(sha);
      onePushHttp.push((await time(() => syncOnce({ branch: "main" }, deps(ws, st, httpSource)))).ms);
      const staging = path.join(root, `staging-${r}`);
      await mkdir(staging);
      if (HAS_RSYNC) {
        rsyncRuns.push(
          (await time(() => sh(`tar -xzf "$1" -C "$2" --strip-components=1 && rsync -a --delete --checksum "$2/" "$3/"`, tarball, staging, rsyncTarget))).ms,
        );
      }
      const clone = path.join(root, `clone-${r}`);
      cloneRuns.push((await time(() => run("git", ["clone", "-q", "--depth", "1", repo.cloneUrl, clone]))).ms);
      await Promise.all([rm(staging, { recursive: true }), rm(clone, { recursive: true })]);
    }
    if (HAS_RSYNC) {
      rows.push(["one-file push", ms(median(onePush)), "`tar -xzf` + `rsync -a --delete --checksum`", ms(median(rsyncRuns)), ratio(median(onePush), median(rsyncRuns)), "≤ 0.05×"]);
    } else {
      rows.push(["one-file push", ms(median(onePush)), "`tar -xzf` + `rsync` (rsync is not installed: `apt-get install rsync` to measure this baseline)", "—", "—", "≤ 0.05×"]);
    }
    rows.push(["one-file push", ms(median(onePush)), "`git clone --depth 1` (file://)", ms(median(cloneRuns)), ratio(median(onePush), median(cloneRuns)), "≤ 0.2×"]);
    if (HAS_RSYNC) {
      rows.push(["one-file push, over HTTP (stand-in)", ms(median(onePushHttp)), "`tar -xzf` + `rsync -a --delete --checksum`", ms(median(rsyncRuns)), ratio(median(onePushHttp), median(rsyncRuns)), "—"]);
    }

    // 3. No-op resync of the same SHA: a job of the connection that applied it (webhook redelivery, poll)
    // answers from the applied record; "Sync now" (verifyDisk) stats every file.
    const noop: number[] = [];
    const noopHttp: number[] = [];
    const noopVerified: number[] = [];
    const session = { branch: "main", session: "bench-connection" };
    await syncOnce(session, deps(ws, st)); // the first job of the session checks the disk and writes the record
    for (let r = 0; r < 10; r++) noop.push((await time(() => syncOnce(session, deps(ws, st)))).ms);
    for (let r = 0; r < 5; r++) noopHttp.push((await time(() => syncOnce(session, deps(ws, st, httpSource)))).ms);
    for (let r = 0; r < 5; r++) noopVerified.push((await time(() => syncOnce({ ...session, verifyDisk: true }, deps(ws, st)))).ms);
    rows.push(["no-op resync (job of the same connection: applied record)", ms(median(noop)), "—", "—", "—", "< 20 ms"]);
    rows.push(["no-op resync, over HTTP (stand-in)", ms(median(noopHttp)), "—", "—", "—", "—"]);
    rows.push([`no-op resync, "Sync now" (${FILES} files stat'ed)`, ms(median(noopVerified)), "—", "—", "—", "—"]);

    // 4. k-file pushes: blobs vs tarball, with 50 ms added to every GitHub request (a realistic round trip).
    github.faults.addLatency({ ms: 50 });
    const threshold: (string | number)[][] = [];
    for (const k of [1, 10, 40, 160]) {
      const timings: Record<string, number> = {};
      for (const mode of ["blobs", "tarball"] as const) {
        const change = new Map<string, Buffer>();
        for (let j = 0; j < k; j++) change.set(`pkg2/mod2/file-${(j * 37 + k) % FILES}.ts`, textish(2_000_000 + j + k * 1000 + (mode === "blobs" ? 0 : 500), 6000));
        sha = await pushFiles(repo, work, change, `${k} ${mode}`);
        await serveTarball(github, repo, sha, root);
        timings[mode] = (await time(() => syncOnce({ branch: "main", fetchMode: mode }, deps(ws, st, httpSource)))).ms;
      }
      threshold.push([k, ms(timings.blobs!), ms(timings.tarball!), timings.blobs! < timings.tarball! ? "blobs" : "tarball"]);
    }
    github.faults.reset();

    // 5. Peak RSS of the CLI, one row per shape.
    await serveTarball(github, repo, sha, root);
    rows.push(...(await rssRows({ github, repo, tarball, root, bytes })));

    const markdown = [
      "### Sync engine (`bench/sync`)",
      "",
      machineLine(),
      `${notes.join(" ")} Medians of ${REPEAT} runs (no-op: 10), each timed after a \`sync\` (flushing the previous step's dirty pages). Cold syncs run in pairs with \`tar\`, the order alternating; their ratio is the median of the pairs' ratios (range in brackets), and CPU time is user + system of every thread (tar's includes its gzip). On disk each pair writes into folders of its own, all removed when the bench ends: this machine's ext4 has no journal, and for a minute or more after a mass delete every file it creates first passes over the recently deleted inodes (tar alone took 0.45-3.1 s for the same archive when each pair removed the last one's folders first); the RAM rows show the engine's own cost. The engine may use ${DEFAULT_FS_THREADS} file-system threads (\`SYNC_FS_THREADS\`): walks start them all, writes to a local disk one (fs-threads.ts). Load average (1 min) at the start: ${LOAD_AT_START}, at the end: ${round(os.loadavg()[0] ?? 0, 2)}. Rows without "over HTTP" take GitHub's answers from memory (tree listed once, the pushed blob read in advance, tarball from a file): they measure the engine; the stand-in spawns git per request (~50-100 ms each on this machine), which would swamp them. The CLI (RSS rows) and the threshold table go over HTTP to the stand-in.`,
      "",
      table(["case", "funcspace", "baseline", "baseline time", "ratio", "goal"], rows),
      "",
      `Blob threshold (\`BLOB_FETCH_MAX_FILES\` = ${BLOB_FETCH_MAX_FILES}, \`BLOB_FETCH_MAX_BYTES\` = ${BLOB_FETCH_MAX_BYTES / 1024 / 1024} MB): a k-file push on the ${FILES}-file repository with 50 ms added to every GitHub request:`,
      "",
      table(["files changed", "blobs", "tarball", "faster"], threshold),
    ].join("\n");
    console.log(`\n${markdown}\n`);
    if (shouldWrite) await writeSection("sync", markdown);
    await memory.warm(sha);
    await smbSection({ repo, work, tarball: await serveTarball(github, repo, sha, root), notes: notes.slice(0, 1), deps, warm: (at, blobsOf) => memory.warm(at, blobsOf) });
  } finally {
    await github.close();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Peak RSS of the CLI (a process of its own, over HTTP to the stand-in) for each shape of repository: the bench's
 * many small files, a large one of 1 MB files, one big file, and 50,000 small files (where the tree listing,
 * the plan and the manifest grow with the count, not the bytes).
 */
async function rssRows(context: { github: GitHubStandIn; repo: StandInRepository; tarball: string; root: string; bytes: number }): Promise<(string | number)[][]> {
  const { github, repo, tarball, root, bytes } = context;
  const rows: (string | number)[][] = [];
  // The CLI bundles its sources on the first run after a change (bin/funcspace-sync.js): done here, once.
  await run(CLI, ["--help"]);
  if (RSS_SHAPES.has("small")) {
    const rssSmall = await cliPeakRss(github, repo, path.join(root, "rss-small"), path.join(root, "rss-small-state"));
    const tarRss = await run("/usr/bin/time", ["-f", "%M", "tar", "-xzf", tarball, "-C", await mkdtemp(path.join(root, "tar-rss-"))]);
    const tarRssMb = Number(tarRss.stderr.trim().split("\n").pop()) / 1024;
    rows.push([`peak RSS, CLI cold sync of ${round(bytes / 1024 / 1024)} MB (${FILES} files)`, rssCell(rssSmall), "`tar -xzf`", `${round(tarRssMb)} MB`, "—", "< 150 MB"]);
  }

  /** A repository of `files` (path → content) pushed in one commit, served as a tarball; its CLI sync's peak RSS. */
  const shape = async (name: string, files: Map<string, Buffer>, level: number, maxFileBytes?: number) => {
    const shapeRepo = await github.createRepository(`octo-user/${name}`, { private: true });
    const shapeWork = path.join(root, `${name}-work`);
    await run("git", ["clone", "-q", shapeRepo.cloneUrl, shapeWork]);
    const shapeSha = await pushFiles(shapeRepo, shapeWork, files, name);
    files.clear();
    await rm(shapeWork, { recursive: true });
    await serveTarball(github, shapeRepo, shapeSha, root, level);
    const measured = await cliPeakRss(github, shapeRepo, path.join(root, `rss-${name}`), path.join(root, `rss-${name}-state`), maxFileBytes);
    await rm(path.join(root, `rss-${name}`), { recursive: true, force: true });
    return measured;
  };

  if (RSS_SHAPES.has("large")) {
  console.log(`generating a ${LARGE_MB} MB repository…`);
  const largeFiles = new Map<string, Buffer>();
  for (let i = 0; i < LARGE_MB; i++) largeFiles.set(`blobs/${i % 32}/part-${i}.bin`, textish(9_000_000 + i, 1024 * 1024));
  const rssLarge = await shape("large", largeFiles, 1);
  rows.push([`peak RSS, CLI cold sync of ${LARGE_MB} MB (${LARGE_MB} files)`, rssCell(rssLarge), "—", "—", "—", "< 150 MB"]);
  }
  if (RSS_SHAPES.has("one")) {

  console.log(`generating a one-file repository of ${ONE_FILE_MB} MB…`);
  const rssOne = await shape("one-file", new Map([["data/big.bin", textish(7_000_000, ONE_FILE_MB * 1024 * 1024)]]), 1, (ONE_FILE_MB + 1) * 1024 * 1024);
  rows.push([`peak RSS, CLI cold sync of one ${ONE_FILE_MB} MB file`, rssCell(rssOne), "—", "—", "—", "< 150 MB"]);
  }
  if (RSS_SHAPES.has("many")) {

  console.log(`generating a ${MANY_FILES}-file repository…`);
  const manyFiles = new Map<string, Buffer>();
  let manyBytes = 0;
  for (let i = 0; i < MANY_FILES; i++) {
    const content = textish(5_000_000 + i, 512 + ((i * 7907) % 2048));
    manyBytes += content.byteLength;
    manyFiles.set(`lib${i % 50}/part${(i >> 6) % 40}/file-${i}.ts`, content);
  }
  const rssMany = await shape("many", manyFiles, 6);
  rows.push([`peak RSS, CLI cold sync of ${MANY_FILES} files (${round(manyBytes / 1024 / 1024)} MB)`, rssCell(rssMany), "—", "—", "—", "< 150 MB"]);
  }
  return rows;
}

function rssCell(measured: { rssMb: number; code: number | null }): string {
  return `${round(measured.rssMb)} MB${measured.code === 0 ? "" : ` (exit ${measured.code})`}`;
}

/**
 * The SMB rows: the engine and `tar -xzf` into the same share (a network round trip per metadata call,
 * here over loopback), a one-file push, and the no-ops: a job of the same connection (applied record) and
 * "Sync now" (every file stat'ed, nothing hashed when the manifest's stats still hold).
 */
async function smbSection(context: {
  repo: StandInRepository;
  work: string;
  tarball: string;
  notes: string[];
  deps: (workspaceDir: string, stateDir: string) => SyncDeps;
  warm: (sha: string, blobsOf: string[]) => Promise<void>;
}): Promise<void> {
  const unavailable = smbUnavailable();
  if (unavailable) {
    console.log(`SMB rows skipped (no SMB share on this machine: ${unavailable}); BENCHMARKS.md keeps the last figures.`);
    return;
  }
  const { repo, work, tarball, deps } = context;
  const share = await startSmbShare();
  const states = await mkdtemp(path.join(tmpdir(), "bench-sync-smb-state-"));
  const rows: (string | number)[][] = [];
  try {
    const pairs: { sync: number; tar: number; hashed: number }[] = [];
    let ws = "";
    let st = "";
    for (let r = 0; r < SMB_REPEAT; r++) {
      const tx = await share.newFolder(`tar-${r}`);
      ws = await share.newFolder(`ws-${r}`);
      st = path.join(states, `state-${r}`);
      const runTar = async () => (await time(() => sh(`tar -xzf "$1" -C "$2" --no-same-owner --no-same-permissions`, tarball, tx))).ms;
      const runSync = async () => time(() => syncOnce({ branch: "main" }, deps(ws, st)));
      const pair = { sync: 0, tar: 0, hashed: 0 };
      if (r % 2 === 0) {
        pair.sync = (await runSync()).ms;
        pair.tar = await runTar();
      } else {
        pair.tar = await runTar();
        pair.sync = (await runSync()).ms;
      }
      pairs.push(pair);
    }
    const ratios = pairs.map((p) => p.sync / p.tar);
    const coldSync = median(pairs.map((p) => p.sync));

    // The floors of this client, measured in the same run: what no syncer can beat here. If 16 calls in flight
    // take as long as one, the client serializes the share's calls and parallel writes cannot help.
    const floors = new Map<number, { files: number; writeMs: number; statMs: number }>();
    for (const concurrency of [1, 16]) {
      const into = await share.newFolder(`floor-${concurrency}`);
      await run("sync");
      const { stdout } = await run(process.execPath, [path.join(import.meta.dirname, "share-floor.mjs"), work, into, String(concurrency)], {
        env: { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(4, concurrency)) },
        maxBuffer: 1 << 20,
      });
      floors.set(concurrency, JSON.parse(stdout) as { files: number; writeMs: number; statMs: number });
    }
    const serial = floors.get(1)!;
    const parallel = floors.get(16)!;
    rows.push([`cold sync, empty workspace on the share`, ms(coldSync), "`tar -xzf` into the share", ms(median(pairs.map((p) => p.tar))), `${round(median(ratios), 3)}×`, "≤ 0.5×: not reachable with this client (rows below)"]);
    rows.push([`cold sync, against this client's write floor`, ms(coldSync), `write floor: create, write, close each of the ${serial.files} files, 1 at a time (no staging, rename, hash or manifest)`, ms(serial.writeMs), `${round(coldSync / serial.writeMs, 3)}×`, "restated: ≤ 1.3× (the floor plus one stat per file, which exactness needs here)"]);
    rows.push([`write floor, 16 calls in flight`, ms(parallel.writeMs), "write floor, 1 at a time", ms(serial.writeMs), `${round(parallel.writeMs / serial.writeMs, 3)}×`, "— (≈ 1×: the client serializes)"]);
    rows.push([`stat floor, 16 calls in flight`, ms(parallel.statMs), "stat floor: stat each file, 1 at a time", ms(serial.statMs), `${round(parallel.statMs / serial.statMs, 3)}×`, "—"]);

    // The first check from disk after the cold sync: nothing to do; how many files had to be hashed.
    const firstVerify = await time(() => syncOnce({ branch: "main" }, deps(ws, st)));
    rows.push([`no-op from disk right after the cold sync (${FILES} files stat'ed, ${firstVerify.value.hashed} hashed)`, ms(firstVerify.ms), "—", "—", "—", "no full re-hash"]);

    const onePush: number[] = [];
    for (let r = 0; r < 3; r++) {
      const i = r * 20 + 3;
      const changed = `pkg${i % 20}/mod${(i >> 4) % 25}/file-${i}.ts`;
      await context.warm(await pushFiles(repo, work, new Map([[changed, textish(1_200_000 + r, 4000)]]), `smb one ${r}`), [changed]);
      const outcome = await time(() => syncOnce({ branch: "main" }, deps(ws, st)));
      if (outcome.value.counts.changed !== 1 || outcome.value.counts.added + outcome.value.counts.deleted !== 0) {
        throw new Error(`a one-file push on the share changed ${JSON.stringify(outcome.value.counts)}`);
      }
      onePush.push(outcome.ms);
    }
    rows.push(["one-file push (1 file changed, every file stat'ed)", ms(median(onePush)), "—", "—", "—", "—"]);

    const session = { branch: "main", session: "bench-connection" };
    await syncOnce(session, deps(ws, st));
    const noop: number[] = [];
    const verified: { ms: number; hashed: number }[] = [];
    for (let r = 0; r < 5; r++) noop.push((await time(() => syncOnce(session, deps(ws, st)))).ms);
    for (let r = 0; r < 3; r++) {
      const { ms: took, value } = await time(() => syncOnce({ ...session, verifyDisk: true }, deps(ws, st)));
      verified.push({ ms: took, hashed: value.hashed });
    }
    rows.push(["no-op resync (job of the same connection: applied record)", ms(median(noop)), "—", "—", "—", "< 1 s"]);
    const syncNow = median(verified.map((v) => v.ms));
    rows.push([`no-op resync, "Sync now" (${FILES} files stat'ed, ${Math.max(...verified.map((v) => v.hashed))} hashed)`, ms(syncNow), "stat floor, 1 at a time", ms(serial.statMs), `${round(syncNow / serial.statMs, 3)}×`, "< 1 s: not reachable with this client (restated: ≤ 1.5× the stat floor)"]);

    const markdown = [
      "### Sync engine on an SMB share (`bench/sync`, `BENCH_SYNC_ONLY=smb`)",
      "",
      machineLine(),
      `${context.notes.join(" ")} The share: Samba on loopback mounted with smbnetfs (FUSE), Azure-Files-like settings (test/support/smb-share/): every metadata call is a round trip through FUSE, smbnetfs and smbd, with no network delay added. Cold sync and \`tar -xzf\` (${SMB_REPEAT} pair${SMB_REPEAT === 1 ? "" : "s"}) write into fresh folders of the same share; the rest are medians (one-file push: 3, no-op: 5, "Sync now": 3). GitHub's answers come from memory, as in the rows above.`,
      "",
      table(["case", "funcspace", "baseline", "baseline time", "ratio", "goal"], rows),
    ].join("\n");
    console.log(`\n${markdown}\n`);
    if (shouldWrite) await writeSection("sync-smb", markdown);
  } finally {
    await share.close();
    await rm(states, { recursive: true, force: true });
  }
}

/**
 * Resume (issue 23): a sync killed at the end of its download (a child process that SIGKILLs itself as its
 * apply opens: test/support/sync-killed-at.ts, over HTTP to the stand-in), then the resumed sync timed, next
 * to a cold sync of the same commit into an empty workspace, in pairs, the order alternating; on disk and in
 * RAM. The resumed run downloads nothing: it hashes every staged file again (what proves it whole) and applies.
 */
async function resumeSection(context: {
  github: GitHubStandIn;
  repo: StandInRepository;
  sha: string;
  root: string;
  deps: (workspaceDir: string, stateDir: string) => SyncDeps;
  notes: string[];
}): Promise<void> {
  const { github, repo, deps } = context;
  const rows: (string | number)[][] = [];
  const loadBefore = round(os.loadavg()[0]!, 2);
  const pairs = async (dir: string) => {
    const onDisk = dir === context.root;
    const result: { cold: number; resumed: number; files: number; bytes: number; fetched: string }[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const coldWs = path.join(dir, `resume-cold-${r}`);
      const ws = path.join(dir, `resume-${r}`);
      await Promise.all([mkdir(coldWs), mkdir(ws)]);
      const killed = await runSyncKilledAt(
        { token: TOKEN, github, repo, workspaceDir: ws, stateDir: path.join(dir, `resume-killed-state-${r}`) },
        "apply",
        { fetch: "tarball" },
      );
      if (killed.signal !== "SIGKILL") throw new Error(`the sync to be killed ended with ${killed.code}: ${killed.stderr}`);
      const pair = { cold: 0, resumed: 0, files: 0, bytes: 0, fetched: "" };
      const runCold = async () => {
        pair.cold = (await time(() => syncOnce({ branch: "main" }, deps(coldWs, path.join(dir, `resume-cold-state-${r}`))))).ms;
      };
      const runResumed = async () => {
        const { ms: took, value } = await time(() => syncOnce({ branch: "main" }, deps(ws, path.join(dir, `resume-state-${r}`))));
        Object.assign(pair, { resumed: took, files: value.resumedFiles, bytes: value.resumedBytes, fetched: `${value.bytesDownloaded} bytes via ${value.fetchMethod}` });
      };
      if (r % 2 === 0) await runCold().then(runResumed);
      else await runResumed().then(runCold);
      result.push(pair);
      // On disk, kept until the bench ends (see coldPairs: a mass delete slows the creates that follow it).
      if (!onDisk) await Promise.all([rm(coldWs, { recursive: true }), rm(ws, { recursive: true })]);
    }
    return result;
  };
  const add = (where: string, measured: Awaited<ReturnType<typeof pairs>>) => {
    const { files, bytes, fetched } = measured[0]!;
    const ratios = measured.map((p) => p.resumed / p.cold);
    rows.push([
      `resumed sync after a kill at the end of the download${where} (${files} files, ${round(bytes / 1024 / 1024)} MB adopted; ${fetched})`,
      ms(median(measured.map((p) => p.resumed))),
      "cold sync, same commit, same run",
      ms(median(measured.map((p) => p.cold))),
      `${round(median(ratios), 3)}× (pairs ${round(Math.min(...ratios), 2)}–${round(Math.max(...ratios), 2)}×)`,
      "no second download",
    ]);
  };
  add("", await pairs(context.root));
  const shm = await mkdtemp("/dev/shm/bench-sync-resume-").catch(() => undefined);
  if (shm) {
    try {
      add(", in RAM (`/dev/shm`)", await pairs(shm));
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  }
  const markdown = [
    "### Sync engine: resume after a kill (`bench/sync`, `BENCH_SYNC_ONLY=resume`)",
    "",
    machineLine(),
    `${context.notes.join(" ")} A sync killed at the end of its download (test/support/sync-killed-at.ts: SIGKILL as its apply opens, over HTTP to the stand-in), then the next sync timed, next to a cold sync of the same commit into an empty workspace: ${REPEAT} pairs, the order alternating, each timed after a \`sync\`; ratio = median of the pairs' ratios (range in brackets). Both take GitHub's answers from memory (the cold one's tarball from a file, so its download costs nothing here: on a network it would cost more, and the resumed run saves it whole). The resumed run downloads nothing: it lists the staging folder, hashes every staged file again (what proves it whole, see src/sync/README.md, Resume) and applies. Load average (1 min) ${loadBefore} before, ${round(os.loadavg()[0]!, 2)} after: other work on a shared machine inflates both times; compare within the pairs.`,
    "",
    table(["case", "funcspace", "baseline", "baseline time", "ratio", "goal"], rows),
  ].join("\n");
  console.log(`\n${markdown}\n`);
  if (shouldWrite) await writeSection("sync-resume", markdown);
}

function ms(value: number): string {
  return value >= 1000 ? `${round(value / 1000, 2)} s` : `${round(value, 1)} ms`;
}

function ratio(a: number, b: number): string {
  return `${round(a / b, 3)}×`;
}

await main();
