// The engine's view of a hosted repository. `src/sync/` knows nothing about HTTP or Octokit: the GitHub
// implementation lives in `github-app/repository-source.ts`; tests and the CLI use that same implementation
// against the GitHub stand-in.
import type { Readable } from "node:stream";

export interface SourceOptions {
  abortSignal?: AbortSignal;
}

/** One entry of a recursive Git tree, as the Trees API lists it. */
export interface SourceTreeEntry {
  path: string;
  /** Git file mode: 100644 file, 100755 executable, 120000 symlink, 160000 submodule, 040000 folder. */
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  /** Bytes, for blobs. */
  size?: number;
}

export interface SourceTree {
  entries: SourceTreeEntry[];
  /** The host cut the listing short (GitHub: > 100,000 entries or > 7 MB): the tarball is the only full view. */
  truncated: boolean;
}

export interface BranchHead {
  sha: string;
  /** Validator for a conditional re-read, when the host gives one. */
  etag?: string;
}

/** How `head` relates to `base` (GitHub's compare: `ahead` = head has commits base lacks). */
export interface CommitComparison {
  status: "identical" | "ahead" | "behind" | "diverged";
  /** Commits in head that base lacks. */
  aheadBy: number;
  /** Commits in base that head lacks. */
  behindBy: number;
  /** Both sides as full SHAs (either may be given short, or as a branch name). */
  baseSha: string;
}

export interface RepositorySource {
  /** `owner/name`, for messages and records. */
  readonly repository: string;
  /** The commit the branch points at now. NotFoundError when the branch or repository is gone. */
  getBranchHead(branch: string, options?: SourceOptions): Promise<BranchHead>;
  /** The recursive tree of a commit. */
  getTree(commitSha: string, options?: SourceOptions): Promise<SourceTree>;
  /** The bytes of one blob. */
  getBlob(blobSha: string, options?: SourceOptions): Promise<Buffer>;
  /**
   * The gzipped tarball of a commit, as a stream (never buffered whole). Entries sit under one top folder
   * (GitHub: `owner-repo-shortsha/`), which the engine strips.
   */
  getTarball(commitSha: string, options?: SourceOptions): Promise<Readable>;
  /**
   * How two commits relate (a pinned workspace counts the commits waiting on the branch with it). NotFoundError
   * when either is unknown or they share no history. Optional: a source without it leaves the count unknown.
   */
  compareCommits?(base: string, head: string, options?: SourceOptions): Promise<CommitComparison>;
}
