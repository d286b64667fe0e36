// The sync history table: each run with its trigger, who asked, the commits, the changes and the outcome, and
// the events kept beside the runs (disconnected, pinned, unpinned). While the workspace is pinned a push is
// still recorded as a run, but the run applies the pinned commit, not the pushed one: the Commit and Result
// columns say so, or the history would read as if the push had been deployed.
import type { ConnectionStatus, SyncRun } from "../api/github.js";
import { formatDuration } from "../workflows/run-view.js";
import { CommitSha, shortSha } from "./commit-sha.js";

export function SyncHistory({ status, runs }: { status: ConnectionStatus; runs: SyncRun[] }) {
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
          const held = heldPush(run);
          const event = run.result === "pinned" || run.result === "unpinned" || run.result === "disconnected";
          return (
            <tr key={run.id} class={event ? "sync-event" : undefined}>
              <td>{run.startedAt ? new Date(run.startedAt).toLocaleString() : run.finishedAt ? new Date(run.finishedAt).toLocaleString() : "—"}</td>
              <td>
                {run.trigger}
                {run.coalesced !== undefined && run.coalesced > 1 && <span class="muted"> ({run.coalesced} pushes)</span>}
              </td>
              <td>{run.requestedBy ?? <span class="muted">—</span>}</td>
              <td>
                {held ? (
                  <>
                    <CommitSha status={status} sha={run.requestedSha} /> <span class="muted">(not applied)</span>
                  </>
                ) : (
                  <>
                    {run.fromSha && <><CommitSha status={status} sha={run.fromSha} /> → </>}
                    <CommitSha status={status} sha={run.toSha} />
                  </>
                )}
              </td>
              <td>
                {event ? <span class="muted">—</span> : <>+{run.added} ~{run.changed} −{run.deleted}</>}
                {run.skipped ? <SkippedEntries count={run.skipped} lines={run.skippedPaths} /> : null}
              </td>
              <td>{run.durationMs !== undefined && !event ? formatDuration(run.durationMs) : "—"}</td>
              <td class={run.error ? "error" : ""}>{run.error ?? describeResult(run, held)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A push (webhook or poll) that came while the workspace was pinned to another commit: recorded, not applied. */
function heldPush(run: SyncRun): boolean {
  return Boolean(run.pinnedSha && run.requestedSha && run.requestedSha !== run.pinnedSha && run.trigger !== "pin" && run.trigger !== "unpin");
}

/** The Result column in words: what happened, and while pinned what did not. */
function describeResult(run: SyncRun, held = heldPush(run)): string {
  const pinned = run.pinnedSha ?? run.toSha;
  const waiting = run.waitingCommits ? `; ${newerCommits(run.waitingCommits)} waiting` : "";
  if (run.result === "pinned") return `pinned to ${pinned ? shortSha(pinned) : "a commit"}${waiting}`;
  if (run.result === "unpinned") return `unpinned: following ${run.branch} again`;
  if (run.pinnedSha && held) {
    const applied = run.result === "applied" ? `applied the pinned commit ${shortSha(run.pinnedSha)}; ` : "";
    if (run.result === "noop" || run.result === "applied") return `${applied}push recorded, not applied: pinned to ${shortSha(run.pinnedSha)}${waiting}`;
  }
  if (run.pinnedSha && (run.result === "noop" || run.result === "applied")) return `${run.result} (pinned to ${shortSha(run.pinnedSha)})`;
  return run.result;
}

/** "1 newer commit", "3 newer commits" (the words of the pin's summary). */
export function newerCommits(count: number): string {
  return `${count} newer ${count === 1 ? "commit" : "commits"}`;
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
