// Read-only questions about a bare repository, answered by `git` plumbing.
import { GitError, runGit, runGitText } from "./git.js";

export const ZERO_SHA = "0000000000000000000000000000000000000000";

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
  path: string;
}

const safeRef = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/+@-]+$/;

/**
 * Resolves what GitHub accepts as `{ref}`: a branch, a tag, a (short) commit SHA, or a full `refs/...` name.
 * Branches win over tags, as on GitHub. Returns the commit SHA, or undefined when nothing matches.
 */
export async function resolveCommit(bareDir: string, ref: string): Promise<string | undefined> {
  if (!safeRef.test(ref)) return undefined;
  const candidates = ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  if (/^[0-9a-f]{4,40}$/i.test(ref)) candidates.push(ref);
  for (const candidate of candidates) {
    try {
      return await runGitText(["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`], { cwd: bareDir });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
    }
  }
  return undefined;
}

/** Resolves a tree-ish (commit or tree SHA, or a ref) to a tree SHA. */
export async function resolveTree(bareDir: string, treeish: string): Promise<string | undefined> {
  if (!safeRef.test(treeish)) return undefined;
  const commit = await resolveCommit(bareDir, treeish);
  try {
    return await runGitText(["rev-parse", "--verify", "--quiet", `${commit ?? treeish}^{tree}`], { cwd: bareDir });
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

export async function readCommit(bareDir: string, sha: string): Promise<CommitInfo> {
  const format = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x00");
  const out = (await runGit(["show", "-s", "--no-color", `--format=${format}`, sha, "--"], { cwd: bareDir })).toString("utf8");
  const [hash = "", tree = "", parents = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", ...rest] = out.split("\0");
  return {
    sha: hash,
    tree,
    parents: parents ? parents.split(" ") : [],
    author: { name: an, email: ae, date: toGitHubDate(ad) },
    committer: { name: cn, email: ce, date: toGitHubDate(cd) },
    message: rest.join("\0").replace(/\n+$/, ""),
  };
}

/** GitHub prints timestamps in UTC without milliseconds. */
export function toGitHubDate(value: string | Date): string {
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `git ls-tree -l -z` (with `-r -t` when recursive): the entries GitHub's tree API lists, in git's order. */
export async function listTree(bareDir: string, treeSha: string, recursive: boolean): Promise<TreeEntry[]> {
  const args = ["ls-tree", "-l", "-z", "--full-tree"];
  if (recursive) args.push("-r", "-t");
  const out = (await runGit([...args, treeSha], { cwd: bareDir })).toString("utf8");
  const entries: TreeEntry[] = [];
  for (const record of out.split("\0")) {
    if (!record) continue;
    const tab = record.indexOf("\t");
    const [mode = "", type = "", sha = "", size = "-"] = record.slice(0, tab).split(/ +/);
    const entry: TreeEntry = { mode, type: type as TreeEntry["type"], sha, path: record.slice(tab + 1) };
    if (type === "blob") entry.size = Number(size.trim());
    entries.push(entry);
  }
  return entries;
}

/** Every branch and the commit it points at, from `git for-each-ref` (sorted by name, byte order, as GitHub lists them). */
export async function listBranches(bareDir: string): Promise<{ name: string; sha: string }[]> {
  const out = await runGitText(["for-each-ref", "--sort=refname", "--format=%(objectname) %(refname)", "refs/heads"], { cwd: bareDir });
  return out
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const space = line.indexOf(" ");
      return { sha: line.slice(0, space), name: line.slice(space + 1).replace(/^refs\/heads\//, "") };
    });
}

/** Type and size of an object, or undefined when the repository does not have it. */
export async function inspectObject(bareDir: string, sha: string): Promise<{ type: string; size: number } | undefined> {
  if (!/^[0-9a-f]{40}$/i.test(sha)) return undefined;
  const out = await runGitText(["cat-file", "--batch-check"], { cwd: bareDir, input: `${sha}\n` });
  const [, type = "missing", size = "0"] = out.split(" ");
  return type === "missing" ? undefined : { type, size: Number(size) };
}

export async function isAncestor(bareDir: string, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await runGit(["merge-base", "--is-ancestor", ancestor, descendant], { cwd: bareDir });
    return true;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return false;
    throw error;
  }
}
