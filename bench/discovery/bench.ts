// Discovery on a big workspace (issue 20, item 3: discovery follows imports). The catalog lists a workspace of
// 500 workflows in 20 folders; each workflow imports its folder's helper, which imports a shared one, beside
// 2,000 other files. Figures, each the median of repeated listings by one catalog with its run threads in
// this process (the listing's own work is the platform's; only imports go to a thread):
//  1. a listing where nothing changed: the walk, plus one stat per imported file (each once, however many
//     workflows share it), next to the walk alone (findWorkflowFiles: all that such a listing did before);
//  2. after one workflow, one folder's helper (25 dependents) or the shared helper (all 500) changed: the
//     listing and how many files it imported;
//  3. the first listing (every file imported).
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { createLocalThreads } from "../../src/engine/run-threads.js";
import { findWorkflowFiles } from "../../src/engine/find-workflow-files.js";
import { WorkflowCatalog } from "../../src/engine/workflow-catalog.js";
import { WorkerPool } from "../../src/engine/worker-pool.js";
import { createLogger } from "../../src/logger.js";
import { machineLine, median, round, shouldWrite, table, writeSection } from "../support/report.js";

const FOLDERS = 20;
const PER_FOLDER = Number(process.env.BENCH_PER_FOLDER ?? 25);
const OTHER_FILES = 2000;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 30);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 5);
const IO_CONCURRENCY = 16;

async function createWorkspace(dir: string): Promise<void> {
  await mkdir(path.join(dir, "_shared"), { recursive: true });
  await writeFile(path.join(dir, "_shared/_base.ts"), `export const base = (text: string) => "[" + text + "]";\n`);
  for (let f = 0; f < FOLDERS; f++) {
    const folder = path.join(dir, `team-${f}`);
    await mkdir(path.join(folder, "data"), { recursive: true });
    await writeFile(path.join(folder, "_lib.ts"), `import { base } from "../_shared/_base.ts";\nexport const label = (n: number) => base("team-${f}-" + n);\n`);
    for (let w = 0; w < PER_FOLDER; w++) {
      await writeFile(
        path.join(folder, `flow-${w}.ts`),
        `import { defineWorkflow } from "funcspace";\nimport { label } from "./_lib.ts";\n\n` +
          `export default defineWorkflow({\n  name: "t${f}-w${w}",\n  description: label(${w}),\n` +
          `  parameters: { who: { type: "string", required: true } },\n  async run({ who }) { return { who, label: label(${w}) }; },\n});\n`,
      );
    }
    for (let d = 0; d < OTHER_FILES / FOLDERS; d++) await writeFile(path.join(folder, "data", `record-${d}.json`), `{"n": ${d}}\n`);
  }
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Gives a file a new mtime (its content as it is): a save of the same bytes. */
async function touch(file: string, step: number): Promise<void> {
  const at = new Date(Date.now() + step * 1000);
  await utimes(file, at, at);
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!.toFixed(1);
  const root = await mkdtemp(path.join(tmpdir(), "fs-bench-discovery-"));
  const workspaceDir = path.join(root, "workspace");
  await createWorkspace(workspaceDir);
  const logger = createLogger({ level: "warn" });
  const pool = new WorkerPool({ threads: createLocalThreads({ workspaceDir, memoryLimitMb: 512 }), logger });
  const catalog = new WorkflowCatalog({ workspaceDir, pool, ioConcurrency: IO_CONCURRENCY });
  const workflows = FOLDERS * PER_FOLDER;
  try {
    const cold = await time(() => catalog.list());
    const first = await catalog.list();
    if (first.workflows.length !== workflows || first.errors.length > 0) {
      throw new Error(`expected ${workflows} workflows and no errors, got ${first.workflows.length} and ${JSON.stringify(first.errors[0])}`);
    }

    // 1. Nothing changed, interleaved with the walk alone.
    const walk: number[] = [];
    const unchanged: number[] = [];
    const importsBefore = catalog.importCount;
    for (let i = 0; i < REPEATS; i++) {
      walk.push(await time(() => findWorkflowFiles(workspaceDir, { concurrency: IO_CONCURRENCY })));
      unchanged.push(await time(() => catalog.list()));
    }
    if (catalog.importCount !== importsBefore) throw new Error("a listing with nothing changed imported files");

    // 2. One change of each kind, several times each.
    const changes = [
      { what: "one workflow file", file: "team-3/flow-7.ts", dependents: 1 },
      { what: "one folder's helper (team-3/_lib.ts)", file: "team-3/_lib.ts", dependents: PER_FOLDER },
      { what: "the shared helper (_shared/_base.ts)", file: "_shared/_base.ts", dependents: workflows },
    ];
    const changed = [];
    let step = 1;
    for (const change of changes) {
      const times: number[] = [];
      const imports: number[] = [];
      for (let i = 0; i < CHANGES; i++) {
        await touch(path.join(workspaceDir, change.file), step++);
        const before = catalog.importCount;
        times.push(await time(() => catalog.list()));
        imports.push(catalog.importCount - before);
      }
      if (imports.some((n) => n !== change.dependents)) throw new Error(`${change.what}: imported ${imports.join(", ")}, expected ${change.dependents} each time`);
      changed.push({ ...change, ms: median(times), imports: median(imports) });
    }

    const rows = [
      ["listing, nothing changed: walk + stat of the 21 imported files, median ms", round(median(unchanged), 2), ""],
      ["baseline: the walk alone (findWorkflowFiles, what such a listing did before), median ms", round(median(walk), 2), ""],
      [
        "the import graph's share: listing − walk, median of the interleaved pairs, ms (listing ÷ walk)",
        `${round(median(unchanged.map((ms, i) => ms - walk[i]!)), 2)} (${round(median(unchanged.map((ms, i) => ms / walk[i]!)), 2)}×)`,
        "",
      ],
      ...changed.map((c) => [`listing after a change to ${c.what}, median ms`, round(c.ms, 1), `${c.imports} imported`]),
      ["first listing (every file imported), ms", round(cold, 0), `${workflows} imported`],
    ];
    const markdown = [
      "### Workflow discovery (`bench/discovery`)",
      "",
      `${machineLine()} Load average (1 min) ${loadAtStart} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end.`,
      `A workspace of ${workflows} workflows in ${FOLDERS} folders (each imports its folder's \`_lib.ts\`, which imports \`_shared/_base.ts\`) and ${OTHER_FILES} other files, on the local disk; one \`WorkflowCatalog\` with its run threads in the bench's process, IO concurrency ${IO_CONCURRENCY}. Listings with nothing changed: ${REPEATS}, interleaved with the walk alone; each change ${CHANGES} times (a new mtime, same bytes).`,
      "",
      table(["measure", "value", "files imported"], rows),
      "",
      "A listing imports a file again when it, or a workspace file it imports (directly or not), changed, or when a file appeared where one of its imports found none: the import graph comes from the run thread's module hooks, so a listing with nothing changed costs one stat per imported file on top of the walk, and a change imports only its dependents.",
      "",
      "Run: `npx tsx bench/discovery/bench.ts`; `--write` updates this section; `BENCH_PER_FOLDER`, `BENCH_REPEATS`, `BENCH_CHANGES` override the counts.",
    ].join("\n");
    console.log(markdown);
    if (shouldWrite) await writeSection("discovery", markdown);
  } finally {
    await pool.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
