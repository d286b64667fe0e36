// The connection as it stands: state (with live progress while syncing), repository, branch, applied vs
// head commit, delivery mode and why, last sync, who connected it; Sync now (operator+), rotate token (PAT)
// and Disconnect (admin); the synced commits with Pin and, while pinned, the banner with Unpin (admin); sync
// history with who asked for each run. Shown to every role (the Sync page) and to admins in Settings → GitHub;
// each control is there only for the roles the API accepts it from.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import {
  disconnect,
  getAppRegistration,
  listPullChecks,
  listSyncRuns,
  rotateToken,
  syncNow,
  type AppRegistration,
  type ConnectionStatus,
  type SyncRun,
  type PullCheck,
} from "../api/github.js";
import { canRun, githubCommitUrl, isAdmin, missingRoleReason, refreshConnection, session } from "../session.js";
import { useStore } from "../store.js";
import { AppFacts } from "./connect-forms.js";
import { ConfirmDialog } from "../ui/dialog.js";
import { TableScroll } from "../ui/table-scroll.js";
import { CommitSha } from "./commit-sha.js";
import { PinBanner } from "./pin-banner.js";
import { SyncedCommits } from "./synced-commits.js";
import { PullChecks } from "./pull-checks.js";
import { SyncHistory } from "./sync-history.js";

/** Runs read for the synced commits; the history shows the newest HISTORY_ROWS of them. */
const RUNS_READ = 100;
const HISTORY_ROWS = 20;

