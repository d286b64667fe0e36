// The funcspace-sync command as a user runs it against a sync fixture: a child process with the fixture's token
// and the stand-in's API URL in its environment, its output gathered. `onStderr` sees stderr as it grows, to act
// at a phase of the run (kill it, start a second run while it holds the lock).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SyncFixture } from "./sync-fixtures.js";

const CLI = fileURLToPath(new URL("../../bin/funcspace-sync.js", import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunSyncCliOptions {
  /** GITHUB_TOKEN (default: the fixture's). */
  token?: string;
  /** Called with all of stderr so far, on every chunk. */
  onStderr?: (stderr: string, child: ChildProcess) => void;
}

export function runSyncCli(fx: SyncFixture, args: string[], options: RunSyncCliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, GITHUB_TOKEN: options.token ?? fx.token, GITHUB_API_URL: fx.github.apiUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `--repository`, `--branch main`, `--workspace` and `--state-dir` of the fixture, then `extra`. */
export function syncCliArgs(fx: SyncFixture, ...extra: string[]): string[] {
  return ["--repository", fx.repo.fullName, "--branch", "main", "--workspace", fx.workspaceDir, "--state-dir", fx.stateDir, ...extra];
}

const KILLED_AT = fileURLToPath(new URL("./sync-killed-at.ts", import.meta.url));

/**
 * The engine in a child process that SIGKILLs itself at `killAt` (see sync-killed-at.ts): `apply` (download
 * complete, nothing renamed) or `fetch:<k>` (k files staged). Resolves once it is gone.
 */
export function runSyncKilledAt(
  fx: Pick<SyncFixture, "token" | "github" | "repo" | "workspaceDir" | "stateDir">,
  killAt: string,
  options: { fetch?: "auto" | "blobs" | "tarball" } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", KILLED_AT], {
      env: {
        ...process.env,
        GITHUB_TOKEN: fx.token,
        GITHUB_API_URL: fx.github.apiUrl,
        SYNC_REPOSITORY: fx.repo.fullName,
        SYNC_WORKSPACE: fx.workspaceDir,
        SYNC_STATE_DIR: fx.stateDir,
        SYNC_FETCH: options.fetch ?? "auto",
        SYNC_KILL_AT: killAt,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
