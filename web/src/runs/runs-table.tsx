// A table of runs (newest first): when, who, status, duration, the run's id, trigger and parameters (secret-looking
// values masked). useRunList reads them and, while one of them is queued or running, reads again every few seconds,
// so statuses move on by themselves after a reload.
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { isFinished, listRuns, type RunSummary } from "../api/workflows.js";
import { followLink } from "../router.js";
import { formatDuration, StatusBadge } from "../workflows/run-view.js";
import { shortRunId, summarizeParams } from "./run-params.js";

const REFRESH_MS = 3000;

export interface RunList {
  runs: RunSummary[] | undefined;
  error: string | undefined;
  reload: () => void;
}

export function useRunList(workflow: string | undefined, limit = 20, enabled = true): RunList {
  const [runs, setRuns] = useState<RunSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    const read = async () => {
      clearTimeout(timer.current);
      try {
        const list = await listRuns({ workflow, limit });
        if (stopped) return;
        setRuns(list);
        setError(undefined);
        if (list.some((run) => !isFinished(run.status))) timer.current = setTimeout(() => void read(), REFRESH_MS);
      } catch (failure) {
        if (!stopped) setError(describeError(failure));
      }
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer.current);
    };
  }, [workflow, limit, enabled, version]);

  useEffect(() => setRuns(undefined), [workflow]);
  return { runs, error, reload: () => setVersion((n) => n + 1) };
}

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
  );
}
