// A table of runs (newest first): when, who, status, duration, the run's id, trigger and parameters (secret-looking
// values masked). useRunList (use-run-list.ts) reads them.
import { isFinished, type RunSummary } from "../api/workflows.js";
import { followLink } from "../router.js";
import { formatDuration, StatusBadge } from "../workflows/run-view.js";
import { TableScroll } from "../ui/table-scroll.js";
import { shortRunId, summarizeParams } from "./run-params.js";

export interface RunsTableProps {
  runs: RunSummary[];
  /** Where a run's link goes. */
  hrefOf: (run: RunSummary) => string;
  currentId?: string | undefined;
  showWorkflow?: boolean;
  caption?: string;
}

export function RunsTable({ runs, hrefOf, currentId, showWorkflow, caption }: RunsTableProps) {
  return (
    <TableScroll label={caption ?? "Runs"}>
      <table class="runs-table">
        {caption && <caption class="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">By</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">Run</th>
            {showWorkflow && <th scope="col">Workflow</th>}
            <th scope="col">Trigger</th>
            <th scope="col">Parameters</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} class={run.id === currentId ? "current" : ""} data-run-row={run.id}>
              <td>{run.startedAt || run.createdAt ? new Date(run.startedAt ?? run.createdAt).toLocaleString() : "—"}</td>
              <td>{run.startedBy ?? <span class="muted">—</span>}</td>
              <td>
                <StatusBadge status={run.status} testId="run-row-status" />
                {run.cancelledBy && <span class="muted small"> by {run.cancelledBy}</span>}
              </td>
              <td>{run.durationMs !== undefined ? formatDuration(run.durationMs) : isFinished(run.status) ? "—" : "…"}</td>
              <td>
                <a href={hrefOf(run)} onClick={followLink} title={run.id} aria-label={`Run ${run.id}`}>
                  <code>{shortRunId(run.id)}</code>
                </a>
              </td>
              {showWorkflow && <td>{run.workflow}</td>}
              <td>{run.trigger}</td>
              <td class="params-cell"><code>{summarizeParams(run.params)}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
