// The target tree of a commit, from the cheapest source that is complete:
//   - the manifest, when it already describes this very commit (a re-sync of the same SHA asks GitHub for
//     nothing but the branch head);
//   - the recursive Trees API otherwise;
//   - the tarball when GitHub truncated the tree (> 100,000 entries or 7 MB): every entry is hashed as it
//     streams and, when a staging folder is given, kept there so no second download is needed.
import { fetchTarball, type FetchOptions } from "./fetch-changes.js";
import type { FsThreads, StopFlag } from "./fs-threads.js";
import type { SyncLimits } from "./limits.js";
import type { Manifest } from "./manifest.js";
import type { RepositorySource, SourceTree } from "./repository-source.js";
import { buildTargetTree, skipCaseTwins, type TargetFile, type TargetTree } from "./target-tree.js";
import type { Staging } from "./staging.js";

export interface LoadedTarget {
  target: TargetTree;
  origin: "manifest" | "tree" | "tarball";
  /** Compressed bytes downloaded to build it (tarball origin only). */
  bytesDownloaded: number;
}

export interface LoadTargetOptions {
  source: RepositorySource;
  limits: SyncLimits;
  concurrency: number;
  fsThreads: FsThreads;
  stop: StopFlag;
  /** Stage every tarball file here (sync); absent → hash only (dry run). */
  staging?: Staging;
  /** See FetchOptions.statWritten. */
  statWritten?: boolean;
  /** A listing already asked for (sync-once.ts: the commit a push announced); used when it is this commit's. */
  prefetched?: PrefetchedTree;
  abortSignal?: AbortSignal;
}

export interface PrefetchedTree {
  commitSha: string;
  tree: Promise<SourceTree>;
}

export async function loadTarget(commitSha: string, manifest: Manifest | undefined, options: LoadTargetOptions): Promise<LoadedTarget> {
  if (manifest && manifest.commitSha === commitSha && manifest.repository === options.source.repository) {
    const files = new Map<string, TargetFile>();
    let totalBytes = 0;
    for (const [path, entry] of manifest.files) {
      files.set(path, { path, sha: entry.sha, size: entry.size, executable: entry.executable });
      totalBytes += entry.size;
    }
    return { target: { commitSha, files, skipped: manifest.skipped, totalBytes }, origin: "manifest", bytesDownloaded: 0 };
  }
  const listTree = () => options.source.getTree(commitSha, { abortSignal: options.abortSignal });
  // A failed early listing is asked again, as if there had been none: its error is not this step's to report.
  const tree = options.prefetched?.commitSha === commitSha ? await options.prefetched.tree.catch(listTree) : await listTree();
  if (!tree.truncated) return { target: buildTargetTree(commitSha, tree.entries, options.limits), origin: "tree", bytesDownloaded: 0 };

  const files = new Map<string, TargetFile>();
  const staging = options.staging ?? hashOnlyStaging();
  const fetchOptions: FetchOptions = {
    source: options.source,
    staging,
    limits: options.limits,
    concurrency: options.concurrency,
    fsThreads: options.fsThreads,
    stop: options.stop,
    statWritten: options.statWritten,
    abortSignal: options.abortSignal,
  };
  const summary = await fetchTarball(commitSha, fetchOptions, {
    want: () => options.staging !== undefined,
    seen: (entry, sha) => files.set(entry.path, { path: entry.path, sha, size: entry.size, executable: entry.executable }),
  });
  let totalBytes = 0;
  for (const file of files.values()) totalBytes += file.size;
  return { target: skipCaseTwins({ commitSha, files, skipped: summary.skipped, totalBytes }), origin: "tarball", bytesDownloaded: summary.compressedBytes };
}

/** A staging that is never written to (the dry run wants nothing kept). */
function hashOnlyStaging(): Staging {
  return {
    dir: "",
    files: new Map(),
    place: () => Promise.reject(new Error("internal: a dry run stages nothing")),
    isInPlace: () => false,
    adopted: new Set(),
    reset: async () => undefined,
    remove: async () => undefined,
  };
}
