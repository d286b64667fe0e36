// The connection as it stands: state (with live progress while syncing), repository, branch, applied vs
// head commit, delivery mode and why, last sync, who connected it; Sync now (operator+), rotate token (PAT)
// and Disconnect (admin); sync history with who asked for each run. Shown to every role (the Sync page) and
// to admins in Settings → GitHub; each control is there only for the roles the API accepts it from.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import {
  disconnect,
  getAppRegistration,
  listSyncRuns,
  rotateToken,
  syncNow,
  type AppRegistration,
  type ConnectionStatus,
  type SyncRun,
} from "../api/github.js";
import { canRun, githubCommitUrl, isAdmin, missingRoleReason, refreshConnection, session } from "../session.js";
import { useStore } from "../store.js";
import { AppFacts } from "./connect-forms.js";
import { ConfirmDialog } from "../ui/dialog.js";
import { TableScroll } from "../ui/table-scroll.js";
import { formatDuration } from "../workflows/run-view.js";

export function ConnectedView({ status }: { status: ConnectionStatus }) {
  const [runs, setRuns] = useState<SyncRun[] | undefined>();
  const [runsError, setRunsError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [confirmDisconnect, setConfirmDisconnect] = useState(false);
  const [busy, setBusy] = useState(false);
  const [app, setApp] = useState<AppRegistration | undefined>();
  const current = useStore(session);
  const admin = isAdmin(current);
  const active = status.state === "Syncing" || status.state === "Connecting";

  useEffect(() => {
    if (status.kind === "app") getAppRegistration().then(setApp, () => setApp(undefined));
  }, [status.kind]);

  const loadRuns = () => listSyncRuns().then((list) => (setRuns(list), setRunsError(undefined)), (e: unknown) => setRunsError(describeError(e)));

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

  return (
    <>
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
          <dd><Sha status={status} sha={status.appliedSha} /></dd>
          <dt>Branch head</dt>
          <dd>
            <Sha status={status} sha={status.headSha} />
            {status.headSha && status.appliedSha && status.headSha !== status.appliedSha && <span class="muted"> (not applied yet)</span>}
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

      {status.kind === "pat" && admin && <RotateToken />}

      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">Sync history</h2>
        {runsError && <p class="error" role="alert">{runsError}</p>}
        {runs && runs.length === 0 && <p class="muted">No syncs yet.</p>}
        {runs && runs.length > 0 && (
          <TableScroll label="Syncs, newest first">
            <SyncHistory status={status} runs={runs} />
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

function SyncHistory({ status, runs }: { status: ConnectionStatus; runs: SyncRun[] }) {
  return (
    <table class="sync-history">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Trigger</th>
          <th scope="col">By</th>
          <th scope="col">Commit</th>
          <th scope="col">Changes</th>
          <th scope="col">Duration</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => {
          return (
            <tr key={run.id}>
              <td>{run.startedAt ? new Date(run.startedAt).toLocaleString() : run.finishedAt ? new Date(run.finishedAt).toLocaleString() : "—"}</td>
              <td>
                {run.trigger}
                {run.coalesced !== undefined && run.coalesced > 1 && <span class="muted"> ({run.coalesced} pushes)</span>}
              </td>
              <td>{run.requestedBy ?? <span class="muted">—</span>}</td>
              <td>
                {run.fromSha && <><Sha status={status} sha={run.fromSha} /> → </>}
                <Sha status={status} sha={run.toSha} />
              </td>
              <td>
                +{run.added} ~{run.changed} −{run.deleted}
                {run.skipped ? <SkippedEntries count={run.skipped} lines={run.skippedPaths} /> : null}
              </td>
              <td>{run.durationMs !== undefined ? formatDuration(run.durationMs) : "—"}</td>
              <td class={run.error ? "error" : ""}>{run.error ?? run.result}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** What a sync left out and why (a name the share cannot hold, a case twin, a symlink, a submodule). */
function SkippedEntries({ count, lines }: { count: number; lines: string | undefined }) {
  return (
    <details class="skipped" data-testid="skipped">
      <summary>
        {count} skipped
      </summary>
      <ul>
        {(lines ?? "").split("\n").filter(Boolean).map((line) => (
          <li key={line}>
            <code>{line}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}

function Sha({ status, sha }: { status: ConnectionStatus; sha: string | undefined }) {
  if (!sha) return <span class="muted">—</span>;
  return (
    <a href={githubCommitUrl(status, sha)} target="_blank" rel="noreferrer" title={sha}>
      <code>{sha.slice(0, 7)}</code>
    </a>
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
