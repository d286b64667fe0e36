// The read-only guard. While a GitHub connection record exists the workspace belongs to the sync engine:
// a browser edit would be overwritten (or worse, half-overwritten) by the next push. The record is read
// on every call, so disconnecting makes the next write work with no restart and no cache to expire.
import { ReadOnlyError } from "../errors.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export async function assertWritable(deps: Pick<WorkspaceDeps, "connections">, options: WorkspaceCallOptions = {}): Promise<void> {
  const connection = await deps.connections.get({ abortSignal: options.abortSignal });
  if (connection) throw new ReadOnlyError(connection.record.repository, connection.record.branch);
}
