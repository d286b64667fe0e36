// The run panel beside the code: the workflow the file defines, its run form (starting from the last parameters
// used in this browser), and the run watched live, whose error `file:line` links open the editor at that line.
// Opened by the file bar's Run button or Ctrl/Cmd-Enter, which also runs; a file with unsaved changes is saved
// first, since a run uses the code on disk. In propose mode it runs the person's draft of the workflow by default
// ("Run draft": the draft's files over the workspace's, nothing written; the workflow and its parameters are the
// draft's, from GET /api/drafts/mine/workflows), or the workspace's version when asked, and says which one a run was.
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { listDraftWorkflows } from "../api/drafts.js";
import { listWorkflows, type RunRecord, type WorkflowList } from "../api/workflows.js";
import { LiveRunView } from "../runs/live-run-view.js";
import { recallParams } from "../runs/run-params.js";
import { useRunStarter } from "../runs/run-starter.js";
import { RunForm } from "../workflows/run-form.js";
import { SourceLink } from "../workflows/run-view.js";
import { useStore } from "../store.js";
import { editorModel, isDirty, saveTab } from "./editor-store.js";
import { isProposing, proposeMode } from "./propose/propose-mode.js";

export interface RunPanelProps {
  /** The workflow file the panel runs. */
  path: string;
  /** Counts Ctrl/Cmd-Enter presses: each one runs with the form's values. */
  runToken: number;
  onClose: () => void;
}

export function RunPanel({ path, runToken, onClose }: RunPanelProps) {
  const [list, setList] = useState<WorkflowList | undefined>();
  const [listError, setListError] = useState<string | undefined>();
  const [run, setRun] = useState<RunRecord | undefined>();
  const starter = useRunStarter();
  const [pendingRun, setPendingRun] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useStore(proposeMode);
  const proposing = isProposing();
  const [runDraft, setRunDraft] = useState(true);
  const draftRun = proposing && runDraft;
  // Which version the run shown ran (its record says so too: RunRecord.draft).
  const [ranDraft, setRanDraft] = useState(false);

  const load = async () => {
    try {
      setList(await (draftRun ? listDraftWorkflows() : listWorkflows()));
      setListError(undefined);
    } catch (error) {
      setListError(describeError(error));
    }
  };
  // The other version chosen: its workflows (the draft may add one, or change its parameters).
  const shownVersion = useRef(draftRun);
  useEffect(() => {
    if (shownVersion.current === draftRun) return;
    shownVersion.current = draftRun;
    setList(undefined);
    void load();
  }, [draftRun]);
  useEffect(() => {
    setRun(undefined);
    starter.clear();
    void load();
    // Opened with the Run… button: into the panel. With Ctrl/Cmd-Enter: the keyboard stays in the code.
    if (runToken === 0) heading.current?.focus();
  }, [path]);
  // Each Ctrl/Cmd-Enter: read the list again (the file may have just become a workflow), then run.
  useEffect(() => {
    if (runToken === 0) return;
    void load().then(() => setPendingRun(runToken));
  }, [runToken]);

  const workflow = list?.workflows.find((w) => w.file === path);
  const loadError = list?.errors.find((failure) => failure.file === path);

  useEffect(() => {
    if (pendingRun === 0 || !workflow) return;
    setPendingRun(0);
    form.current?.requestSubmit();
  }, [pendingRun, workflow]);

  // A run uses the code on disk: unsaved changes are saved first, and a file that could not be saved is not run.
  const saveFirst = async () => {
    if (!isDirty(path)) return;
    await saveTab(path);
    const tab = editorModel.get().tabs.find((t) => t.path === path);
    if (tab?.dirty || tab?.conflict || tab?.error) throw new Error(`${path} could not be saved, so it was not run${tab?.error ? `: ${tab.error}` : "."}`);
  };
  const onRun = async (params: Record<string, unknown>) => {
    if (!workflow) return;
    // A workspace run in propose mode does not need the tab's text: it is the draft's, not the workspace's.
    const record = await starter.start(workflow.name, params, { before: draftRun || !proposing ? saveFirst : undefined, draft: draftRun });
    if (record) {
      setRanDraft(draftRun);
      setRun(record);
    }
  };

  return (
    <aside class="run-panel" aria-labelledby="run-panel-title" data-path={path}>
      <div class="run-panel-head">
        <h2 id="run-panel-title" tabIndex={-1} ref={heading}>
          {draftRun ? "Run draft of" : "Run"} {workflow ? <code>{workflow.name}</code> : path}
        </h2>
        <button type="button" class="link-button" onClick={onClose} aria-label="Close the run panel">Close</button>
      </div>
      {proposing && (
        <fieldset class="run-version">
          <legend>Version to run</legend>
          <label class="checkbox">
            <input type="radio" name="run-version" checked={runDraft} onChange={() => setRunDraft(true)} /> Your draft (saved first)
          </label>
          <label class="checkbox">
            <input type="radio" name="run-version" checked={!runDraft} onChange={() => setRunDraft(false)} /> The workspace, as synced
          </label>
        </fieldset>
      )}
      {listError && <p class="error" role="alert">Could not list the workflows: {listError}</p>}
      {!list && !listError && <p class="muted">Loading…</p>}
      {list && !workflow && loadError && (
        <div class="run-error" role="alert">
          <p>This file failed to load: {loadError.error.message}</p>
          <SourceLink file={loadError.error.file ?? loadError.file} line={loadError.error.line} />
        </div>
      )}
      {list && !workflow && !loadError && (
        <p class="muted">
          {proposing && !draftRun
            ? `${path} does not define a workflow in the workspace (as synced): choose your draft to run the draft's version.`
            : `${path} does not define a workflow${draftRun ? " in your draft" : ""}: its default export must be defineWorkflow(…). Save it, then press Ctrl+Enter again.`}
        </p>
      )}
      {workflow && (
        <>
          <RunForm
            key={workflow.name}
            workflow={workflow}
            runLabel={draftRun ? "Run draft" : "Run"}
            busy={starter.busy}
            fieldErrors={starter.fieldErrors}
            initialValues={recallParams(workflow.name)}
            formRef={form}
            onRun={(params) => void onRun(params)}
          />
          <p class="muted small">Ctrl+Enter (⌘+Enter) in the editor runs it again with these values.</p>
          {starter.runError && <p class="error" role="alert">{starter.runError}</p>}
          {run && (ranDraft || run.draft) && (
            <p class="notice small" data-testid="draft-run">
              <strong>Draft run</strong>: your draft's version of the workflow, with the draft's files over the workspace's.
            </p>
          )}
          {run && <LiveRunView key={run.id} runId={run.id} initial={run} compact onStarted={setRun} draft={ranDraft} />}
        </>
      )}
    </aside>
  );
}
