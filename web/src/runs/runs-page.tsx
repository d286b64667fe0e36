// Runs: every run, newest first, filtered by workflow, status and who started it (the filters are in the address,
// so a filtered list can be linked), and /runs/<id>: one run, watched live while it goes on, with Cancel, Re-run and
// Edit and re-run for operators. The server filters (GET /api/runs?workflow=&status=&startedBy=), a page at a
// time: Show more reads the next page of matching runs.
import { useEffect, useState } from "preact/hooks";
import { listWorkflows, type RunStatus } from "../api/workflows.js";
import { followLink, navigate, useLocation } from "../router.js";
import { LiveRunView } from "./live-run-view.js";
import { RunsTable } from "./runs-table.js";
import { useRunList } from "./use-run-list.js";

// Every status, in a run's order: a Record, so the compiler says when the API gains one this list lacks.
const STATUS_NAMES: Record<RunStatus, true> = { queued: true, running: true, succeeded: true, failed: true, timed_out: true, cancelled: true, interrupted: true };
const STATUSES = Object.keys(STATUS_NAMES) as RunStatus[];

function isStatus(value: string | null): value is RunStatus {
  return value !== null && Object.hasOwn(STATUS_NAMES, value);
}

export function RunsPage() {
  const url = useLocation();
  const id = decodeSegment(url.pathname.slice("/runs/".length).replace(/\/$/, ""));
  if (url.pathname.startsWith("/runs/") && id) return <RunPage id={id} />;
  return <RunListPage url={url} />;
}

function RunPage({ id }: { id: string }) {
  return (
    <div class="run-page">
      <p>
        <a href="/runs" onClick={followLink}>← All runs</a>
      </p>
      <LiveRunView key={id} runId={id} headingLevel={1} onStarted={(record) => navigate(`/runs/${encodeURIComponent(record.id)}`)} />
    </div>
  );
}

function RunListPage({ url }: { url: URL }) {
  const workflow = url.searchParams.get("workflow") || undefined;
  const statusParam = url.searchParams.get("status");
  // A status no run can have (a hand-edited address) filters nothing rather than asking the server for a 400.
  const status = isStatus(statusParam) ? statusParam : undefined;
  const by = url.searchParams.get("by") || undefined;
  const [workflowNames, setWorkflowNames] = useState<string[]>([]);
  // Everyone seen starting a run on this page, so the person filter keeps offering them whatever is filtered.
  const [people, setPeople] = useState<ReadonlySet<string>>(new Set());
  const list = useRunList({ workflow, status, startedBy: by }, { pageSize: 50 });

  useEffect(() => {
    listWorkflows().then(
      (answer) => setWorkflowNames(answer.workflows.map((w) => w.name)),
      () => undefined,
    );
  }, []);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(url.search);
    if (value) next.set(name, value);
    else next.delete(name);
    const query = next.toString();
    navigate(`/runs${query ? `?${query}` : ""}`, { replace: true });
  };

  useEffect(() => {
    const seen = (list.runs ?? []).map((run) => run.startedBy).filter((name): name is string => Boolean(name));
    if (seen.some((name) => !people.has(name))) setPeople(new Set([...people, ...seen]));
  }, [list.runs]);

  const personNames = [...new Set([...people, ...(by ? [by] : [])])].sort();
  const names = [...new Set([...workflowNames, ...(list.runs ?? []).map((run) => run.workflow), ...(workflow ? [workflow] : [])])].sort();
  const filtered = Boolean(workflow || status || by);

  return (
    <div class="runs-page">
      <div class="toolbar">
        <h1>Runs</h1>
        <button type="button" onClick={list.reload}>Refresh</button>
      </div>
      <form class="filters" role="search" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
        <label>
          Workflow{" "}
          <select value={workflow ?? ""} onChange={(event) => setFilter("workflow", event.currentTarget.value)}>
            <option value="">All workflows</option>
            {names.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Status{" "}
          <select value={status ?? ""} onChange={(event) => setFilter("status", event.currentTarget.value)}>
            <option value="">Any status</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>{value.replace("_", " ")}</option>
            ))}
          </select>
        </label>
        <label>
          Started by{" "}
          <select value={by ?? ""} onChange={(event) => setFilter("by", event.currentTarget.value)}>
            <option value="">Anyone</option>
            {personNames.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
        </label>
      </form>
      {list.error && <p class="error" role="alert">Could not list the runs: {list.error}</p>}
      {!list.runs && !list.error && <p class="muted">Loading…</p>}
      {list.runs && (
        <section aria-label="Runs" class="history">
          <p class="muted small" role="status">{describeCount(list.runs.length, list.hasMore, filtered)}</p>
          {list.runs.length > 0 && <RunsTable runs={list.runs} showWorkflow caption="Runs, newest first" hrefOf={(run) => `/runs/${encodeURIComponent(run.id)}`} />}
          {list.hasMore && (
            <button type="button" onClick={list.showMore}>Show more</button>
          )}
        </section>
      )}
    </div>
  );
}

/** "No runs match the filters.", "12 runs match the filters.", "The newest 50 runs (more below)."… */
function describeCount(count: number, more: boolean, filtered: boolean): string {
  if (count === 0) return filtered ? "No runs match the filters." : "No runs yet.";
  const runs = `${count} run${count === 1 ? "" : "s"}`;
  if (more) return `The newest ${runs}${filtered ? " that match the filters" : ""}: Show more for older ones.`;
  return filtered ? `${runs} match${count === 1 ? "es" : ""} the filters.` : `${runs}.`;
}

/** A malformed escape (`/runs/%E0`) is kept as typed: the API then says there is no such run. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
