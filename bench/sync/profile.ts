// Where a cold sync's time goes, per thread (issue 23): syncs the bench's repository (BENCH_SYNC_FILES files,
// same sizes and contents as bench.ts) into fresh folders of /dev/shm, each run paired with `tar -xzf` of the
// same tarball, and reports wall time, CPU time (user + system) of every thread by name (/proc/self/task),
// GC time, the peak RSS, and the crossings between threads (messages posted to the file-system threads).
// The repository, its tarball and tree listing are built once and kept in $TMPDIR/funcspace-sync-profile-N.
//
//   npx tsx bench/sync/profile.ts [runs]            env: BENCH_SYNC_FILES (10000), SYNC_FS_THREADS,
//                                                   PROFILE_DIR (default /dev/shm), PROFILE_TAR=0 (no tar pairs)
// For a CPU profile of the main thread: node --cpu-prof --import tsx bench/sync/profile.ts 1
import { execFile } from "node:child_process";
import { createReadStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import type { RepositorySource, SourceTreeEntry } from "../../src/sync/repository-source.js";
import { DEFAULT_FS_THREADS, getFsThreads } from "../../src/sync/fs-threads.js";
import { syncOnce } from "../../src/sync/sync-once.js";
import { median, round } from "../support/report.js";
import { textish } from "../support/textish.js";

const run = promisify(execFile);
const FILES = Number(process.env.BENCH_SYNC_FILES ?? 10_000);
const RUNS = Number(process.argv[2] ?? 5);
const THREADS = Number(process.env.SYNC_FS_THREADS ?? DEFAULT_FS_THREADS);
const INTO = process.env.PROFILE_DIR ?? "/dev/shm";
const WITH_TAR = process.env.PROFILE_TAR !== "0";

/** PROFILE_SHAPE=many: the bench's 50,000-file RSS row (small files, 50 × 40 folders) instead of its 10,000-file mix. */
const MANY = process.env.PROFILE_SHAPE === "many";

function fileSize(i: number): number {
  if (MANY) return 512 + ((i * 7907) % 2048);
  if (i % 500 === 0) return 256 * 1024 + ((i * 7919) % (256 * 1024));
  if (i % 10 === 0) return 10 * 1024 + ((i * 104729) % (40 * 1024));
  return 1024 + ((i * 7907) % (8 * 1024));
}

async function prepare(): Promise<{ dir: string; sha: string; tarball: string; entries: SourceTreeEntry[] }> {
  const dir = path.join(tmpdir(), `funcspace-sync-profile-${FILES}${MANY ? "-many" : ""}`);
  const tarball = path.join(dir, "repo.tar.gz");
  const listing = path.join(dir, "tree.json");
  if (!existsSync(listing)) {
    const work = path.join(dir, "work");
    await rm(dir, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    for (let i = 0; i < FILES; i++) {
      const file = path.join(work, MANY ? `lib${i % 50}/part${(i >> 6) % 40}/file-${i}.ts` : `pkg${i % 20}/mod${(i >> 4) % 25}/file-${i}.ts`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, textish(MANY ? 5_000_000 + i : i, fileSize(i)));
    }
    const git = ["-C", work, "-c", "user.name=p", "-c", "user.email=p@example.com"];
    await run("git", [...git, "init", "-q"]);
    await run("git", [...git, "add", "-A"]);
    await run("git", [...git, "commit", "-q", "-m", "big"]);
    const sha = (await run("git", [...git, "rev-parse", "HEAD"])).stdout.trim();
    await run("sh", ["-c", `git -C "$1" archive --format=tar --prefix="octo-big-$2/" HEAD | gzip -6 > "$3"`, "sh", work, sha.slice(0, 7), tarball]);
    const { stdout } = await run("git", [...git, "ls-tree", "-r", "-l", "-z", "HEAD"], { maxBuffer: 1 << 28 });
    const entries: SourceTreeEntry[] = [];
    for (const line of stdout.split("\0")) {
      if (!line) continue;
      const tab = line.indexOf("\t");
      const [mode = "", type = "", blob = "", size = ""] = line.slice(0, tab).split(/\s+/);
      entries.push({ path: line.slice(tab + 1), mode, type: type as SourceTreeEntry["type"], sha: blob, size: Number(size) || 0 });
    }
    await rm(work, { recursive: true });
    await writeFile(listing, JSON.stringify({ sha, entries }));
  }
  const { sha, entries } = JSON.parse(await readFile(listing, "utf8")) as { sha: string; entries: SourceTreeEntry[] };
  return { dir, sha, tarball, entries };
}

/** CPU seconds of each thread of this process, by thread name (comm), from /proc/self/task. */
function threadCpu(): Map<string, number> {
  const ticks = 100; // USER_HZ
  const byName = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cpu = (Number(fields[11]) + Number(fields[12])) / ticks;
      const key = tid === String(process.pid) ? "main" : name;
      byName.set(key, (byName.get(key) ?? 0) + cpu);
    } catch {
      // a thread gone meanwhile
    }
  }
  return byName;
}

