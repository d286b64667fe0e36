// What the editor does as propose mode starts and stops, and when the draft loses changes (a revert, "Discard
// all", a pull request opened from it): the tree and every tab are read again from where the editor now reads
// them, so no tab keeps a version (and an ETag) of the other side. A tab with unsaved text is never replaced:
// it gets the "changed outside this tab" notice instead (tab-versions.ts).
import { discardDraft, revertDraftChange, type DraftChange } from "../../api/drafts.js";
import { closeTab, editorModel, loadIntoTab, refreshReadOnly, reloadTree } from "../editor-store.js";
import { checkOpenTabs } from "../tab-versions.js";
import { canPropose, proposeMode, refreshDraft, setProposing, settleProposing } from "./propose-mode.js";

/** "Propose changes": the editor becomes editable, and every save, new file, rename and delete goes to the draft. */
export async function startProposing(): Promise<void> {
  await refreshDraft();
  setProposing(true);
  await reloadEditor();
}

/** Back to the read-only workspace; the draft stays on the server (unsaved text in tabs is lost: the page asks). */
export async function stopProposing(): Promise<void> {
  setProposing(false);
  await reloadEditor();
}

let resumeChecked = false;

/**
 * Once per page load, when the person may propose: a draft with changes opens the editor in propose mode, since
 * the draft (on the server) is what they were working on.
 */
export async function resumeProposing(): Promise<void> {
  if (resumeChecked || !canPropose()) return;
  resumeChecked = true;
  const draft = await refreshDraft().catch(() => undefined);
  if (!draft || draft.changes.length === 0 || proposeMode.get().on) return;
  setProposing(true);
  await reloadEditor();
}

/** Reads the tree and every tab again after the mode switched, then lets the editor be typed in. */
async function reloadEditor(): Promise<void> {
  try {
    await reloadTree();
    await Promise.all(editorModel.get().tabs.map((tab) => loadIntoTab(tab.path)));
  } finally {
    settleProposing();
    refreshReadOnly();
  }
}

/** Forgets one change (with the deletion that was the other half of its rename). */
export async function revertChange(change: DraftChange): Promise<void> {
  const source = change.renamedFrom ? proposeMode.get().draft?.changes.find((c) => c.path === change.renamedFrom && c.kind === "deleted") : undefined;
  await revertDraftChange(change.path);
  await afterDraftForgot(source ? [change, source] : [change]);
}

/** "Discard all": every change of the draft is forgotten. */
export async function discardAllChanges(): Promise<void> {
  const changes = proposeMode.get().draft?.changes ?? [];
  await discardDraft();
  await afterDraftForgot(changes);
}

/**
 * The draft no longer holds `changes`: the tree follows, the tabs of files the draft had added are closed (they
 * exist nowhere now), and the others show the workspace's version again.
 */
export async function afterDraftForgot(changes: readonly DraftChange[]): Promise<void> {
  await reloadTree();
  const byPath = new Map(changes.map((change) => [change.path, change]));
  for (const tab of editorModel.get().tabs) {
    const change = byPath.get(tab.path);
    if (!change || tab.dirty) continue;
    if (change.kind === "added") closeTab(tab.path);
    else await loadIntoTab(tab.path);
  }
  await checkOpenTabs();
}
