// Workflows: the list from discovery (files that failed to load are listed with their error), the run form for the
// chosen workflow (starting from the last parameters used in this browser, or from a run being edited), the run
// being watched live, and the workflow's run history.
// /workflows?name=<workflow>&run=<id> is addressable, so a run can be linked; &from=<id> fills the form from a run.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { getRun, listWorkflows, type RunRecord, type WorkflowList } from "../api/workflows.js";
import { followLink, navigate, useLocation } from "../router.js";
import { LiveRunView } from "../runs/live-run-view.js";
import { recallParams } from "../runs/run-params.js";
import { useRunStarter } from "../runs/run-starter.js";
import { RunsTable } from "../runs/runs-table.js";
import { useRunList } from "../runs/use-run-list.js";
import { missingRoleReason, session } from "../session.js";
import { useStore } from "../store.js";
import { useDrawer } from "../ui/use-drawer.js";
import { RunForm } from "./run-form.js";
import { SourceLink } from "./run-view.js";

export function WorkflowsPage() {
  const url = useLocation();
  const current = useStore(session);
  const selectedName = url.searchParams.get("name") ?? undefined;
  const runId = url.searchParams.get("run") ?? undefined;
  const fromId = url.searchParams.get("from") ?? undefined;
  const [list, setList] = useState<WorkflowList | undefined>();
  const [listError, setListError] = useState<string | undefined>();
  const [started, setStarted] = useState<RunRecord | undefined>();
  const starter = useRunStarter();
  const [fromParams, setFromParams] = useState<{ id: string; params: Record<string, unknown> } | undefined>();
  const history = useRunList({ workflow: selectedName }, { pageSize: 20, enabled: selectedName !== undefined });
  // On a narrow window the list is a drawer; choosing a workflow closes it.
  const drawer = useDrawer("workflows-list", { initialFocus: ['.workflow-list a[aria-current="page"]', ".workflow-list a"], closeOn: selectedName });

  const loadList = async () => {
    setListError(undefined);
    try {
      setList(await listWorkflows());
    } catch (error) {
      setListError(describeError(error));
    }
  };

  useEffect(() => void loadList(), []);
  useEffect(() => starter.clear(), [selectedName]);
  useEffect(() => {
    if (!fromId) return setFromParams(undefined);
    getRun(fromId).then(
      (record) => setFromParams({ id: record.id, params: record.params ?? {} }),
      (error: unknown) => starter.setRunError(`Could not read the run to edit: ${describeError(error)}`),
    );
  }, [fromId]);

  const workflow = list?.workflows.find((w) => w.name === selectedName);
  const initialValues = fromParams && fromId === fromParams.id ? fromParams.params : workflow ? recallParams(workflow.name) : undefined;

  const onRun = async (params: Record<string, unknown>) => {
    if (!workflow) return;
    const record = await starter.start(workflow.name, params);
    if (!record) return;
    setStarted(record);
    navigate(`/workflows?name=${encodeURIComponent(workflow.name)}&run=${encodeURIComponent(record.id)}`, { replace: true });
    history.reload();
  };

  return (
    <div class="workflows-page">
      <div class="page-bar">
        <h1>Workflows</h1>
        <button class="drawer-toggle" {...drawer.toggleProps}>
          All workflows
          {/* The load errors are in the drawer: say there are some. */}
          {list && list.errors.length > 0 && <span class="badge badge-bad">{list.errors.length} failed</span>}
        </button>
      </div>
      <aside class="sidebar drawer" aria-label="Workflows" {...drawer.drawerProps}>
        <div class="toolbar">
          <h2>All workflows</h2>
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
      {drawer.open && <div class="drawer-backdrop" onClick={drawer.close} />}
      <section class="workflow-main" aria-label="Workflow">
        {!workflow && <p class="muted placeholder">{selectedName && list ? `No workflow is named "${selectedName}".` : "Choose a workflow to run it."}</p>}
        {workflow && (
          <>
            <h2>{workflow.name}</h2>
            {workflow.description && <p>{workflow.description}</p>}
            <p class="muted small">
              Defined in <SourceLink file={workflow.file} /> ·{" "}
              <a href={`/runs?workflow=${encodeURIComponent(workflow.name)}`} onClick={followLink}>All its runs</a>
            </p>
            {fromParams && fromId === fromParams.id && (
              <p class="notice" data-testid="editing-run">
                Parameters of run <code>{fromParams.id}</code>: change them, then Run.
              </p>
            )}
            <RunForm
              key={`${workflow.name}:${fromParams?.id ?? ""}`}
              workflow={workflow}
              busy={starter.busy}
              fieldErrors={starter.fieldErrors}
              initialValues={initialValues}
              blockedReason={missingRoleReason(current, "operator")}
              onRun={(params) => void onRun(params)}
            />
            {starter.runError && <p class="error" role="alert">{starter.runError}</p>}
            {runId && (
              <LiveRunView
                key={runId}
                runId={runId}
                initial={started?.id === runId ? started : undefined}
                onStarted={(record) => {
                  setStarted(record);
                  navigate(`/workflows?name=${encodeURIComponent(record.workflow)}&run=${encodeURIComponent(record.id)}`);
                  history.reload();
                }}
                onFinished={() => history.reload()}
              />
            )}
            <section class="history" aria-label="Run history">
              <h3>History</h3>
              {history.error && <p class="error" role="alert">{history.error}</p>}
              {history.runs && history.runs.length === 0 && <p class="muted">No runs yet.</p>}
              {history.runs && history.runs.length > 0 && (
                <RunsTable
                  runs={history.runs}
                  currentId={runId}
                  caption={`Runs of ${workflow.name}`}
                  hrefOf={(item) => `/workflows?name=${encodeURIComponent(workflow.name)}&run=${encodeURIComponent(item.id)}`}
                />
              )}
            </section>
          </>
        )}
      </section>
    </div>
  );
}
