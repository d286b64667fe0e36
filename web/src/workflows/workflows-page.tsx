// Workflows: the list from discovery (files that failed to load are listed with their error), the run
// form for the chosen workflow, the result of the last run and the run history.
// /workflows?name=<workflow>&run=<id> is addressable, so a run can be linked.
import { useEffect, useState } from "preact/hooks";
import { ApiError, describeError } from "../api/client.js";
import { getRun, listRuns, listWorkflows, startRun, type RunRecord, type WorkflowList } from "../api/workflows.js";
import { followLink, navigate, useLocation } from "../router.js";
import { missingRoleReason, session } from "../session.js";
import { useStore } from "../store.js";
import { RunForm } from "./run-form.js";
import { RunView, SourceLink, formatDuration } from "./run-view.js";

export function WorkflowsPage() {
  const url = useLocation();
  const current = useStore(session);
  const selectedName = url.searchParams.get("name") ?? undefined;
  const runId = url.searchParams.get("run") ?? undefined;
  const [list, setList] = useState<WorkflowList | undefined>();
  const [listError, setListError] = useState<string | undefined>();
  const [run, setRun] = useState<RunRecord | undefined>();
  const [runError, setRunError] = useState<string | undefined>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<RunRecord[] | undefined>();
  const [historyError, setHistoryError] = useState<string | undefined>();

  const loadList = async () => {
    setListError(undefined);
    try {
      setList(await listWorkflows());
    } catch (error) {
      setListError(describeError(error));
    }
  };
  const loadHistory = async (name: string) => {
    try {
      setHistory(await listRuns(name));
      setHistoryError(undefined);
    } catch (error) {
      setHistoryError(describeError(error));
    }
  };

  useEffect(() => void loadList(), []);
  useEffect(() => {
    setHistory(undefined);
    setFieldErrors({});
    setRunError(undefined);
    if (selectedName) void loadHistory(selectedName);
  }, [selectedName]);
  useEffect(() => {
    if (!runId) return setRun(undefined);
    if (run?.id === runId) return;
    getRun(runId).then(setRun, (error: unknown) => setRunError(describeError(error)));
  }, [runId]);

  const workflow = list?.workflows.find((w) => w.name === selectedName);

  const onRun = async (params: Record<string, unknown>) => {
    if (!workflow) return;
    setBusy(true);
    setRunError(undefined);
    setFieldErrors({});
    try {
      const record = await startRun(workflow.name, params);
      setRun(record);
      navigate(`/workflows?name=${encodeURIComponent(workflow.name)}&run=${encodeURIComponent(record.id)}`, { replace: true });
    } catch (error) {
      const problems = error instanceof ApiError && Array.isArray(error.body.problems) ? (error.body.problems as { field?: string; reason?: string }[]) : [];
      const byField = Object.fromEntries(
        problems.filter((p) => p.field?.startsWith("params.")).map((p) => [p.field!.slice("params.".length), `This field ${p.reason ?? "is invalid"}.`]),
      );
      if (Object.keys(byField).length > 0) {
        setFieldErrors(byField);
        if (Object.keys(byField).length < problems.length) setRunError(describeError(error));
      } else if (error instanceof ApiError && error.body.run && typeof error.body.run === "object") {
        setRun(error.body.run as RunRecord);
      } else {
        setRunError(describeError(error));
      }
    } finally {
      setBusy(false);
      void loadHistory(workflow.name);
    }
  };

  return (
    <div class="workflows-page">
      <aside class="sidebar" aria-label="Workflows">
        <div class="toolbar">
          <h2>Workflows</h2>
          <button type="button" onClick={() => void loadList()}>Refresh</button>
        </div>
        {listError && <p class="error" role="alert">Could not list the workflows: {listError}</p>}
        {!list && !listError && <p class="muted">Loading…</p>}
        {list && list.workflows.length === 0 && <p class="muted">No workflows yet: create a file that default-exports defineWorkflow(…) in the editor.</p>}
        {list && (
          <ul class="workflow-list">
            {list.workflows.map((w) => (
              <li key={w.name}>
                <a
                  href={`/workflows?name=${encodeURIComponent(w.name)}`}
                  onClick={followLink}
                  aria-current={w.name === selectedName ? "page" : undefined}
                >
                  <strong>{w.name}</strong>
                  <span class="muted small">{w.file}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
        {list && list.errors.length > 0 && (
          <section class="load-errors" aria-label="Files that failed to load">
            <h3>Failed to load</h3>
            <ul>
              {list.errors.map((failure) => (
                <li key={failure.file} class="load-error">
                  <SourceLink file={failure.error.file ?? failure.file} line={failure.error.line} />
                  <p class="error">{failure.error.message}</p>
                </li>
              ))}
            </ul>
          </section>
        )}
      </aside>
      <section class="workflow-main" aria-label="Workflow">
        {!workflow && <p class="muted placeholder">{selectedName && list ? `No workflow is named "${selectedName}".` : "Choose a workflow to run it."}</p>}
        {workflow && (
          <>
            <h2>{workflow.name}</h2>
            {workflow.description && <p>{workflow.description}</p>}
            <p class="muted small">
              Defined in <SourceLink file={workflow.file} />
            </p>
            <RunForm
              workflow={workflow}
              busy={busy}
              fieldErrors={fieldErrors}
              blockedReason={missingRoleReason(current, "operator")}
              onRun={(params) => void onRun(params)}
            />
            {runError && <p class="error" role="alert">{runError}</p>}
            {run && run.workflow === workflow.name && <RunView run={run} />}
            <section class="history" aria-label="Run history">
              <h3>History</h3>
              {historyError && <p class="error" role="alert">{historyError}</p>}
              {history && history.length === 0 && <p class="muted">No runs yet.</p>}
              {history && history.length > 0 && (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Started</th>
                      <th scope="col">By</th>
                      <th scope="col">Status</th>
                      <th scope="col">Duration</th>
                      <th scope="col">Run</th>
                    </tr>
                  </thead>
                  <tbody>
                    {history.map((item) => (
                      <tr key={item.id} class={item.id === run?.id ? "current" : ""}>
                        <td>{item.startedAt ? new Date(item.startedAt).toLocaleString() : "—"}</td>
                        <td>{item.startedBy ?? <span class="muted">—</span>}</td>
                        <td>{item.status}</td>
                        <td>{item.durationMs !== undefined ? formatDuration(item.durationMs) : "—"}</td>
                        <td>
                          <a
                            href={`/workflows?name=${encodeURIComponent(workflow.name)}&run=${encodeURIComponent(item.id)}`}
                            onClick={(event) => {
                              setRun(item.id === run?.id ? run : undefined);
                              followLink(event);
                            }}
                          >
                            {item.id.slice(0, 8)}
                          </a>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </>
        )}
      </section>
    </div>
  );
}