export function ConnectedView({ status }: { status: ConnectionStatus }) {
  const [runs, setRuns] = useState<SyncRun[] | undefined>();
  const [runsError, setRunsError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [confirmDisconnect, setConfirmDisconnect] = useState(false);
  const [busy, setBusy] = useState(false);
  const [app, setApp] = useState<AppRegistration | undefined>();
  const [pullChecks, setPullChecks] = useState<PullCheck[] | undefined>();
  const current = useStore(session);
  const admin = isAdmin(current);
  const active = status.state === "Syncing" || status.state === "Connecting";

  useEffect(() => {
    if (status.kind === "app") getAppRegistration().then(setApp, () => setApp(undefined));
  }, [status.kind]);

  // More runs than the history shows: the synced commits are read from them too, and pushes while pinned add runs.
  const loadRuns = () => {
    // The pull requests' checks ride along (best effort: a failure leaves the last list shown).
    void listPullChecks().then(setPullChecks, () => undefined);
    return listSyncRuns(RUNS_READ).then((list) => (setRuns(list), setRunsError(undefined)), (e: unknown) => setRunsError(describeError(e)));
  };

  // Poll while the page is open: fast while a sync runs (live progress), slowly otherwise.
  useEffect(() => {
    void loadRuns();
    const timer = setInterval(() => {
      void refreshConnection();
      void loadRuns();
    }, active ? 1000 : 5000);
    return () => clearInterval(timer);
  }, [active]);

  const act = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      await action();
      setMessage(done);
      await refreshConnection();
      void loadRuns();
      return true;
    } catch (e) {
      setError(describeError(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const reload = () => {
    void refreshConnection();
    void loadRuns();
  };

  return (
    <>
      {status.pin && <PinBanner status={status} pin={status.pin} onChanged={reload} />}
      <section class="card" aria-labelledby="connection-title">
        <h2 id="connection-title">
          Connected to GitHub <StateBadge state={status.state} />
        </h2>
        {status.stateReason && <p class={status.state === "Failed" || status.state === "Broken" ? "error" : "muted"}>{status.stateReason}</p>}
        {status.poisonedSyncJobs && <p class="error" data-testid="poisoned-sync-jobs">{status.poisonedSyncJobs.message}</p>}
        {active && status.progress && <Progress progress={status.progress} />}
        <dl class="facts">
          <dt>Repository</dt>
          <dd>
            <a href={githubCommitUrl(status, "")?.replace(/\/commit\/$/, "")} target="_blank" rel="noreferrer" data-testid="repository">{status.repository}</a>
          </dd>
          <dt>Branch</dt>
          <dd data-testid="branch">{status.branch}</dd>
          <dt>Access</dt>
          <dd>
            {status.kind === "pat" ? <>Personal access token {status.tokenLast4 && <code>••••{status.tokenLast4}</code>}</> : <span>GitHub App</span>}
            {status.kind === "pat" && status.tokenRotatedAt && (
              <span class="muted" data-testid="token-rotated">
                {" "}— replaced{status.tokenRotatedBy && <> by {status.tokenRotatedBy}</>} on {new Date(status.tokenRotatedAt).toLocaleString()}
              </span>
            )}
            {status.kind === "app" && app?.registered && <> <AppFacts registration={app} /></>}
          </dd>
          <dt>Connected by</dt>
          <dd data-testid="connected-by">
            {status.connectedBy ?? <span class="muted">—</span>}
            {status.createdAt && <span class="muted"> on {new Date(status.createdAt).toLocaleString()}</span>}
          </dd>
          <dt>Applied commit</dt>
          <dd>
            <CommitSha status={status} sha={status.appliedSha} />
            {status.pin && <span class="muted"> (pinned{status.pin.sha !== status.appliedSha && <> to <CommitSha status={status} sha={status.pin.sha} />, being applied</>})</span>}
          </dd>
          <dt>Branch head</dt>
          <dd>
            <CommitSha status={status} sha={status.headSha} />
            {status.headSha && status.appliedSha && status.headSha !== status.appliedSha && (
              <span class="muted">{status.pin ? " (not applied: the workspace is pinned)" : " (not applied yet)"}</span>
            )}
          </dd>
          <dt>Updates</dt>
          <dd>
            {status.deliveryMode === "webhook" ? "Webhook: pushes arrive within seconds" : status.deliveryMode === "polling" ? "Polling" : "—"}
            {status.deliveryModeReason && <span class="muted"> — {status.deliveryModeReason}</span>}
          </dd>
          <dt>Last sync</dt>
          <dd>{status.lastSyncAt ? new Date(status.lastSyncAt).toLocaleString() : "not yet"}</dd>
        </dl>
        {canRun(current) && (
          <div class="actions">
            <button type="button" class="primary" disabled={busy} onClick={() => void act(syncNow, "Sync requested.")}>Sync now</button>
            {admin && <button type="button" class="danger" disabled={busy} onClick={() => setConfirmDisconnect(true)}>Disconnect</button>}
          </div>
        )}
        {!canRun(current) && <p class="muted" data-testid="sync-role-reason">{missingRoleReason(current, "operator", "sync now")}</p>}
        {message && <p class="ok" role="status">{message}</p>}
        {error && <p class="error" role="alert">{error}</p>}
      </section>

      {runs && <SyncedCommits status={status} runs={runs} onChanged={reload} />}

      {pullChecks && <PullChecks status={status} checks={pullChecks} />}

      {status.kind === "pat" && admin && <RotateToken />}

      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">Sync history</h2>
        {runsError && <p class="error" role="alert">{runsError}</p>}
        {runs && runs.length === 0 && <p class="muted">No syncs yet.</p>}
        {runs && runs.length > 0 && (
          <TableScroll label="Syncs, newest first">
            <SyncHistory status={status} runs={runs.slice(0, HISTORY_ROWS)} />
          </TableScroll>
        )}
      </section>

      {confirmDisconnect && (
        <ConfirmDialog
          title="Disconnect GitHub?"
          message={
            <p>
              The workspace stops following <strong>{status.repository}</strong>. Its files stay as they are and can be edited here again at once.
              {status.kind === "pat" && " The repository webhook funcspace created is deleted."}
            </p>
          }
          confirmLabel="Disconnect"
          danger
          busy={busy}
          error={error}
          onCancel={() => setConfirmDisconnect(false)}
          onConfirm={() => void act(disconnect, "Disconnected: the workspace can be edited here again.").then((ok) => ok && setConfirmDisconnect(false))}
        />
      )}
    </>
  );
}

function RotateToken() {
  const [error, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const field = form.elements.namedItem("token") as HTMLInputElement;
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      await rotateToken(field.value.trim());
      setMessage("Token replaced: the next sync uses it.");
      await refreshConnection();
    } catch (e) {
      setError(describeError(e));
    } finally {
      field.value = "";
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="rotate-title">
      <h2 id="rotate-title">Rotate token</h2>
      <form onSubmit={(event) => void submit(event)} autocomplete="off" class="inline-form">
        <label for="rotate-token">New token</label>
        <input id="rotate-token" name="token" type="password" required autocomplete="new-password" spellcheck={false} />
        <button type="submit" disabled={busy}>{busy ? "Checking…" : "Replace token"}</button>
      </form>
      {message && <p class="ok" role="status">{message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function StateBadge({ state }: { state: string | undefined }) {
  const tone = state === "Ready" ? "badge-good" : state === "Failed" || state === "Broken" ? "badge-bad" : "badge-neutral";
  return <span class={`badge ${tone}`} data-testid="connection-state">{state ?? "Unknown"}</span>;
}

function Progress({ progress }: { progress: NonNullable<ConnectionStatus["progress"]> }) {
  const { done, total } = progress;
  return (
    <div class="progress" role="status">
      {total ? <progress max={total} value={done ?? 0} aria-label="Sync progress" /> : <progress aria-label="Sync progress" />}{" "}
      {progress.phase}
      {total ? ` (${done ?? 0}/${total})` : ""}
    </div>
  );
}
