// The funcspace-sync command against the stand-in, as a user runs it (a child process): exit codes, dry run,
// failures; and crash safety for real: the process is SIGKILLed at random points of its fetch and apply,
// then a second run must leave the folder identical to `git archive` of the commit (and, killed once its
// download was complete, download nothing again: test/sync-resume.test.ts has the exact kill points).
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { runSyncCli, syncCliArgs, type CliRun } from "./support/run-sync-cli.js";
import { archiveState, createSyncFixture, diffWorkspace, type SyncFixture } from "./support/sync-fixtures.js";

let fx: SyncFixture;
beforeAll(async () => {
  fx = await createSyncFixture();
});
afterAll(async () => {
  await fx.close();
});

/** Runs the CLI; `killWhen`: SIGKILL it `afterMs` after its stderr first matches `line`. */
function runCli(args: string[], options: { token?: string; killWhen?: { line: RegExp; afterMs: number } } = {}): Promise<CliRun> {
  let killWhen = options.killWhen;
  return runSyncCli(fx, args, {
    token: options.token,
    onStderr: (stderr, child) => {
      if (!killWhen?.line.test(stderr)) return;
      const { afterMs } = killWhen;
      killWhen = undefined;
      setTimeout(() => child.kill("SIGKILL"), afterMs);
    },
  });
}

const baseArgs = () => syncCliArgs(fx);

describe("funcspace-sync", () => {
  it("exits 0 when it changed the folder, 3 when nothing changed, and previews with --dry-run", async () => {
    const sha = await fx.repo.commit({ "a.txt": "a\n", "dir/b.txt": "b\n" });
    const first = await runCli(baseArgs());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^applied ${fx.repo.fullName}@main \\(none\\) -> ${sha.slice(0, 7)}: 2 added`));
    expect(first.stderr).toMatch(/^resolve\nplan\nfetch \(2 files\)\napply \(2 files\)\ndone/m);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root))).toEqual([]);

    const again = await runCli(baseArgs());
    expect(again.code).toBe(3);
    expect(again.stdout).toMatch(/^noop /);

    await fx.repo.commit({ "a.txt": null, "c.txt": "c\n" });
    const dry = await runCli([...baseArgs(), "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("+ c.txt\n");
    expect(dry.stdout).toContain("- a.txt\n");
    expect(await readdir(fx.workspaceDir)).toEqual(expect.arrayContaining(["a.txt"]));
  });

  it("names --max-file-bytes in its usage, with the host's MAX_FILE_BYTES default", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    const hostDefault = loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }, { profile: "local" }).maxFileBytes;
    expect(help.stdout).toContain(`--max-file-bytes N (default ${hostDefault}`);
  });

  it("exits 1 with GitHub's reason on a bad token and 2 on bad usage", async () => {
    const failed = await runCli(baseArgs(), { token: "ghp_revoked" });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/resolve: GitHub rejected the token .*401/);
    expect(failed.stderr).not.toContain("ghp_revoked");
    const usage = await runCli(["--repository", "nope", "--workspace", fx.workspaceDir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--repository must be owner/name");
  });

  it("converges after being killed at random points of fetch and apply", async () => {
    const kills: string[] = [];
    for (let round = 0; round < 4; round++) {
      // Each round rewrites, adds and deletes a few hundred files so the kill lands mid-way.
      const changes: Record<string, string | null> = {};
      for (let i = 0; i < 300; i++) {
        const name = `r/${i % 7}/f${i}.txt`;
        changes[name] = (i + round) % 5 === 0 ? null : randomBytes(200 + ((i * 37) % 900)).toString("hex");
      }
      const sha = await fx.repo.commit(changes);
      const phase = round % 2 === 0 ? /\nfetch/ : /\napply/;
      const afterMs = Math.floor(Math.random() * 40);
      const fetchMode = round < 2 ? "tarball" : "blobs";
      const killed = await runCli([...baseArgs(), "--fetch", fetchMode], { killWhen: { line: phase, afterMs } });
      kills.push(`${fetchMode} ${phase.source} +${afterMs}ms → ${killed.signal ?? `exit ${killed.code}`}`);
      const mark = fx.github.requests.length;
      const repaired = await runCli(baseArgs());
      expect([0, 3], `${kills.join("; ")}\n${repaired.stderr}`).toContain(repaired.code);
      // Killed once the download was complete (its apply had begun): the rerun resumes from what was staged
      // (or finds it applied) and downloads nothing again (issue 23).
      if (killed.signal === "SIGKILL" && phase.source === "\\napply") {
        const downloads = fx.github.requests.slice(mark).filter((r) => /\/tarball(\/|$)|\/_codeload\/|\/git\/blobs\//.test(r.path));
        expect(downloads, `${kills.join("; ")}\n${repaired.stdout}`).toEqual([]);
      }
      expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, sha, fx.root)), kills.join("; ")).toEqual([]);
      expect((await readdir(fx.workspaceDir)).filter((n) => n.startsWith(".funcspace-sync-"))).toEqual([]);
    }
    // At least one kill must have hit a running sync, or the test proved nothing.
    expect(kills.some((k) => k.includes("SIGKILL")), kills.join("; ")).toBe(true);
  }, 180_000);
});