async function main(): Promise<void> {
  const { sha, tarball, entries } = await prepare();
  const source: RepositorySource = {
    repository: "octo/big",
    getBranchHead: async () => ({ sha }),
    getTree: async () => ({ entries, truncated: false }),
    getBlob: () => Promise.reject(new Error("no blobs here")),
    getTarball: async () => createReadStream(tarball),
  };
  // Crossings: every message posted to a worker thread.
  let posted = 0;
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker["postMessage"]>) {
    posted++;
    return post.apply(this, args);
  };
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ["gc"] });

  // Memory while syncing: the largest of each figure, sampled every 10 ms (when the main thread lets the timer run).
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    for (const key of Object.keys(peak) as (keyof typeof peak)[]) peak[key] = Math.max(peak[key], now[key]);
  }, 10);
  sampler.unref();
  const baseline = process.memoryUsage();
  console.log(`before: rss ${round(baseline.rss / 1048576)} MB, heap ${round(baseline.heapUsed / 1048576)}/${round(baseline.heapTotal / 1048576)} MB, external ${round(baseline.external / 1048576)} MB`);
  const root = await mkdtemp(path.join(INTO, "sync-profile-"));
  const results: { sync: number; syncCpu: number; tar: number; tarCpu: number; posted: number; gc: number; threads: Map<string, number> }[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const ws = path.join(root, `ws-${r}`);
      const tx = path.join(root, `tar-${r}`);
      await mkdir(ws);
      await mkdir(tx);
      const result = { sync: 0, syncCpu: 0, tar: 0, tarCpu: 0, posted: 0, gc: 0, threads: new Map<string, number>() };
      const runSync = async () => {
        await run("sync");
        const before = threadCpu();
        const cpu = process.cpuUsage();
        posted = 0;
        gcMs = 0;
        const start = performance.now();
        const from = process.hrtime.bigint();
        await syncOnce({ branch: "main" }, { source, workspaceDir: ws, stateDir: path.join(root, `state-${r}`), workspaceId: "p", maxFileBytes: 64 << 20, concurrency: 16, fsThreads: THREADS });
        result.sync = performance.now() - start;
        // For `perf record -k CLOCK_MONOTONIC … ; perf report --time FROM,TO`: this run's window.
        if (process.env.PROFILE_WINDOWS) console.log(`window ${Number(from) / 1e9},${Number(process.hrtime.bigint()) / 1e9}`);
        const used = process.cpuUsage(cpu);
        result.syncCpu = (used.user + used.system) / 1000;
        result.posted = posted;
        result.gc = gcMs;
        for (const [name, seconds] of threadCpu()) result.threads.set(name, (seconds - (before.get(name) ?? 0)) * 1000);
      };
      const runTar = async () => {
        if (!WITH_TAR) return;
        await run("sync");
        const timing = path.join(root, "tar-time");
        const start = performance.now();
        await run("sh", ["-c", `/usr/bin/time -f "%U %S" -o "$3" tar -xzf "$1" -C "$2"`, "sh", tarball, tx, timing]);
        result.tar = performance.now() - start;
        const [user = 0, system = 0] = (await readFile(timing, "utf8")).trim().split(/\s+/).map(Number);
        result.tarCpu = (user + system) * 1000;
      };
      if (r % 2 === 0) await runSync().then(runTar);
      else await runTar().then(runSync);
      results.push(result);
      result.threads.set("fs threads running", getFsThreads(THREADS).running);
      const threads = [...result.threads].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${Math.round(v)}`).join(", ");
      console.log(
        `run ${r}: sync ${Math.round(result.sync)} ms (cpu ${Math.round(result.syncCpu)}, gc ${Math.round(result.gc)}, ${result.posted} messages; ${threads})` +
          (WITH_TAR ? ` | tar ${Math.round(result.tar)} ms (cpu ${Math.round(result.tarCpu)}) | wall ${round(result.sync / result.tar, 2)}× cpu ${round(result.syncCpu / result.tarCpu, 2)}×` : ""),
      );
      // On a disk, kept until the end: a mass delete slows the file creates that follow it (bench.ts, coldPairs).
      if (INTO === "/dev/shm") {
        await rm(ws, { recursive: true });
        await rm(tx, { recursive: true });
      }
    }
    const m = (f: (r: (typeof results)[number]) => number) => median(results.map(f));
    console.log(
      `median: sync ${Math.round(m((r) => r.sync))} ms, cpu ${Math.round(m((r) => r.syncCpu))} ms` +
        (WITH_TAR ? `; tar ${Math.round(m((r) => r.tar))} ms, cpu ${Math.round(m((r) => r.tarCpu))} ms; ratios wall ${round(m((r) => r.sync / r.tar), 3)}× cpu ${round(m((r) => r.syncCpu / r.tarCpu), 3)}×` : ""),
    );
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    console.log(`peaks while syncing (MB): ${Object.entries(peak).map(([k, v]) => `${k} ${round(v / 1048576)}`).join(", ")}`);
    console.log(`peak RSS of this process ${round(Number(hwm) / 1024)} MB; heap now ${round(process.memoryUsage().heapUsed / 1048576)} MB`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
