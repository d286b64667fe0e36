// While the workspace is pinned (synced-commits.tsx), this banner says so above everything else on the sync
// pages: a pinned workspace silently not deploying pushes is the surprise to avoid. It names the commit, how many
// commits wait, who pinned it and when, says when the branch lost the commit (a force-push), and gives admins
// Unpin. Unpinning asks first: it applies the branch head, which may be the very commit the pin rolled back from.
import { useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { unpinWorkspace, type ConnectionPin, type ConnectionStatus } from "../api/github.js";
import { connection, isAdmin, session } from "../session.js";
import { useStore } from "../store.js";
import { ConfirmDialog } from "../ui/dialog.js";
import { CommitSha, shortSha } from "./commit-sha.js";
import { newerCommits } from "./sync-history.js";

export interface PinBannerProps {
  status: ConnectionStatus;
  pin: ConnectionPin;
  /** After unpinning: read the history again. */
  onChanged: () => void;
}

export function PinBanner({ status, pin, onChanged }: PinBannerProps) {
  const admin = isAdmin(useStore(session));
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const branch = status.branch ?? "the branch";
  const summary = pin.summary.charAt(0).toUpperCase() + pin.summary.slice(1);

  const unpin = async () => {
    setBusy(true);
    setError(undefined);
    try {
      connection.set(await unpinWorkspace());
      setConfirming(false);
      onChanged();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="banner banner-readonly pin-banner" aria-labelledby="pin-title" data-testid="pin-banner">
      <h2 id="pin-title">
        Pinned to <CommitSha status={status} sha={pin.sha} />: not following {branch}
      </h2>
      <p data-testid="pin-summary">{summary}.</p>
      {!pin.onBranch && (
        <p class="error" data-testid="pin-off-branch">
          The branch {branch} no longer contains this commit (it was force-pushed or rewritten). The workspace stays on it until it is unpinned;
          unpinning syncs {branch} as it is now.
        </p>
      )}
      <p>
        Pinned{pin.pinnedBy && <> by {pin.pinnedBy}</>} on {new Date(pin.pinnedAt).toLocaleString()}. Pushes to {branch} are recorded in the sync
        history, not applied, until the workspace is unpinned.
      </p>
      {admin && (
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => (setError(undefined), setConfirming(true))}>
            Unpin (follow {branch} again)
          </button>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Unpin and follow ${branch} again?`}
          message={
            <p>
              The workspace will be synced to the head of <strong>{branch}</strong>
              {pin.headSha && <> (<code>{shortSha(pin.headSha)}</code>)</>}
              {pin.waitingCommits ? `, applying the ${newerCommits(pin.waitingCommits)} pushed since the pin` : ""}, and
              pushes are applied again as they come.
            </p>
          }
          confirmLabel="Unpin"
          busy={busy}
          error={error}
          onCancel={() => setConfirming(false)}
          onConfirm={() => void unpin()}
        />
      )}
    </section>
  );
}
