// The file on the server is not the version this tab loaded: a save was refused (412), or "Show diff" on the
// notice of a change made elsewhere. The dialog shows both texts side by side and offers four ways out; the one
// focused first, and Escape, keep the editor as it is. Replacing the text with the server's is a click of its own
// (and even then the text is kept until the next save: tab-versions.ts).
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { Dialog } from "../ui/dialog.js";
import "./conflict-dialog.css";
import { isReadOnly, tabText, type Tab } from "./editor-store.js";
import { isProposing } from "./propose/propose-mode.js";
import { keepEditing, overwriteTheirs, readTheirs, reloadTheirs, saveCopyOfMine } from "./tab-versions.js";

type Theirs = { state: "loading" } | { state: "loaded"; text: string | undefined; etag: string } | { state: "deleted" } | { state: "failed"; error: string };

export function ConflictDialog({ tab }: { tab: Tab }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [theirs, setTheirs] = useState<Theirs>({ state: "loading" });
  const keep = useRef<HTMLButtonElement>(null);
  const diffHost = useRef<HTMLDivElement>(null);
  const readOnly = isReadOnly();

  // The safe choice has the focus (the native dialog would give it to the first button otherwise).
  useEffect(() => keep.current?.focus(), []);

  useEffect(() => {
    let cancelled = false;
    readTheirs(tab.path).then(
      (found) => !cancelled && setTheirs(found ? { state: "loaded", ...found } : { state: "deleted" }),
      (reason: unknown) => !cancelled && setTheirs({ state: "failed", error: describeError(reason) }),
    );
    return () => {
      cancelled = true;
    };
  }, [tab.path, tab.conflict?.currentEtag]);

  useEffect(() => {
    const host = diffHost.current;
    if (!host || theirs.state !== "loaded" || theirs.text === undefined) return;
    let view: { destroy(): void } | undefined;
    let cancelled = false;
    void import("./diff-view.js").then(({ createDiffView }) => {
      if (cancelled) return;
      view = createDiffView(host, { path: tab.path, mine: tabText(tab.path) ?? "", theirs: theirs.text ?? "" });
    });
    return () => {
      cancelled = true;
      view?.destroy();
    };
  }, [theirs]);

  const act = (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    void action()
      .catch((reason: unknown) => setError(describeError(reason)))
      .finally(() => setBusy(false));
  };
  const theirsEtag = theirs.state === "loaded" ? theirs.etag : theirs.state === "deleted" ? undefined : tab.conflict?.currentEtag;
  const settled = theirs.state === "loaded" || theirs.state === "deleted";
  const fromSave = tab.conflict?.reason === "save";

  return (
    <Dialog
      title={fromSave ? "This file changed on the server" : "This file changed outside this tab"}
      className="conflict-dialog"
      onClose={() => keepEditing(tab.path)}
      actions={
        <>
          <button type="button" ref={keep} class="primary" disabled={busy} onClick={() => keepEditing(tab.path)}>
            Keep editing
          </button>
          {!readOnly && (
            <>
              <button type="button" disabled={busy} onClick={() => act(() => saveCopyOfMine(tab.path))}>Save mine as a copy</button>
              <button type="button" class="danger" disabled={busy || !settled} onClick={() => act(() => overwriteTheirs(tab.path, theirsEtag))}>
                Overwrite with mine
              </button>
            </>
          )}
          <button type="button" class="danger" disabled={busy || theirs.state === "deleted"} onClick={() => act(() => reloadTheirs(tab.path))}>
            Reload theirs
          </button>
        </>
      }
    >
      <p>
        {fromSave && isProposing() ? (
          // A draft is one person's: the other writer was this person, in another tab or window.
          <>Your draft of <code>{tab.path}</code> changed in another tab or window after you opened it, so your save was not applied.</>
        ) : fromSave ? (
          <>Someone saved <code>{tab.path}</code> after you opened it, so your save was not applied.</>
        ) : (
          <><code>{tab.path}</code> was changed outside this tab (another tab, a person or a sync).</>
        )}{" "}
        Nothing is lost: your text stays in the editor until you choose.
      </p>
      {theirs.state === "loading" && <p class="muted">Loading the version on the server…</p>}
      {theirs.state === "failed" && <p class="error" role="alert">Could not load the version on the server: {theirs.error}</p>}
      {theirs.state === "deleted" && <p><strong>The file was deleted on the server.</strong> Overwrite with mine creates it again.</p>}
      {theirs.state === "loaded" && theirs.text === undefined && <p class="muted">The server's version is not text, so there is no diff.</p>}
      {theirs.state === "loaded" && theirs.text !== undefined && (
        <>
          <div class="diff-labels" aria-hidden="true">
            <span>Your text (not saved)</span>
            <span>On the server now</span>
          </div>
          <div ref={diffHost} class="diff-host" data-testid="conflict-diff" />
        </>
      )}
      <ul class="conflict-choices">
        <li><strong>Keep editing</strong> (or Escape): close this and change nothing; saving will ask again.</li>
        {!readOnly && <li><strong>Save mine as a copy</strong>: keep both; your text goes to a new file next to it (a workflow gets a name of its own).</li>}
        {!readOnly && <li><strong>Overwrite with mine</strong>: replace the server's version with your text.</li>}
        <li><strong>Reload theirs</strong>: load the server's version; your text is kept until you next save (Restore, or Ctrl+Z).</li>
      </ul>
      {error && <p class="error" role="alert">{error}</p>}
    </Dialog>
  );
}
