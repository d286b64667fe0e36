// Runs: every run, newest first, filtered by workflow, status and who started it (the filters are in the address,
// so a filtered list can be linked), and /runs/<id>: one run, watched live while it goes on, with Cancel, Re-run and
// Edit and re-run for operators. The server filters by workflow; status and person are filtered here, over the
// newest `limit` runs (Show more asks for more).
import { useEffect, useState } from "preact/hooks";
import { listWorkflows } from "../api/workflows.js";
import { followLink, navigate, useLocation } from "../router.js";
import { LiveRunView } from "./live-run-view.js";
import { RunsTable, useRunList } from "./runs-table.js";

const STATUSES = ["queued", "running", "succeeded", "failed", "timed_out", "cancelled", "interrupted"];

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
      <LiveRunView key={id} runId={id} onStarted={(record) => navigate(`/runs/${encodeURIComponent(record.id)}`)} />
    </div>
  );
}

function RunListPage({ url }: { url: URL }) {
  const workflow = url.searchParams.get("workflow") || undefined;
  const status = url.searchParams.get("status") || undefined;
  const by = url.searchParams.get("by") || undefined;
  const [limit, setLimit] = useState(50);
  const [workflowNames, setWorkflowNames] = useState<string[]>([]);
  const list = useRunList(workflow, limit);

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

  const people = [...new Set((list.runs ?? []).map((run) => run.startedBy).filter((name): name is string => Boolean(name)))].sort();
  const names = [...new Set([...workflowNames, ...(list.runs ?? []).map((run) => run.workflow), ...(workflow ? [workflow] : [])])].sort();
  const shown = (list.runs ?? []).filter((run) => (!status || run.status === status) && (!by || run.startedBy === by));

  return (
    <div class="runs-page">
      <div class="toolbar">
        <h2>Runs</h2>
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
            {[...new Set([...people, ...(by ? [by] : [])])].map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
        </label>
      </form>
      {list.error && <p class="error" role="alert">Could not list the runs: {list.error}</p>}
      {!list.runs && !list.error && <p class="muted">Loading…</p>}
      {list.runs && (
        <section aria-label="Runs" class="history">
          <p class="muted small" role="status">
            {shown.length} of the newest {list.runs.length} runs{workflow ? ` of ${workflow}` : ""}
            {status || by ? " match the filters" : ""}.
          </p>
          {shown.length > 0 && <RunsTable runs={shown} showWorkflow caption="Runs, newest first" hrefOf={(run) => `/runs/${encodeURIComponent(run.id)}`} />}
          {list.runs.length >= limit && limit < 200 && (
            <button type="button" onClick={() => setLimit((n) => Math.min(200, n * 2))}>Show more</button>
          )}
        </section>
      )}
    </div>
  );
}

/** A malformed escape (`/runs/%E0`) is kept as typed: the API then says there is no such run. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
