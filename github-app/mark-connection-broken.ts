// GitHub took access away (installation deleted or suspended, repository removed from the installation):
// the connection is marked Broken with a reason the user can act on. The workspace is left exactly as it
// is, and it stays read-only until the user disconnects (the record still exists).
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import type { AbortOptions, GitHubAppDeps } from "./github-app-deps.js";

/** Marks the connection Broken when `affects(record)`; returns the updated record, or undefined. */
export async function markConnectionBroken(
  deps: Pick<GitHubAppDeps, "connections" | "logger">,
  affects: (record: ConnectionRecord) => boolean,
  reason: string,
  options: AbortOptions = {},
): Promise<ConnectionRecord | undefined> {
  const updated = await deps.connections.update(
    (record) => (affects(record) ? { ...record, state: "Broken", stateReason: reason } : undefined),
    options,
  );
  if (updated) deps.logger.warn({ connectionId: updated.connectionId, repository: updated.repository, reason }, "connection broken");
  return updated;
}
