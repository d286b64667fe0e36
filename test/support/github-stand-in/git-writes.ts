// Writes to a bare repository's object database and refs, for the Git Data API: blobs, trees, commits and
// ref updates, each through git's own plumbing (hash-object, update-index + write-tree, commit-tree,
// update-ref), so what the stand-in stores is exactly what git would.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { GitError, runGit, runGitText } from "./git.js";

/** One file entry of a tree, flattened (git's index view): a blob or a gitlink at a full path. */
export interface FlatEntry {
  mode: string;
  type: "blob" | "commit";
  sha: string;
}

export interface Identity {
  name: string;
  email: string;
  /** ISO 8601. */
  date: string;
}

export async function writeBlob(bareDir: string, content: Buffer): Promise<string> {
  return runGitText(["hash-object", "-w", "--stdin", "--no-filters"], { cwd: bareDir, input: content });
}

/** Every file (blob or gitlink) of a tree, by full path: the view a new tree is edited in. */
export async function readFlatTree(bareDir: string, treeSha: string): Promise<Map<string, FlatEntry>> {
  const out = (await runGit(["ls-tree", "-r", "-z", "--full-tree", treeSha], { cwd: bareDir })).toString("utf8");
  const entries = new Map<string, FlatEntry>();
  for (const record of out.split("\0")) {
    if (!record) continue;
    const tab = record.indexOf("\t");
    const [mode = "", type = "", sha = ""] = record.slice(0, tab).split(" ");
    entries.set(record.slice(tab + 1), { mode, type: type as FlatEntry["type"], sha });
  }
  return entries;
}

/** Writes the tree holding exactly these files (a scratch index, then `write-tree`); returns its SHA. */
export async function writeFlatTree(bareDir: string, entries: Map<string, FlatEntry>): Promise<string> {
  const index = path.join(bareDir, `stand-in-index-${randomBytes(6).toString("hex")}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    const lines = [...entries].map(([file, entry]) => `${entry.mode} ${entry.sha} 0\t${file}\0`).join("");
    await runGit(["update-index", "--add", "-z", "--index-info"], { cwd: bareDir, env, input: lines });
    return await runGitText(["write-tree"], { cwd: bareDir, env });
  } finally {
    await rm(index, { force: true });
  }
}

export async function writeCommit(
  bareDir: string,
  commit: { tree: string; parents: string[]; message: string; author: Identity; committer: Identity },
): Promise<string> {
  const args = ["commit-tree", commit.tree, ...commit.parents.flatMap((parent) => ["-p", parent]), "-F", "-"];
  const env = {
    GIT_AUTHOR_NAME: commit.author.name,
    GIT_AUTHOR_EMAIL: commit.author.email,
    GIT_AUTHOR_DATE: commit.author.date,
    GIT_COMMITTER_NAME: commit.committer.name,
    GIT_COMMITTER_EMAIL: commit.committer.email,
    GIT_COMMITTER_DATE: commit.committer.date,
  };
  return runGitText(args, { cwd: bareDir, env, input: commit.message });
}

/**
 * Moves (or creates, `expectedOld` = the zero SHA) a ref only if it still points at `expectedOld`: git's own
 * compare-and-swap, so two API calls racing on one branch cannot both win. False when it moved meanwhile.
 */
export async function updateRef(bareDir: string, ref: string, newSha: string, expectedOld: string): Promise<boolean> {
  try {
    await runGit(["update-ref", "-m", "stand-in: git data api", ref, newSha, expectedOld], { cwd: bareDir });
    return true;
  } catch (error) {
    if (error instanceof GitError) return false;
    throw error;
  }
}

/** Deletes `ref` if it still names `expectedOld`; false when it moved meanwhile or is gone. */
export async function deleteRef(bareDir: string, ref: string, expectedOld: string): Promise<boolean> {
  try {
    await runGit(["update-ref", "-d", "-m", "stand-in: git data api", ref, expectedOld], { cwd: bareDir });
    return true;
  } catch (error) {
    if (error instanceof GitError) return false;
    throw error;
  }
}

/** The object a ref names (not peeled), or undefined. */
export async function readRef(bareDir: string, ref: string): Promise<string | undefined> {
  try {
    return await runGitText(["rev-parse", "--verify", "--quiet", ref], { cwd: bareDir });
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/** Whether `git check-ref-format` accepts the full ref name. */
export async function isValidRefName(bareDir: string, ref: string): Promise<boolean> {
  try {
    await runGit(["check-ref-format", ref], { cwd: bareDir });
    return true;
  } catch (error) {
    if (error instanceof GitError) return false;
    throw error;
  }
}

/** A repository without branches: GitHub refuses Git Data writes there (409 "Git Repository is empty."). */
export async function isEmptyRepository(bareDir: string): Promise<boolean> {
  return (await runGitText(["for-each-ref", "--count=1", "--format=%(refname)", "refs/heads"], { cwd: bareDir })) === "";
}
