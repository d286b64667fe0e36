// One repository of the stand-in: a real bare repository, changed only through a work tree and `git push`,
// so every change runs the post-receive hook exactly as a developer's push would.
import { chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { resolveCommit } from "./git-objects.js";
import { GitError, runGit, runGitText } from "./git.js";

/** A collaborator's role, lowest first (GitHub's repository roles). */
export type Permission = "read" | "triage" | "write" | "maintain" | "admin";

const permissionRanks: Record<Permission, number> = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** Whether `role` is at least `level` (read < triage < write < maintain < admin). */
export function atLeast(role: Permission | undefined, level: Permission): boolean {
  return role !== undefined && permissionRanks[role] >= permissionRanks[level];
}

export interface CreateRepositoryOptions {
  private?: boolean;
  defaultBranch?: string;
  description?: string;
  /** Logins and their role; the owner (when it is a user) is always admin. */
  collaborators?: Record<string, Permission>;
}

/** A file's new content; `null` deletes it. */
export type FileChange =
  | string
  | Buffer
  | { content: string | Buffer; executable?: boolean }
  | { symlink: string }
  | { submodule: string }
  | null;

export interface CommitOptions {
  branch?: string;
  message?: string;
  /** Who GitHub reports as the pusher (default: the stand-in's user). */
  pusher?: string;
}

export interface RepositoryContext {
  id: number;
  root: string;
  hookScript: (fullName: string) => string;
}

export class StandInRepository {
  readonly owner: string;
  readonly name: string;
  readonly bareDir: string;
  readonly cloneUrl: string;
  readonly createdAt = new Date();
  pushedAt = new Date();
  private readonly workDir: string;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly id: number,
    readonly fullName: string,
    readonly isPrivate: boolean,
    readonly defaultBranch: string,
    readonly description: string | null,
    readonly collaborators: Record<string, Permission>,
    root: string,
  ) {
    [this.owner = "", this.name = ""] = fullName.split("/");
    this.bareDir = path.join(root, "repos", this.owner, `${this.name}.git`);
    this.workDir = path.join(root, "worktrees", this.owner, this.name);
    this.cloneUrl = pathToFileURL(this.bareDir).href;
  }

  static async create(fullName: string, options: CreateRepositoryOptions, context: RepositoryContext): Promise<StandInRepository> {
    const repo = new StandInRepository(
      context.id,
      fullName,
      options.private ?? false,
      options.defaultBranch ?? "main",
      options.description ?? null,
      { ...options.collaborators },
      context.root,
    );
    await mkdir(path.dirname(repo.bareDir), { recursive: true });
    await runGit(["init", "--bare", "--quiet", `--initial-branch=${repo.defaultBranch}`, repo.bareDir], { cwd: context.root });
    const hook = path.join(repo.bareDir, "hooks", "post-receive");
    await writeFile(hook, context.hookScript(fullName), { mode: 0o755 });
    await mkdir(path.dirname(repo.workDir), { recursive: true });
    await runGit(["init", "--quiet", `--initial-branch=${repo.defaultBranch}`, repo.workDir], { cwd: context.root });
    await runGit(["remote", "add", "origin", repo.bareDir], { cwd: repo.workDir });
    return repo;
  }

  /** Commits the changes on top of the branch (or the default branch, or nothing) and pushes. Returns the new SHA. */
  commit(changes: Record<string, FileChange>, options: CommitOptions = {}): Promise<string> {
    return this.serialize(async () => {
      const branch = options.branch ?? this.defaultBranch;
      await this.fetch();
      const base = (await this.remoteHead(branch)) ?? (await this.remoteHead(this.defaultBranch));
      await this.checkout(branch, base);
      await this.applyChanges(changes);
      return this.commitAndPush(branch, options, false);
    });
  }

  /**
   * Rewrites a branch: to an existing commit when `target` is a SHA or ref, else to a new commit with no
   * parent holding exactly `target`'s files (an unrelated history). Returns the branch's new SHA.
   */
  forcePush(target: string | Record<string, FileChange>, options: CommitOptions = {}): Promise<string> {
    return this.serialize(async () => {
      const branch = options.branch ?? this.defaultBranch;
      await this.fetch();
      if (typeof target === "string") {
        const sha = await resolveCommit(this.bareDir, target);
        if (!sha) throw new Error(`forcePush: ${target} is not a commit of ${this.fullName}`);
        await this.push(["--force", "origin", `${sha}:refs/heads/${branch}`], options);
        return sha;
      }
      await this.checkout(branch, undefined);
      await this.applyChanges(target);
      return this.commitAndPush(branch, options, true);
    });
  }

  deleteBranch(branch: string, options: Pick<CommitOptions, "pusher"> = {}): Promise<void> {
    return this.serialize(() => this.push(["origin", `:refs/heads/${branch}`], options));
  }

  /** Pushes a tag (annotated when a message is given) at `ref` (default: the default branch). Returns the tagged commit. */
  createTag(tag: string, options: { ref?: string; message?: string; pusher?: string } = {}): Promise<string> {
    return this.serialize(async () => {
      const sha = await resolveCommit(this.bareDir, options.ref ?? this.defaultBranch);
      if (!sha) throw new Error(`createTag: ${options.ref ?? this.defaultBranch} is not a commit of ${this.fullName}`);
      await this.fetch();
      const args = options.message === undefined ? ["tag", "-f", tag, sha] : ["tag", "-f", "-a", "-m", options.message, tag, sha];
      await runGit(args, { cwd: this.workDir });
      await this.push(["--force", "origin", `refs/tags/${tag}:refs/tags/${tag}`], options);
      return sha;
    });
  }

  deleteTag(tag: string, options: Pick<CommitOptions, "pusher"> = {}): Promise<void> {
    return this.serialize(() => this.push(["origin", `:refs/tags/${tag}`], options));
  }

  /** The branch's commit SHA; throws when the branch does not exist. */
  async headSha(branch: string = this.defaultBranch): Promise<string> {
    const sha = await this.remoteHeadIn(this.bareDir, `refs/heads/${branch}`);
    if (!sha) throw new Error(`${this.fullName} has no branch ${branch}`);
    return sha;
  }

  /**
   * The role a login has on this repository as owner or collaborator, or undefined (the owner is admin).
   * Organization owners' admin role comes on top of this: ask `StandInState.roleOn`.
   */
  permissionOf(login: string): Permission | undefined {
    if (login.toLowerCase() === this.owner.toLowerCase()) return "admin";
    const match = Object.entries(this.collaborators).find(([name]) => name.toLowerCase() === login.toLowerCase());
    return match?.[1];
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async fetch(): Promise<void> {
    await runGit(["fetch", "--quiet", "--prune", "--force", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], {
      cwd: this.workDir,
    });
  }

  private remoteHead(branch: string): Promise<string | undefined> {
    return this.remoteHeadIn(this.workDir, `refs/remotes/origin/${branch}`);
  }

  private async remoteHeadIn(cwd: string, ref: string): Promise<string | undefined> {
    try {
      return await runGitText(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd });
    } catch (error) {
      if (error instanceof GitError) return undefined;
      throw error;
    }
  }

  private async checkout(branch: string, base: string | undefined): Promise<void> {
    if (base) {
      await runGit(["checkout", "--quiet", "--force", "-B", branch, base], { cwd: this.workDir });
    } else {
      await runGit(["checkout", "--quiet", "--force", "--orphan", `stand-in-orphan-${Date.now()}`], { cwd: this.workDir });
      await runGit(["read-tree", "--empty"], { cwd: this.workDir });
    }
    await runGit(["clean", "-ffdxq"], { cwd: this.workDir });
  }

  private async applyChanges(changes: Record<string, FileChange>): Promise<void> {
    const submodules: string[] = [];
    for (const [relative, change] of Object.entries(changes)) {
      const file = this.workPath(relative);
      await rm(file, { recursive: true, force: true });
      if (change === null) continue;
      await mkdir(path.dirname(file), { recursive: true });
      if (typeof change === "string" || Buffer.isBuffer(change)) {
        await writeFile(file, change, { mode: 0o644 });
        await chmod(file, 0o644);
      } else if ("symlink" in change) {
        await symlink(change.symlink, file);
      } else if ("submodule" in change) {
        submodules.push(`160000,${change.submodule},${relative}`);
      } else {
        const mode = change.executable ? 0o755 : 0o644;
        await writeFile(file, change.content, { mode });
        await chmod(file, mode);
      }
    }
    await runGit(["add", "--all", "--force", "."], { cwd: this.workDir });
    for (const cacheinfo of submodules) {
      await runGit(["update-index", "--add", "--cacheinfo", cacheinfo], { cwd: this.workDir });
    }
  }

  private workPath(relative: string): string {
    const normalized = path.posix.normalize(relative);
    if (!relative || normalized.startsWith("../") || normalized === ".." || path.posix.isAbsolute(normalized) || normalized.split("/").includes(".git")) {
      throw new TypeError(`changes: "${relative}" is not a relative path inside the repository`);
    }
    return path.join(this.workDir, normalized);
  }

  private async commitAndPush(branch: string, options: CommitOptions, force: boolean): Promise<string> {
    await runGit(["commit", "--quiet", "--allow-empty", "--no-verify", "-m", options.message ?? "Update files"], { cwd: this.workDir });
    const sha = await runGitText(["rev-parse", "HEAD"], { cwd: this.workDir });
    await this.push([...(force ? ["--force"] : []), "origin", `HEAD:refs/heads/${branch}`], options);
    return sha;
  }

  private async push(args: string[], options: Pick<CommitOptions, "pusher">): Promise<void> {
    const env: NodeJS.ProcessEnv = options.pusher ? { STAND_IN_PUSHER: options.pusher } : {};
    await runGit(["push", "--quiet", ...args], { cwd: this.workDir, env });
    this.pushedAt = new Date();
  }
}
