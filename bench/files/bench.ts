// The workspace files API (issue 3), through the real local host against an in-memory Azurite:
//  1. open (GET) and save (PUT with If-Match) of a 10 KB file, p50/p99 over 1,000 operations each, next to
//     the same read and write done straight on the file system in this process (no HTTP, no guard, no hash).
//     Goal: p99 < 20 ms.
//  2. GET /api/workspace/zip of a 10 MB, 1,000-file workspace, median of 5, next to `zip -r` of the same tree
//     (`tar -czf` when zip is absent) and `cp -r`, in the same run and on the same disk. Goal: within 2× of zip.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { createServices } from "../../functions/services.js";
import { workspaceTriggers } from "../../functions/workspace.js";
import { startAzurite } from "../../local/azurite.js";
import { startLocalHost } from "../../local/local-host.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { machineLine, median, percentile, round, shouldWrite, table, writeSection } from "../support/report.js";

const OPERATIONS = Number(process.env.BENCH_OPERATIONS ?? 1000);
const ZIP_RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ZIP_FILES = 1000;
const ZIP_FOLDERS = 20;
const FILE_BYTES = 10 * 1024;

/** Source-like text (compresses like code does), different in every file. */
function sourceText(bytes: number, seed: number): string {
  const words = ["export", "const", "await", "workflow", "step", "return", "input", "output", "async", "function", "=>", "{", "}", ";"];
  let text = `// file ${seed} ${randomBytes(8).toString("hex")}\n`;
  let i = seed;
  while (text.length < bytes) {
    text += `${words[i % words.length]}${i % 7 === 0 ? "\n" : " "}`;
    i = (i * 31 + 7) % 1009;
  }
  return text.slice(0, bytes);
}

function time<T>(fn: () => Promise<T>): Promise<number> {
  const started = performance.now();
  return fn().then(() => performance.now() - started);
}

