// What a pull request's head would do to the workspace if merged as it is (issue 22), from two recursive trees
// and nothing else: the files added, changed and deleted against the commit the workspace is on, the verdict of
// the sync's empty-tree guard (a head with no file while the workspace has some is refused by every sync), the
// entries the workspace cannot hold (names Azure Files refuses, case twins, links, submodules: the sync's own
// rule, src/sync/target-tree.ts) that the pull request brings in, and a repository the sync would refuse whole
// (an unsafe path, a file over MAX_FILE_BYTES). Nothing is downloaded: blob ids say what changed.
import type { SkippedEntry } from "../api-types.js";
import type { SyncLimits } from "../sync/limits.js";
import type { SourceTreeEntry } from "../sync/repository-source.js";
import { UnsafeRepositoryError } from "../sync/sync-error.js";
import { buildTargetTree, type TargetTree } from "../sync/target-tree.js";

export interface TreeChange {
  added: string[];
  changed: string[];
  deleted: string[];
  /** Files of the head the workspace would hold (after skipping what it cannot). */
  headFiles: number;
  /** The head has no file while the workspace's commit has some: a sync refuses it (EmptyTargetError). */
  emptiesWorkspace: boolean;
  /** Entries of the head the workspace cannot hold that the base did not already have, with why. */
  unholdable: SkippedEntry[];
  /** The sync would refuse the head whole (UnsafeRepositoryError's message), and why in a word. */
  refused?: { reason: string; message: string; path?: string };
}

export function checkTreeChange(base: Iterable<SourceTreeEntry>, head: Iterable<SourceTreeEntry>, limits: SyncLimits, shas: { base: string; head: string }): TreeChange {
  const baseTree = tryBuild(shas.base, base, limits);
  const headTree = tryBuild(shas.head, head, limits);
  if ("refused" in headTree) {
    return { added: [], changed: [], deleted: [], headFiles: 0, emptiesWorkspace: false, unholdable: [], refused: headTree.refused };
  }
  // A base the sync refused cannot be what the workspace holds; compare with nothing then.
  const baseFiles = "refused" in baseTree ? new Map() : baseTree.files;
  const baseSkipped = new Set(("refused" in baseTree ? [] : baseTree.skipped).map((s) => `${s.kind}:${s.path}`));
  const added: string[] = [];
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [path, file] of headTree.files) {
    const before = baseFiles.get(path);
    if (!before) added.push(path);
    else if (before.sha !== file.sha || before.executable !== file.executable) changed.push(path);
  }
  for (const path of baseFiles.keys()) if (!headTree.files.has(path)) deleted.push(path);
  return {
    added: added.sort(),
    changed: changed.sort(),
    deleted: deleted.sort(),
    headFiles: headTree.files.size,
    emptiesWorkspace: headTree.files.size === 0 && baseFiles.size > 0,
    unholdable: headTree.skipped.filter((s) => !baseSkipped.has(`${s.kind}:${s.path}`)),
  };
}

function tryBuild(sha: string, entries: Iterable<SourceTreeEntry>, limits: SyncLimits): TargetTree | { refused: NonNullable<TreeChange["refused"]> } {
  try {
    return buildTargetTree(sha, entries, limits);
  } catch (error) {
    if (!(error instanceof UnsafeRepositoryError)) throw error;
    const details = (error.details ?? {}) as { reason?: string; path?: string };
    return { refused: { reason: details.reason ?? "unsafe_repository", message: error.message, ...(details.path ? { path: details.path } : {}) } };
  }
}
