// The read-only guard. While a GitHub connection record exists the workspace belongs to the sync engine:
// a browser edit would be overwritten (or worse, half-overwritten) by the next push. Nothing is cached:
// each call lists the connection markers on the shared state folder (a marker exists for as long as a
// record can, on every instance) and reads the record itself whenever one is there, so a connection made
// on another instance is refused at once and a disconnect makes the next write work, with no restart.
import { ReadOnlyError } from "../errors.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export async function assertWritable(deps: Pick<WorkspaceDeps, "connections">, options: WorkspaceCallOptions = {}): Promise<void> {
  const connection = await deps.connections.getIfMarked({ abortSignal: options.abortSignal });
  if (connection) throw new ReadOnlyError(connection.record.repository, connection.record.branch);
}
