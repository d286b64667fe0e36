// A run watched live, with what an operator can do to it: Cancel while it is queued or running ("Cancelling…"
// until the final status names who cancelled), Re-run with the same parameters, or Edit and re-run (the run form,
// filled with them). Readers watch the same view without the buttons.
import { useState } from "preact/hooks";
import { ApiError, describeError } from "../api/client.js";
import { cancelRun, isFinished, type RunRecord } from "../api/workflows.js";
import { followLink } from "../router.js";
import { canRun, canWrite, session } from "../session.js";
import { useStore } from "../store.js";
import { RunView, type RunViewProps } from "../workflows/run-view.js";
import { queueAndRemember } from "./run-starter.js";
import { useLiveRun } from "./use-live-run.js";

export interface LiveRunViewProps {
  runId: string;
  /** The record already in hand (the answer that queued it): shown at once. */
  initial?: RunRecord | undefined;
  /** A re-run was queued: show it (the page navigates to it). */
  onStarted?: (record: RunRecord) => void;
  /** The run reached its final status. */
  onFinished?: (record: RunRecord) => void;
  compact?: boolean;
  /** The run's title level (RunView): 1 where the run is the page. */
  headingLevel?: RunViewProps["headingLevel"];
  /** A run of the caller's draft (the editor's run panel; a record with `draft` says so too). */
  draft?: boolean;
}

export function LiveRunView({ runId, initial, onStarted, onFinished, compact, headingLevel, draft }: LiveRunViewProps) {
  const live = useLiveRun(runId, initial, { onFinished });
  const current = useStore(session);
  const [busy, setBusy] = useState<"cancel" | "rerun" | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();
  const run = live.record;

  if (!run) {
    return live.loadError ? <p class="error" role="alert">Could not load the run: {live.loadError}</p> : <p class="muted">Loading the run…</p>;
  }
  const finished = isFinished(live.status || run.status);
  const operator = canRun(current);
  // A draft run is re-run from the caller's own draft (an admin's: drafts are theirs); the Workflows page runs
  // the workspace's version, so it offers no "Edit and re-run" for one.
  const draftRun = draft === true || run.draft !== undefined;
  const canRerun = draftRun ? canWrite(current) : true;

  const cancel = async () => {
    setBusy("cancel");
    setActionError(undefined);
    try {
      const record = await cancelRun(run.id);
      if (isFinished(record.status)) live.setRecord(record);
      else live.markCancelling(current.user);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) live.reload();
      setActionError(describeError(error));
    } finally {
      setBusy(undefined);
    }
  };
  const rerun = async () => {
    setBusy("rerun");
    setActionError(undefined);
    try {
      onStarted?.(await queueAndRemember(run.workflow, run.params ?? {}, { draft: draftRun }));
    } catch (error) {
      setActionError(describeError(error));
    } finally {
      setBusy(undefined);
    }
  };

  const cancelling = live.status === "cancelling";
  const actions = operator ? (
    <>
      {!finished && (
        <button type="button" class="danger" onClick={() => void cancel()} disabled={busy === "cancel" || cancelling}>
          {cancelling || busy === "cancel" ? "Cancelling…" : "Cancel run"}
        </button>
      )}
      {onStarted && canRerun && (
        <button type="button" onClick={() => void rerun()} disabled={busy === "rerun"}>
          {busy === "rerun" ? "Starting…" : draftRun ? "Re-run your draft" : "Re-run"}
        </button>
      )}
      {!draftRun && (
        <a class="button" href={`/workflows?name=${encodeURIComponent(run.workflow)}&from=${encodeURIComponent(run.id)}`} onClick={followLink}>
          Edit and re-run
        </a>
      )}
      {actionError && <p class="error" role="alert">{actionError}</p>}
    </>
  ) : undefined;

  return (
    <>
      <RunView run={run} live={live} actions={actions} compact={compact} headingLevel={headingLevel} />
      {live.watchError && <p class="muted small" role="status">Following the run: {live.watchError} (retrying)</p>}
    </>
  );
}
