// The draft's changes, in the editor's sidebar while proposing (so in the Files drawer on a narrow window): each
// path with its mark, a link that opens it, its diff against the workspace, and Revert; "Discard all" empties the
// draft. Both ask first: a draft's version of a file exists nowhere else.
import { useState } from "preact/hooks";
import { describeError } from "../../api/client.js";
import type { DraftChange } from "../../api/drafts.js";
import { useStore } from "../../store.js";
import { ConfirmDialog } from "../../ui/dialog.js";
import { ChangeBadge } from "./change-badge.js";
import { ChangeDiffDialog } from "./change-diff-dialog.js";
import { discardAllChanges, revertChange } from "./propose-actions.js";
import { proposeMode } from "./propose-mode.js";

type Pending = { kind: "revert" | "diff"; change: DraftChange } | { kind: "discard" };

export function ChangesPanel({ onOpen }: { onOpen: (path: string) => void }) {
  const { draft } = useStore(proposeMode);
  const [pending, setPending] = useState<Pending | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const changes = draft?.changes ?? [];

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      setPending(undefined);
    } catch (reason) {
      setError(describeError(reason));
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => {
    setPending(undefined);
    setError(undefined);
  };

  return (
    <section class="changes-panel" aria-labelledby="changes-title" data-testid="changes-panel">
      <div class="changes-head">
        <h2 id="changes-title">
          Changes <span class="badge badge-neutral">{changes.length}</span>
        </h2>
        <button type="button" disabled={changes.length === 0} onClick={() => setPending({ kind: "discard" })}>Discard all</button>
      </div>
      {!draft && <p class="muted small">Loading your draft…</p>}
      {draft && changes.length === 0 && <p class="muted small">No changes yet: save a file, or create, rename or delete one, and it is listed here.</p>}
      {changes.length > 0 && (
        <ul class="changes-list">
          {changes.map((change) => (
            <li key={change.path} data-path={change.path}>
              <ChangeBadge kind={change.kind} />
              <span class="change-path">
                {change.kind === "deleted" ? (
                  <span class="deleted-path">{change.path}</span>
                ) : (
                  <button type="button" class="link-button" title={`Open ${change.path}`} onClick={() => onOpen(change.path)}>{change.path}</button>
                )}
                {change.renamedFrom && <span class="muted small"> (renamed from {change.renamedFrom})</span>}
              </span>
              <span class="change-actions">
                <button type="button" aria-label={`Diff of ${change.path}`} onClick={() => setPending({ kind: "diff", change })}>Diff</button>
                <button type="button" aria-label={`Revert ${change.path}`} onClick={() => setPending({ kind: "revert", change })}>Revert</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {pending?.kind === "diff" && <ChangeDiffDialog change={pending.change} onClose={cancel} />}
      {pending?.kind === "revert" && (
        <ConfirmDialog
          title="Revert this change?"
          message={
            <p>
              Forget your draft's change of <code>{pending.change.path}</code>
              {pending.change.renamedFrom && <> (and bring back <code>{pending.change.renamedFrom}</code>)</>}? The workspace's version is shown again;
              your draft's version is lost.
            </p>
          }
          confirmLabel="Revert"
          danger
          busy={busy}
          error={error}
          onCancel={cancel}
          onConfirm={() => void act(() => revertChange(pending.change))}
        />
      )}
      {pending?.kind === "discard" && (
        <ConfirmDialog
          title="Discard all changes?"
          message={<p>Forget all {changes.length === 1 ? "the one change" : `${changes.length} changes`} of your draft? The workspace is not touched; what your draft holds is lost.</p>}
          confirmLabel="Discard all"
          danger
          busy={busy}
          error={error}
          onCancel={cancel}
          onConfirm={() => void act(discardAllChanges)}
        />
      )}
    </section>
  );
}
