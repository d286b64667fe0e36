// The stand-in's only way to touch repositories: the real `git` CLI, run without a shell.
import { execFile, spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

export interface RunGitOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
}

/** A fixed identity and no user config: commits and archives are the same on every machine. */
const baseEnv: NodeJS.ProcessEnv = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Stand-in Author",
  GIT_AUTHOR_EMAIL: "author@stand-in.test",
  GIT_COMMITTER_NAME: "Stand-in Committer",
  GIT_COMMITTER_EMAIL: "committer@stand-in.test",
};

export class GitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "GitError";
  }
}

export function runGit(args: string[], options: RunGitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      { cwd: options.cwd, env: { ...process.env, ...baseEnv, ...options.env }, encoding: "buffer", maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === "number" ? error.code : null;
          reject(new GitError(`git ${args[0]} failed: ${stderr.toString().trim() || error.message}`, code, stderr.toString()));
        } else {
          resolve(stdout);
        }
      },
    );
    if (options.input !== undefined) {
      // git may exit before reading its input (a bad object, a repository removed by a finished test): the
      // EPIPE is not the error to report, the exit status above is. Unheard, it would crash the test process.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(options.input);
    }
  });
}

export async function runGitText(args: string[], options: RunGitOptions): Promise<string> {
  return (await runGit(args, options)).toString("utf8").trim();
}

/** Streams a git command's stdout (archives, blobs): nothing is buffered whole. */
export function spawnGit(args: string[], options: { cwd: string }): ChildProcessByStdio<null, Readable, Readable> {
  return spawn("git", args, { cwd: options.cwd, env: { ...process.env, ...baseEnv }, stdio: ["ignore", "pipe", "pipe"] });
}
