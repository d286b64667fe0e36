// The 412 dialog: the file changed on the server since it was opened, so the save was not applied. Three
// ways out, each one call in editor-store.ts.
import { useState } from "preact/hooks";
import { Dialog } from "../ui/dialog.js";
import { overwriteTheirs, reloadTheirs, saveCopyOfMine, type Tab } from "./editor-store.js";

export function ConflictDialog({ tab }: { tab: Tab }) {
  const [busy, setBusy] = useState(false);
  const act = (action: () => Promise<unknown>) => {
    setBusy(true);
    void action().finally(() => setBusy(false));
  };
  return (
    <Dialog
      title="This file changed on the server"
      onClose={() => act(() => reloadTheirs(tab.path))}
      actions={
        <>
          <button type="button" disabled={busy} onClick={() => act(() => reloadTheirs(tab.path))}>Reload theirs</button>
          <button type="button" disabled={busy} onClick={() => act(() => saveCopyOfMine(tab.path))}>Save mine as a copy</button>
          <button type="button" class="danger" disabled={busy} onClick={() => act(() => overwriteTheirs(tab.path))}>Overwrite with mine</button>
        </>
      }
    >
      <p>
        Someone saved <code>{tab.path}</code> after you opened it, so your save was not applied. Choose what to keep:
      </p>
      <ul>
        <li><strong>Reload theirs</strong>: discard your changes and load the saved version.</li>
        <li><strong>Save mine as a copy</strong>: keep both; your text goes to a new file next to it.</li>
        <li><strong>Overwrite with mine</strong>: replace their version with yours.</li>
      </ul>
    </Dialog>
  );
}
