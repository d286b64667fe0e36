// /sync: the GitHub connection's status and sync history for every role (readers see it, operators also
// "Sync now"); connecting, the token and disconnecting stay in Settings → GitHub, which only admins open.
import { useEffect } from "preact/hooks";
import { followLink } from "../router.js";
import { connection, isAdmin, refreshConnection, session } from "../session.js";
import { useStore } from "../store.js";
import { ConnectedView } from "./connected-view.js";

export function SyncPage() {
  const status = useStore(connection);
  const current = useStore(session);
  useEffect(() => void refreshConnection(), []);
  return (
    <div class="settings-page">
      <h1>GitHub sync</h1>
      {!status && <p class="muted">Loading…</p>}
      {status?.connected && <ConnectedView status={status} />}
      {status && !status.connected && (
        <p>
          The workspace is not connected to GitHub: its files are edited here.{" "}
          {isAdmin(current) ? (
            <a href="/settings/github" onClick={followLink}>Connect it in Settings → GitHub</a>
          ) : (
            "An admin can connect it to a repository."
          )}
        </p>
      )}
    </div>
  );
}
