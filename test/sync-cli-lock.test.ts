// Two funcspace-sync runs on one folder (real child processes): the second waits for the first's lock file
// and then syncs the branch head as it is then, or refuses at once with --wait-lock 0; a lock left by a
// killed run does not block the next one.
import { spawn } from "node:child_process";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FOLDER_LOCK_NAME } from "../src/sync/folder-lock.js";
import { runSyncCli, syncCliArgs, type CliRun } from "./support/run-sync-cli.js";
import { archiveState, createSyncFixture, diffWorkspace, type SyncFixture } from "./support/sync-fixtures.js";

let fx: SyncFixture;
beforeAll(async () => {
  fx = await createSyncFixture();
});
afterAll(async () => {
  await fx.close();
});
afterEach(() => fx.github.faults.reset());

function startCli(args: string[], onStderr?: (text: string) => void): Promise<CliRun> {
  return runSyncCli(fx, args, { onStderr });
}

/** Resolves once `stderr` of a run matches `line`. */
function stderrMatcher(line: RegExp): { seen: Promise<void>; onStderr: (text: string) => void } {
  let resolve!: () => void;
  const seen = new Promise<void>((r) => (resolve = r));
  return { seen, onStderr: (text) => line.test(text) && resolve() };
}

const args = (...extra: string[]) => syncCliArgs(fx, "--fetch", "blobs", ...extra);
const lockPresent = () => access(path.join(fx.workspaceDir, FOLDER_LOCK_NAME)).then(() => true, () => false);

describe("funcspace-sync's folder lock", () => {
  it("makes a second run wait for the first, then sync the newer commit; both exit 0", async () => {
    const older = await fx.repo.commit({ "a.txt": "old a\n", "old-only.txt": "gone in the newer commit\n" });
    // The first run's downloads stall, so the branch moves while it holds the lock.
    // Long enough for a second CLI to start on a loaded machine (tsx and the SDKs take seconds to load).
    fx.github.faults.addLatency({ path: /\/git\/blobs\//, ms: 8_000, count: 2 });
    const fetching = stderrMatcher(/^fetch/m);
    const first = startCli(args(), fetching.onStderr);
    await fetching.seen;
    expect(await lockPresent()).toBe(true);
    const newer = await fx.repo.commit({ "a.txt": "new a\n", "old-only.txt": null, "new-only.txt": "only in the newer commit\n" });
    const waiting = stderrMatcher(/waiting for the sync already running/);
    const second = startCli(args(), waiting.onStderr);
    // Fails with the runs' output (not a hang) if the first run ended before the second saw its lock.
    await Promise.race([waiting.seen, first.then((run) => Promise.reject(new Error(`the first run ended before the second waited:\n${run.stderr}`)))]);
    const [one, two] = await Promise.all([first, second]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`-> ${older.slice(0, 7)}`);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toMatch(new RegExp(`waiting for the sync already running in .* \\(pid \\d+ on .+, since `));
    expect(two.stdout).toContain(`${older.slice(0, 7)} -> ${newer.slice(0, 7)}`);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, newer, fx.root))).toEqual([]);
    expect(await lockPresent()).toBe(false);
  }, 120_000);

  it("refuses at once with --wait-lock 0, naming the holder, and changes nothing", async () => {
    const before = await fx.repo.commit({ "b.txt": "b1\n" });
    fx.github.faults.addLatency({ path: /\/git\/blobs\//, ms: 8_000, count: 1 });
    const fetching = stderrMatcher(/^fetch/m);
    const first = startCli(args(), fetching.onStderr);
    await fetching.seen;
    const refused = await startCli(args("--wait-lock", "0"));
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/Another funcspace-sync \(pid \d+ on .+, since .+\) is syncing .+ run again when it has finished/);
    expect(refused.stdout).toBe("");
    expect((await first).code).toBe(0);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, before, fx.root))).toEqual([]);
  }, 120_000);

  it("breaks the lock of a run that died on this host, and refuses a live holder's", async () => {
    const sha = await fx.repo.commit({ "c.txt": "c\n" });
    const dead = spawn(process.execPath, ["-e", ""]);
    const deadPid = await new Promise<number>((resolve) => dead.on("exit", () => resolve(dead.pid!)));
    const { hostname } = await import("node:os");
    const lockFile = path.join(fx.workspaceDir, FOLDER_LOCK_NAME);
    await writeFile(lockFile, JSON.stringify({ host: hostname(), pid: deadPid, token: "dead", since: "2026-01-01T00:00:00.000Z" }));
    const run = await startCli(args("--wait-lock", "0"));
    expect(run.code, run.stderr).toBe(0);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root))).toEqual([]);
    // A live holder (this test process) is not broken.
    await writeFile(lockFile, JSON.stringify({ host: hostname(), pid: process.pid, token: "live", since: "2026-01-01T00:00:00.000Z" }));
    const refused = await startCli(args("--wait-lock", "0"));
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toContain(`pid ${process.pid}`);
    expect(JSON.parse(await readFile(lockFile, "utf8"))).toMatchObject({ token: "live" });
  }, 120_000);
});