function run(command: string, args: string[], cwd: string): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr?.toString()}`);
  return performance.now() - started;
}

function hasCommand(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!.toFixed(1);
  const dir = await mkdtemp(path.join(tmpdir(), "fs-bench-files-"));
  // mkdtemp makes it 0700; the workflow runner's user (nobody, when the bench runs as root) must pass through it.
  await chmod(dir, 0o711);
  const azurite = await startAzurite();
  const workspaceDir = path.join(dir, "workspace");
  await mkdir(workspaceDir);
  await mkdir(path.join(dir, "tmp"));
  const config = loadConfig(
    { AzureWebJobsStorage: azurite.connectionString, WORKSPACE_DIR: workspaceDir, TEMP_DIR: path.join(dir, "tmp"), LOCAL_SECRETS_FILE: path.join(dir, "secrets.json"), LOG_LEVEL: "warn" },
    { profile: "local" },
  );
  const services = createServices(config, { logger: createLogger({ level: "warn" }) });
  await ensureStorageResources(services.storage);
  const host = await startLocalHost({ triggers: workspaceTriggers, services, port: 0, enableQueues: false, enableTimers: false });
  try {
    // 1. open and save.
    const content = sourceText(FILE_BYTES, 1);
    const url = `${host.url}/api/workspace/files/workflows/report.ts`;
    let etag = (await fetch(url, { method: "PUT", body: content })).headers.get("etag")!;
    for (let i = 0; i < 50; i++) await (await fetch(url)).text(); // warm-up
    const fsFile = path.join(dir, "fs-baseline.ts");
    await writeFile(fsFile, content);
    const open: number[] = [];
    const save: number[] = [];
    const fsRead: number[] = [];
    const fsWrite: number[] = [];
    // Interleaved with the baseline, so both see the same moments of a noisy machine.
    for (let i = 0; i < OPERATIONS; i++) {
      open.push(await time(async () => {
        const response = await fetch(url);
        await response.text();
        etag = response.headers.get("etag")!;
      }));
      fsRead.push(await time(() => readFile(fsFile, "utf8")));
      const next = `${content.slice(0, -8)}${String(i).padStart(8, "0")}`;
      save.push(await time(async () => {
        const response = await fetch(url, { method: "PUT", body: next, headers: { "if-match": etag } });
        if (response.status !== 200) throw new Error(`save answered ${response.status}`);
        await response.text();
      }));
      fsWrite.push(await time(async () => {
        await writeFile(`${fsFile}.tmp`, next);
        await rename(`${fsFile}.tmp`, fsFile);
      }));
    }

    // 2. zip of 1,000 files, 10 MB.
    await rm(path.join(workspaceDir, "workflows"), { recursive: true });
    for (let f = 0; f < ZIP_FOLDERS; f++) {
      await mkdir(path.join(workspaceDir, `folder-${f}`));
      await Promise.all(
        Array.from({ length: ZIP_FILES / ZIP_FOLDERS }, (_, i) =>
          writeFile(path.join(workspaceDir, `folder-${f}`, `file-${i}.ts`), sourceText(FILE_BYTES, f * 1000 + i)),
        ),
      );
    }
    const zipUrl = `${host.url}/api/workspace/zip`;
    let zipBytes = 0;
    zipBytes = (await (await fetch(zipUrl)).arrayBuffer()).byteLength; // warm-up (and page cache for all)
    const ours: number[] = [];
    const zipCli: number[] = [];
    const copy: number[] = [];
    const baseline = hasCommand("zip") ? "zip -r" : "tar -czf";
    const baselineArgs: [string, string[]] = hasCommand("zip") ? ["zip", ["-q", "-r", path.join(dir, "cli.zip"), "."]] : ["tar", ["-czf", path.join(dir, "cli.tgz"), "."]];
    for (let r = 0; r < ZIP_RUNS; r++) {
      ours.push(await time(async () => {
        const response = await fetch(zipUrl);
        let bytes = 0;
        const reader = response.body!.getReader();
        for (let next = await reader.read(); !next.done; next = await reader.read()) bytes += next.value.byteLength;
        zipBytes = bytes;
      }));
      await rm(path.join(dir, "cli.zip"), { force: true });
      await rm(path.join(dir, "cli.tgz"), { force: true });
      zipCli.push(run(baselineArgs[0], baselineArgs[1], workspaceDir));
      copy.push(run("cp", ["-r", workspaceDir, path.join(dir, `copy-${r}`)], dir));
      await rm(path.join(dir, `copy-${r}`), { recursive: true, force: true });
    }
    const cliBytes = (await readFile(path.join(dir, baseline === "zip -r" ? "cli.zip" : "cli.tgz"))).length;

    const o = stats(open);
    const s = stats(save);
    const r = stats(fsRead);
    const w = stats(fsWrite);
    const ms = (v: number) => round(v, 2);
    const openSave = table(
      ["operation (10 KB file)", "p50 ms", "p99 ms", "fs baseline p50 ms", "fs baseline p99 ms", "p99 goal", "met"],
      [
        ["open: GET /api/workspace/files/…", ms(o.p50), ms(o.p99), ms(r.p50), ms(r.p99), "< 20 ms", o.p99 < 20 ? "yes" : "**no**"],
        ["save: PUT with If-Match", ms(s.p50), ms(s.p99), ms(w.p50), ms(w.p99), "< 20 ms", s.p99 < 20 ? "yes" : "**no**"],
      ],
    );
    const oursMedian = median(ours);
    const cliMedian = median(zipCli);
    const zipTable = table(
      ["1,000 files, 10 MB", "median ms", "output", "ratio to " + baseline],
      [
        ["GET /api/workspace/zip (streamed, yazl)", round(oursMedian), `${round(zipBytes / 1e6, 2)} MB`, round(oursMedian / cliMedian, 2)],
        [`\`${baseline}\` (baseline)`, round(cliMedian), `${round(cliBytes / 1e6, 2)} MB`, 1],
        ["`cp -r` (baseline)", round(median(copy)), "-", round(median(copy) / cliMedian, 2)],
      ],
    );
    const markdown = [
      "## Workspace files API (`bench/files`)",
      "",
      `Open and save of a 10 KB file through the local host (HTTP, role check, path check, content hash; a save also runs the read-only guard — a listing of the connection markers, no Table read while not connected — hashes the current file for If-Match before and under the commit lock, and writes a temp file + rename), ${OPERATIONS} operations each, client and host in this process; the fs baseline is readFile / writeFile + rename of the same file in the same process.`,
      "",
      openSave,
      "",
      `Zip of a ${ZIP_FILES}-file, ${round((ZIP_FILES * FILE_BYTES) / 1e6, 1)} MB workspace (${ZIP_FOLDERS} folders), median of ${ZIP_RUNS}, downloaded and counted; baselines on the same tree in the same run. Goal: within 2× of \`${baseline}\` → ${oursMedian / cliMedian <= 2 ? "met" : "**not met**"}.`,
      "",
      zipTable,
      "",
      `${machineLine()} Load average (1 min) at the start: ${loadAtStart}, at the end: ${os.loadavg()[0]!.toFixed(1)}.`,
      "",
      "Run: `npx tsx bench/files/bench.ts` (`--write` updates this section; `BENCH_OPERATIONS`, `BENCH_RUNS` override the counts).",
    ].join("\n");
    console.log(markdown);
    if (shouldWrite) await writeSection("files", markdown);
  } finally {
    await host.close();
    await azurite.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
