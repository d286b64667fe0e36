// Step 1: the commit to sync is the branch head *now*, not the one a job was queued for: a burst of pushes
// queues many jobs, and each that runs syncs the newest commit (the rest find nothing to do). A pinned
// workspace (github-app/pin-workspace.ts) syncs its pinned commit instead, whatever the branch says.
import type { BranchHead, RepositorySource } from "./repository-source.js";

export interface ResolveHeadOptions {
  abortSignal?: AbortSignal;
  /** The pinned commit: the target as it is, the branch is not asked. */
  commitSha?: string;
}

export async function resolveHead(source: RepositorySource, branch: string, options: ResolveHeadOptions = {}): Promise<BranchHead> {
  if (options.commitSha) return { sha: options.commitSha };
  return source.getBranchHead(branch, { abortSignal: options.abortSignal });
}
