// Pin and roll back (issue 21, item 3): the commits the workspace has been synced to, newest first, the one it
// holds now marked, and for admins a Pin on each other one. Pinning asks first, saying what it does (the
// workspace becomes exactly that commit; pushes are recorded, not applied, until unpinned), because it
// replaces files the running workflows use. The list comes from the sync history, not from GitHub: a commit
// the workspace once held is one known to work, which is what a rollback wants (Argo CD rolls back the same way).
import { useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { pinWorkspace, type ConnectionStatus, type SyncRun } from "../api/github.js";
import { connection, isAdmin, missingRoleReason, session } from "../session.js";
import { useStore } from "../store.js";
import { ConfirmDialog } from "../ui/dialog.js";
import { TableScroll } from "../ui/table-scroll.js";
import { CommitSha, shortSha } from "./commit-sha.js";

export interface SyncedCommit {
  sha: string;
  /** When a run first applied it (of the runs listed). */
  syncedAt: string;
  /** That run's trigger and who asked for it. */
  trigger: string;
  requestedBy?: string;
}

/**
 * The distinct commits applied runs of this repository and branch left in the workspace, newest first, each at
 * its first sync: a commit pinned again later keeps its place in the branch's order instead of jumping to the top.
 */
export function listSyncedCommits(runs: readonly SyncRun[], status: ConnectionStatus): SyncedCommit[] {
  const seen = new Map<string, SyncedCommit>();
  // `runs` is newest first: walk it oldest first so each commit keeps its first sync.
  for (const run of [...runs].reverse()) {
    if (run.result !== "applied" || !run.toSha || seen.has(run.toSha)) continue;
    // Runs of an earlier connection to another repository or branch are not commits of this one.
    if (run.repository !== status.repository || run.branch !== status.branch) continue;
    seen.set(run.toSha, { sha: run.toSha, syncedAt: run.finishedAt ?? run.startedAt, trigger: run.trigger, ...(run.requestedBy ? { requestedBy: run.requestedBy } : {}) });
  }
  return [...seen.values()].reverse();
}

export interface SyncedCommitsProps {
  status: ConnectionStatus;
  runs: readonly SyncRun[];
  /** After a pin: read the history again. */
  onChanged: () => void;
}

export function SyncedCommits({ status, runs, onChanged }: SyncedCommitsProps) {
  const current = useStore(session);
  const admin = isAdmin(current);
  const [chosen, setChosen] = useState<SyncedCommit | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const commits = listSyncedCommits(runs, status);
  const branch = status.branch ?? "the branch";

  const pin = async (commit: SyncedCommit) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      connection.set(await pinWorkspace(commit.sha));
      setChosen(undefined);
      setMessage(`Pinned to ${shortSha(commit.sha)}: the workspace is being synced to it. Pushes to ${branch} are recorded, not applied, until it is unpinned.`);
      onChanged();
    } catch (e) {
      // The dialog stays open with the server's sentence (not on the branch, GitHub refused the token…).
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="commits-title">
      <h2 id="commits-title">Synced commits</h2>
      <p class="muted">
        The commits of {branch} this workspace has been synced to, newest first.
        {admin ? " Pin one to roll the workspace back to it while a fix is made." : ` Admins can pin the workspace to one of them (roll back). ${missingRoleReason(current, "admin") ?? ""}`}
      </p>
      {commits.length === 0 ? (
        <p class="muted">No commits synced yet.</p>
      ) : (
        <TableScroll label="Synced commits, newest first">
          <table class="synced-commits">
            <thead>
              <tr>
                <th scope="col">Commit</th>
                <th scope="col">Synced</th>
                <th scope="col">Trigger</th>
                <th scope="col">Workspace</th>
              </tr>
            </thead>
            <tbody>
              {commits.map((commit) => {
                const isCurrent = commit.sha === status.appliedSha;
                const isPinned = commit.sha === status.pin?.sha;
                return (
                  <tr key={commit.sha} class={isCurrent ? "current" : undefined} data-sha={commit.sha}>
                    <td><CommitSha status={status} sha={commit.sha} /></td>
                    <td>{new Date(commit.syncedAt).toLocaleString()}</td>
                    <td>
                      {commit.trigger}
                      {commit.requestedBy && <span class="muted"> by {commit.requestedBy}</span>}
                    </td>
                    <td>
                      {isCurrent && <span class="badge badge-good">current</span>}
                      {isPinned && <> <span class="badge badge-neutral">pinned</span></>}
                      {admin && !isCurrent && !isPinned && (
                        <button type="button" disabled={busy} title="Roll back: pin the workspace to this commit" onClick={() => (setError(undefined), setChosen(commit))}>
                          Pin<span class="visually-hidden"> {shortSha(commit.sha)}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
      {message && <p class="ok" role="status">{message}</p>}

      {chosen && (
        <ConfirmDialog
          title={`Pin the workspace to ${shortSha(chosen.sha)}?`}
          message={
            <>
              <p>
                The workspace will be made exactly commit <code>{shortSha(chosen.sha)}</code> of <strong>{status.repository}</strong> (synced{" "}
                {new Date(chosen.syncedAt).toLocaleString()}): files are added, changed and deleted to match it, and the next runs of your
                workflows use that code.
              </p>
              <p>
                While pinned, pushes to <strong>{branch}</strong> are recorded in the sync history but not applied, until an admin unpins the
                workspace; unpinning syncs the head of {branch} again.
              </p>
            </>
          }
          confirmLabel={`Pin to ${shortSha(chosen.sha)}`}
          busy={busy}
          error={error}
          onCancel={() => setChosen(undefined)}
          onConfirm={() => void pin(chosen)}
        />
      )}
    </section>
  );
}
