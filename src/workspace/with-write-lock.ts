// Serialises the commit step of every write in one workspace (check the precondition, then rename or
// delete). Without it two writers holding the same ETag could both pass the check before either renames,
// and one edit would be lost silently. Only the short commit step is serialised: request bodies stream to
// their temp files in parallel. The lock is per process; see README.md for what that means when scaled out.
import pLimit, { type LimitFunction } from "p-limit";

const locks = new Map<string, LimitFunction>();

export function withWriteLock<T>(workspaceDir: string, fn: () => Promise<T>): Promise<T> {
  let limit = locks.get(workspaceDir);
  if (!limit) {
    limit = pLimit(1);
    locks.set(workspaceDir, limit);
  }
  return limit(fn);
}
