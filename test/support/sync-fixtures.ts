// Fixtures for the sync engine's tests: a stand-in repository with a token, a workspace and a state folder,
// the engine's real GitHub source, and the oracle every test compares against: `git archive` of the commit
// extracted by `tar` (the reference for "the workspace equals the repository at that commit").
import { execFile } from "node:child_process";
import { lstat, mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { createRepositorySource } from "../../github-app/repository-source.js";
import type { RepositorySource } from "../../src/sync/repository-source.js";
import type { SyncDeps } from "../../src/sync/sync-once.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./github-stand-in/index.js";
import { createTempDir } from "./temp-dir.js";

const run = promisify(execFile);

export interface SyncFixture {
  github: GitHubStandIn;
  repo: StandInRepository;
  token: string;
  workspaceDir: string;
  stateDir: string;
  root: string;
  source: RepositorySource;
  deps(overrides?: Partial<SyncDeps>): SyncDeps;
  close(): Promise<void>;
}

export async function createSyncFixture(options: { fullName?: string; github?: GitHubStandIn; /** Where the workspace goes (an SMB share); default: the temp folder. */ workspaceDir?: string } = {}): Promise<SyncFixture> {
  const github = options.github ?? (await startGitHubStandIn());
  const fullName = options.fullName ?? `octo-user/repo-${Math.random().toString(36).slice(2, 8)}`;
  const repo = await github.createRepository(fullName, { private: true });
  const token = `ghp_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  github.addToken(token, { type: "classic", scopes: ["repo"] });
  const temp = await createTempDir("funcspace-sync-");
  const workspaceDir = options.workspaceDir ?? path.join(temp.path, "workspace");
  const stateDir = path.join(temp.path, "state");
  if (!options.workspaceDir) await mkdir(workspaceDir);
  const source = createRepositorySource({ apiUrl: github.apiUrl, getToken: async () => token, owner: repo.owner, repo: repo.name, retries: 2 });
  return {
    github,
    repo,
    token,
    workspaceDir,
    stateDir,
    root: temp.path,
    source,
    deps: (overrides = {}) => ({ source, workspaceDir, stateDir, workspaceId: "default", maxFileBytes: 10 * 1024 * 1024, concurrency: 8, fsThreads: 2, ...overrides }),
    async close() {
      if (!options.github) await github.close();
      await temp.cleanup();
    },
  };
}

export interface FileState {
  content: Buffer;
  executable: boolean;
}

/** Every regular file under `dir` (relative path → bytes, exec bit), every folder, and anything else found. */
export async function readTreeState(dir: string, options: { ignoreRoot?: string[] } = {}): Promise<{ files: Map<string, FileState>; dirs: Set<string>; others: string[] }> {
  const files = new Map<string, FileState>();
  const dirs = new Set<string>();
  const others: string[] = [];
  const walk = async (relative: string) => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      if (!relative && options.ignoreRoot?.includes(entry.name)) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const absolute = path.join(dir, child);
      const stats = await lstat(absolute);
      if (stats.isDirectory()) {
        dirs.add(child);
        await walk(child);
      } else if (stats.isFile()) {
        files.set(child, { content: await readFile(absolute), executable: (stats.mode & 0o100) !== 0 });
      } else {
        others.push(child);
      }
    }
  };
  await walk("");
  return { files, dirs, others };
}

/**
 * The oracle: `git archive <sha>` of the bare repository extracted by `tar` into a fresh folder, minus what
 * the engine deliberately does not keep (symlinks, which Azure Files cannot store, and the folders that only
 * held them).
 */
export async function archiveState(repo: StandInRepository, sha: string, scratchDir: string): Promise<Map<string, FileState>> {
  const into = path.join(scratchDir, `archive-${sha}-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(into, { recursive: true });
  await run("sh", ["-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "sh", repo.bareDir, sha, into], { maxBuffer: 1 << 26 });
  return (await readTreeState(into)).files;
}

/**
 * The files of `ref` in the repository as a client gets them: a real `git fetch` of the ref into a fresh scratch
 * clone, then each file of its tree with its executable bit (a pull request's branch, checked against the oracle).
 */
export async function fetchedState(repo: StandInRepository, ref: string, scratchDir: string): Promise<Map<string, FileState>> {
  const clone = path.join(scratchDir, `clone-${Math.random().toString(36).slice(2, 8)}`);
  await run("git", ["init", "-q", clone]);
  await run("git", ["-C", clone, "fetch", "-q", repo.bareDir, `${ref}:refs/remotes/fetched`]);
  const listing = (await run("git", ["-C", clone, "ls-tree", "-r", "refs/remotes/fetched"], { maxBuffer: 1 << 24 })).stdout.trim().split("\n");
  const files = new Map<string, FileState>();
  for (const line of listing.filter(Boolean)) {
    const [meta = "", file = ""] = line.split("\t");
    const [mode = "", , sha = ""] = meta.split(" ");
    const content = (await run("git", ["-C", clone, "cat-file", "blob", sha], { encoding: "buffer", maxBuffer: 1 << 24 })).stdout as unknown as Buffer;
    files.set(file, { content, executable: mode === "100755" } as FileState);
  }
  return files;
}

/**
 * The oracle minus what no case-insensitive share can hold twice: of the paths that are one name under case
 * folding (the file or any folder on its way), the first in byte order stays (ASCII folding is enough for
 * the names the tests use; the engine's own rule is src/workspace/share-names.ts).
 */
export function withoutCaseTwins(files: Map<string, FileState>): Map<string, FileState> {
  const taken = new Map<string, string>();
  const kept = new Map<string, FileState>();
  for (const p of [...files.keys()].sort()) {
    const segments = p.split("/");
    const prefixes = segments.map((_, i) => ({ spelling: segments.slice(0, i + 1).join("/"), folder: i < segments.length - 1 }));
    const clash = prefixes.some(({ spelling, folder }) => {
      const seen = taken.get(spelling.toUpperCase());
      return seen !== undefined && (seen !== `${folder}:${spelling}` || !folder);
    });
    if (clash) continue;
    for (const { spelling, folder } of prefixes) taken.set(spelling.toUpperCase(), `${folder}:${spelling}`);
    kept.set(p, files.get(p)!);
  }
  return kept;
}

/** Asserts-friendly diff: the paths that differ between the workspace and the oracle, with why. */
export async function diffWorkspace(workspaceDir: string, expected: Map<string, FileState>, options: { /** false on a share that keeps no modes */ modes?: boolean } = {}): Promise<string[]> {
  const actual = await readTreeState(workspaceDir);
  const problems: string[] = [];
  for (const [p, want] of expected) {
    const got = actual.files.get(p);
    if (!got) problems.push(`missing ${p}`);
    else if (!got.content.equals(want.content)) problems.push(`content ${p}`);
    else if (options.modes !== false && got.executable !== want.executable) problems.push(`mode ${p}`);
  }
  for (const p of actual.files.keys()) if (!expected.has(p)) problems.push(`extra ${p}`);
  for (const p of actual.others) problems.push(`other ${p}`);
  // No folder may be left that holds no expected file (rsync --delete leaves none; git has no empty folders).
  const needed = new Set<string>();
  for (const p of expected.keys()) for (let d = path.posix.dirname(p); d !== "."; d = path.posix.dirname(d)) needed.add(d);
  for (const d of actual.dirs) if (!needed.has(d)) problems.push(`extra folder ${d}`);
  return problems.sort();
}
