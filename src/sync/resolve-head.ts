// Step 1: the commit to sync is the branch head *now*, not the one a job was queued for: a burst of pushes
// queues many jobs, and each that runs syncs the newest commit (the rest find nothing to do).
import type { BranchHead, RepositorySource } from "./repository-source.js";

export async function resolveHead(source: RepositorySource, branch: string, options: { abortSignal?: AbortSignal } = {}): Promise<BranchHead> {
  return source.getBranchHead(branch, { abortSignal: options.abortSignal });
}
