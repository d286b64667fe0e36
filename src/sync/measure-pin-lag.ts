// While the workspace is pinned, how far the branch has moved on: its head now, how many of its commits came
// after the pinned one (the status line's "3 newer commits waiting"), and whether the branch still contains
// the pinned commit (a force push can drop it; the pin stays applied until someone unpins).
import { NotFoundError } from "../errors.js";
import type { RepositorySource, SourceOptions } from "./repository-source.js";

export interface PinLag {
  headSha: string;
  /** Undefined when the source cannot compare commits. */
  waitingCommits: number | undefined;
  onBranch: boolean | undefined;
}

export async function measurePinLag(source: RepositorySource, pinnedSha: string, branch: string, options: SourceOptions = {}): Promise<PinLag> {
  const head = await source.getBranchHead(branch, options);
  if (head.sha === pinnedSha) return { headSha: head.sha, waitingCommits: 0, onBranch: true };
  if (!source.compareCommits) return { headSha: head.sha, waitingCommits: undefined, onBranch: undefined };
  try {
    const comparison = await source.compareCommits(pinnedSha, head.sha, options);
    return { headSha: head.sha, waitingCommits: comparison.aheadBy, onBranch: comparison.behindBy === 0 };
  } catch (error) {
    // No shared history with the head any more (the branch was replaced by an unrelated one).
    if (error instanceof NotFoundError) return { headSha: head.sha, waitingCommits: undefined, onBranch: false };
    throw error;
  }
}
