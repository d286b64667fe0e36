// The run worker pool on its own (real worker threads, real files): changed code is picked up by the next run
// through a new module generation, a worker is replaced after its last allowed generation, and a busy loop is
// stopped by terminating its thread.
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalThreads } from "../src/engine/run-threads.js";
import { WorkerPool } from "../src/engine/worker-pool.js";
import type { EngineWorker } from "../src/engine/engine-worker.js";
import { createLogger } from "../src/logger.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { createTempDir } from "./support/temp-dir.js";

let pool: WorkerPool | undefined;
let dir: Awaited<ReturnType<typeof createTempDir>> | undefined;
afterEach(async () => {
  await pool?.close();
  await dir?.cleanup();
});

const noLogs = () => undefined;

describe("WorkerPool", () => {
  it("runs the code on disk at every start and replaces a worker after maxGenerations", async () => {
    dir = await createTempDir();
    pool = new WorkerPool({ threads: createLocalThreads({ workspaceDir: dir.path, memoryLimitMb: 256 }), logger: createLogger({ level: "silent" }), maxGenerations: 3 });
    const file = path.join(dir.path, "w.ts");
    const seen: EngineWorker[] = [];
    for (let version = 1; version <= 7; version++) {
      await writeWorkspaceFile(dir.path, "_helper.ts", `export const helperVersion: number = ${version * 10};\n`);
      await writeWorkspaceFile(dir.path, "w.ts", `import { helperVersion } from "./_helper.ts";\nexport default { name: "w", run: () => [${version}, helperVersion] };\n`);
      const worker = await pool.acquire({ file });
      seen.push(worker);
      const outcome = await worker.run({ id: `r${version}`, file, workflow: "w", params: {}, tempDir: dir.path }, { timeoutInMs: 10_000, onLog: noLogs });
      expect(outcome).toEqual({ status: "succeeded", output: [version, version * 10] });
      expect(worker.loaded.get(path.join(dir.path, "_helper.ts"))).toBeDefined();
      pool.release(worker);
      expect(pool.size).toBeLessThanOrEqual(4);
    }
    // Generations 0, 1, 2 in the first thread, then a fresh one (the spare), and so on.
    expect(seen.map((w) => seen.indexOf(w))).toEqual([0, 0, 0, 3, 3, 3, 6]);
    expect(seen.map((w) => w.generation)).toEqual([2, 2, 2, 2, 2, 2, 0]);

    // Unchanged code: the same worker and generation again.
    const again = await pool.acquire({ file });
    expect(again).toBe(seen[6]);
    expect(again.generation).toBe(0);
    pool.release(again);
  }, 60_000);

  it("stops a busy loop by terminating its thread, and the pool carries on", async () => {
    dir = await createTempDir();
    pool = new WorkerPool({ threads: createLocalThreads({ workspaceDir: dir.path, memoryLimitMb: 256 }), logger: createLogger({ level: "silent" }) });
    await writeWorkspaceFile(dir.path, "spin.mjs", `export default { name: "spin", run() { for (;;) {} } };\n`);
    const file = path.join(dir.path, "spin.mjs");
    const worker = await pool.acquire({ file });
    const started = Date.now();
    const outcome = await worker.run({ id: "spin", file, workflow: "spin", params: {}, tempDir: dir.path }, { timeoutInMs: 300, onLog: noLogs });
    expect(outcome).toEqual({ status: "timed_out" });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(worker.exited).toBe(true);
    pool.release(worker);
    const next = await pool.acquire({ file });
    expect(next).not.toBe(worker);
    expect(next.exited).toBe(false);
    pool.release(next);
  }, 30_000);
});

describe("WorkerPool through a symlinked workspace", () => {
  it("tracks and reloads files when WORKSPACE_DIR is a symlink to the real folder", async () => {
    dir = await createTempDir();
    const { mkdir, symlink } = await import("node:fs/promises");
    await mkdir(path.join(dir.path, "real"));
    await symlink(path.join(dir.path, "real"), path.join(dir.path, "link"));
    const workspaceDir = path.join(dir.path, "link");
    pool = new WorkerPool({ threads: createLocalThreads({ workspaceDir, memoryLimitMb: 256 }), logger: createLogger({ level: "silent" }) });
    const file = path.join(workspaceDir, "w.ts");
    for (const version of [1, 2]) {
      await writeWorkspaceFile(workspaceDir, "w.ts", `const v: number = ${version};\nawait Promise.resolve();\nexport default { name: "w", run: () => v };\n`);
      const worker = await pool.acquire({ file });
      const outcome = await worker.run({ id: `s${version}`, file, workflow: "w", params: {}, tempDir: dir.path }, { timeoutInMs: 10_000, onLog: noLogs });
      expect(outcome).toEqual({ status: "succeeded", output: version });
      expect([...worker.loaded.keys()]).toEqual([path.join(dir.path, "real", "w.ts")]);
      pool.release(worker);
    }
  }, 30_000);
});
