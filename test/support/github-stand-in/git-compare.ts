// How two commits relate, as GitHub's compare and pull request endpoints report it, answered by git:
// merge base, ahead/behind counts, the commits in between, and the files changed since the merge base.
import { GitError, runGit, runGitText } from "./git.js";

export interface Relation {
  mergeBase: string;
  /** Commits in head that base lacks. */
  aheadBy: number;
  /** Commits in base that head lacks. */
  behindBy: number;
  status: "identical" | "ahead" | "behind" | "diverged";
}

export interface ChangedFile {
  filename: string;
  previousFilename?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed";
  /** The blob in head (for a removed file: the blob that was removed). */
  sha: string;
  additions: number;
  deletions: number;
}

/** Undefined when the histories share no commit. */
export async function relate(bareDir: string, base: string, head: string): Promise<Relation | undefined> {
  let mergeBase: string;
  try {
    mergeBase = await runGitText(["merge-base", base, head], { cwd: bareDir });
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return undefined;
    throw error;
  }
  const [behind = "0", ahead = "0"] = (await runGitText(["rev-list", "--left-right", "--count", `${base}...${head}`], { cwd: bareDir })).split(/\s+/);
  const aheadBy = Number(ahead);
  const behindBy = Number(behind);
  const status = aheadBy === 0 && behindBy === 0 ? "identical" : behindBy === 0 ? "ahead" : aheadBy === 0 ? "behind" : "diverged";
  return { mergeBase, aheadBy, behindBy, status };
}

/** The commits of `head` that `base` lacks, oldest first (`git log --reverse base..head`). */
export async function commitsBetween(bareDir: string, base: string, head: string): Promise<string[]> {
  const out = await runGitText(["rev-list", "--reverse", `${base}..${head}`], { cwd: bareDir });
  return out ? out.split("\n") : [];
}

const statuses: Record<string, ChangedFile["status"]> = { A: "added", D: "removed", M: "modified", R: "renamed", C: "copied", T: "changed" };

/** What changed from one commit to another, renames detected (git's default 50% similarity, as GitHub). */
export async function changedFiles(bareDir: string, from: string, to: string): Promise<ChangedFile[]> {
  const raw = (await runGit(["diff", "--raw", "-z", "-M", "--no-abbrev", from, to], { cwd: bareDir })).toString("utf8").split("\0");
  const files: ChangedFile[] = [];
  for (let i = 0; i < raw.length - 1; ) {
    const [, , oldSha = "", newSha = "", code = ""] = (raw[i++] ?? "").slice(1).split(" ");
    const kind = code.charAt(0);
    const first = raw[i++] ?? "";
    const second = kind === "R" || kind === "C" ? (raw[i++] ?? "") : undefined;
    const status = statuses[kind] ?? "changed";
    files.push({
      filename: second ?? first,
      ...(second !== undefined ? { previousFilename: first } : {}),
      status,
      sha: status === "removed" ? oldSha : newSha,
      additions: 0,
      deletions: 0,
    });
  }
  const numstat = (await runGit(["diff", "--numstat", "-z", "-M", from, to], { cwd: bareDir })).toString("utf8").split("\0");
  const byName = new Map(files.map((file) => [file.filename, file]));
  for (let i = 0; i < numstat.length - 1; ) {
    const [added = "-", deleted = "-", inline = ""] = (numstat[i++] ?? "").split("\t");
    // A rename's record names no path inline: the old and the new path follow as their own fields.
    let filename = inline;
    if (inline === "") {
      i++;
      filename = numstat[i++] ?? "";
    }
    const file = byName.get(filename);
    if (!file) continue;
    // Binary files count no lines ("-").
    file.additions = added === "-" ? 0 : Number(added);
    file.deletions = deleted === "-" ? 0 : Number(deleted);
  }
  return files;
}

/** Whether `head` merges into `base` without conflicts (`git merge-tree --write-tree`, git 2.38+). */
export async function mergesCleanly(bareDir: string, base: string, head: string): Promise<boolean> {
  try {
    await runGit(["merge-tree", "--write-tree", "--no-messages", base, head], { cwd: bareDir });
    return true;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return false;
    throw error;
  }
}
