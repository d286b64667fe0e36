// Starting a run from the UI, one way everywhere (the Workflows page's form, the editor's run panel, Re-run):
// queued (the answer comes at once, and the run is watched live), its parameters remembered for the next form
// (secret-looking ones never), and a refusal read back onto the form: a 400's problems under their fields, the
// rest as one message. A draft run (the editor's run panel in propose mode) runs the caller's draft's version of the
// workflow instead of the workspace's.
import { useState } from "preact/hooks";
import { runDraftWorkflow } from "../api/drafts.js";
import { queueRun, type RunRecord } from "../api/workflows.js";
import { readParamProblems, rememberParams } from "./run-params.js";

export interface StartRunOptions {
  /** Run the caller's draft of the workspace (POST /api/drafts/mine/runs/{name}), not the workspace. */
  draft?: boolean;
}

/** Queues a run (a draft run is waited for: it cannot be queued) and remembers its parameters for the next form. */
export async function queueAndRemember(workflow: string, params: Record<string, unknown>, options: StartRunOptions = {}): Promise<RunRecord> {
  const record = options.draft ? await runDraftWorkflow(workflow, params) : await queueRun(workflow, params);
  rememberParams(workflow, params);
  return record;
}

export interface RunStarter {
  busy: boolean;
  /** What went wrong that no single field explains. */
  runError: string | undefined;
  /** Messages by parameter name, from a 400 `invalid_params`. */
  fieldErrors: Record<string, string>;
  /**
   * Queues the run (after `before`, whose failure is reported like the run's); resolves with the queued record,
   * or undefined when it was refused (the reason is in `runError` / `fieldErrors`).
   */
  start: (workflow: string, params: Record<string, unknown>, options?: StartRunOptions & { before?: () => Promise<void> }) => Promise<RunRecord | undefined>;
  setRunError: (message: string | undefined) => void;
  /** Forgets the last refusal (another workflow was chosen). */
  clear: () => void;
}

export function useRunStarter(): RunStarter {
  const [busy, setBusy] = useState(false);
  const [runError, setRunError] = useState<string | undefined>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const clear = () => {
    setRunError(undefined);
    setFieldErrors({});
  };
  const start: RunStarter["start"] = async (workflow, params, options = {}) => {
    setBusy(true);
    clear();
    try {
      await options.before?.();
      return await queueAndRemember(workflow, params, { draft: options.draft });
    } catch (error) {
      const { byField, other } = readParamProblems(error);
      setFieldErrors(byField);
      setRunError(other);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, runError, fieldErrors, start, setRunError, clear };
}
