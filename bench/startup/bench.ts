// Start-up time of `npm start` to a healthy /api/health (issue 2), median of 5, next to two baselines
// measured in the same run: Azurite alone to accepting connections (the floor we build on), and a bare
// `node` process answering one HTTP request (Node's own start-up).
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startAzurite } from "../../local/azurite.js";
import { machineLine, median, round, shouldWrite, table, writeSection } from "../support/report.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function timeNpmStart(): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), "fs-bench-start-"));
  // mkdtemp makes it 0700; the workflow runner's user (nobody, when the bench runs as root) must pass through it.
  await chmod(dir, 0o711);
  const started = performance.now();
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: "0",
      AZURITE_QUEUE_PORT: "0",
      AZURITE_TABLE_PORT: "0",
      AZURITE_LOCATION: path.join(dir, "azurite"),
      WORKSPACE_DIR: path.join(dir, "workspace"),
      TEMP_DIR: path.join(dir, "tmp"),
      LOCAL_SECRETS_FILE: path.join(dir, "secrets.json"),
      AzureWebJobsStorage: "",
      LOG_LEVEL: "warn",
    },
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start printed no URL:\n${output}`)), 60_000);
      child.stdout.on("data", (d: Buffer) => {
        output += d.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+)\/api\//.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    for (;;) {
      const response = await fetch(`${url}/api/health`).catch(() => undefined);
      if (response?.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return performance.now() - started;
  } finally {
    process.kill(-child.pid!, "SIGINT");
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

async function timeAzurite(): Promise<number> {
  const started = performance.now();
  const azurite = await startAzurite();
  const elapsed = performance.now() - started;
  await azurite.stop();
  return elapsed;
}

async function timeBareNode(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [
    "-e",
    "const s=require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',()=>console.log(s.address().port))",
  ]);
  const port = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())));
  await fetch(`http://127.0.0.1:${port}/`);
  const elapsed = performance.now() - started;
  child.kill();
  return elapsed;
}

const npmStart: number[] = [];
const azurite: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  // Interleaved so that machine noise hits all three alike.
  npmStart.push(await timeNpmStart());
  azurite.push(await timeAzurite());
  bare.push(await timeBareNode());
}

const rows = [
  ["`npm start` → healthy `/api/health`", round(median(npmStart)), round(Math.min(...npmStart)), round(Math.max(...npmStart)), "1.00"],
  ["baseline: Azurite alone → accepting", round(median(azurite)), round(Math.min(...azurite)), round(Math.max(...azurite)), round(median(npmStart) / median(azurite), 2)],
  ["baseline: bare `node` → first HTTP answer", round(median(bare)), round(Math.min(...bare)), round(Math.max(...bare)), round(median(npmStart) / median(bare), 2)],
];
const markdown = [
  "## Start-up (`bench/startup`)",
  "",
  machineLine(),
  `Runs: ${RUNS}, interleaved. Times in ms. Ratio = npm start median ÷ that row's median.`,
  "",
  table(["what", "median", "min", "max", "npm start ÷ this"], rows),
].join("\n");
console.log(markdown);
if (shouldWrite) await writeSection("startup", markdown);
