// When the file on the server is not the version a tab loaded: a save refused with 412, or a change made
// elsewhere (another tab, a person, a sync) that the tab notices when the window regains focus. Nothing here
// discards the editor's text without being asked, and even then the text stays (undo, and "Restore my text"
// until the next save).
import { ApiError, describeError } from "../api/client.js";
import { listWorkflows } from "../api/workflows.js";
import * as files from "./editor-files.js";
import { editorModel, getTab, loadIntoTab, openFile, reloadTree, replaceTabText, saveTab, tabText, updateTab } from "./editor-store.js";
import { planWorkflowCopy } from "./workflow-copy.js";

/** The version on the server, for the conflict dialog's diff: its text and ETag, or `undefined` when deleted. */
export async function readTheirs(path: string): Promise<{ text: string | undefined; etag: string } | undefined> {
  try {
    const file = await files.readFile(path);
    return { text: file.text, etag: file.etag };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Closes the dialog and keeps the editor as it is; the notice says the server has another version. */
export function keepEditing(path: string): void {
  const tab = getTab(path);
  if (!tab?.conflict) return;
  updateTab(path, { conflict: undefined, outdated: { etag: tab.conflict.currentEtag } });
}

/** "Show diff" on the notice: the conflict dialog for a change made elsewhere. */
export function showDiff(path: string): void {
  const tab = getTab(path);
  if (tab?.outdated) updateTab(path, { conflict: { currentEtag: tab.outdated.etag, reason: "outside" } });
}

/**
 * Loads the server's version into the tab as one undoable change. Unsaved text is kept in memory until the
 * tab's next save ("Restore my text"); Ctrl-Z also brings it back.
 */
export async function reloadTheirs(path: string): Promise<void> {
  const tab = getTab(path);
  const mine = tabText(path);
  if (!tab || mine === undefined) return loadIntoTab(path);
  let file: files.LoadedFile;
  try {
    file = await files.readFile(path);
  } catch (error) {
    updateTab(path, { error: describeError(error) });
    return;
  }
  if (file.text === undefined) return loadIntoTab(path);
  const keptCopy = tab.dirty && mine !== file.text ? mine : tab.keptCopy;
  updateTab(path, { etag: file.etag, savedText: file.text, conflict: undefined, outdated: undefined, error: undefined, keptCopy });
  replaceTabText(path, file.text);
}

/** Puts the text kept by "Reload theirs" back (unsaved). */
export function restoreKeptCopy(path: string): void {
  const kept = getTab(path)?.keptCopy;
  if (kept === undefined) return;
  updateTab(path, { keptCopy: undefined });
  replaceTabText(path, kept);
}

export function dismissKeptCopy(path: string): void {
  updateTab(path, { keptCopy: undefined });
}

export function dismissNote(path: string): void {
  updateTab(path, { note: undefined });
}

/** Writes my text over the server's version: the one shown in the diff (`etag`), or creates it again if deleted. */
export async function overwriteTheirs(path: string, etag: string | undefined): Promise<void> {
  updateTab(path, { conflict: undefined });
  await saveTab(path, etag === undefined ? { create: true } : { overwriteEtag: etag });
}

/**
 * Saves my text as a new file next to it (`name.mine.ext`), opens it, and loads theirs into this tab. A copy
 * of a workflow gets a workflow name of its own (or is refused, the dialog saying why): never the original's.
 */
export async function saveCopyOfMine(path: string): Promise<string | undefined> {
  const text = tabText(path);
  if (text === undefined) return undefined;
  const dot = path.lastIndexOf(".");
  const slash = path.lastIndexOf("/");
  const [stem, extension] = dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ""];
  let listing;
  try {
    listing = await listWorkflows();
  } catch (error) {
    throw new Error(`Your text was not saved as a copy: the workflow names in use could not be read (${describeError(error)}). Try again.`);
  }
  const plan = planWorkflowCopy(`${stem}.mine${extension}`, text, {
    originalIsWorkflow: listing.workflows.some((w) => w.file === path),
    takenNames: new Set(listing.workflows.map((w) => w.name)),
  });
  if ("refused" in plan) throw new Error(plan.refused);
  for (let n = 1; n <= 20; n++) {
    const candidate = `${stem}.mine${n === 1 ? "" : `-${n}`}${extension}`;
    try {
      await files.writeFile(candidate, plan.text, { createOnly: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) continue;
      throw error;
    }
    await reloadTree();
    await reloadTheirs(path);
    // The copy holds my text: nothing to keep in memory for the original's tab.
    updateTab(path, { keptCopy: undefined });
    await openFile(candidate);
    if (plan.renamed) {
      updateTab(candidate, {
        note: `This copy is the workflow "${plan.renamed.to}": "${plan.renamed.from}" stays the original's, and two workflows cannot share a name.`,
      });
    }
    return candidate;
  }
  throw new Error("Your text was not saved as a copy: no free file name was found. Rename the older copies first.");
}

// ---- noticing changes made elsewhere ----

let checking: Promise<void> | undefined;
let again = false;

/**
 * Compares every open tab's version with the server's (If-None-Match: a 304 when unchanged) and marks those
 * that changed or went away as outdated. Never changes a tab's text. Calls while one runs are folded into one
 * more pass after it.
 */
export function checkOpenTabs(): Promise<void> {
  if (checking) {
    again = true;
    return checking;
  }
  checking = (async () => {
    do {
      again = false;
      for (const tab of editorModel.get().tabs) await checkTab(tab.path);
    } while (again);
  })().finally(() => {
    checking = undefined;
  });
  return checking;
}

async function checkTab(path: string): Promise<void> {
  const tab = getTab(path);
  if (!tab || tab.loading || tab.saving || tab.conflict || tab.savedText === undefined || !tab.etag) return;
  let check: files.FileCheck;
  try {
    check = await files.checkFile(path, tab.etag);
  } catch {
    return; // Offline for a moment: the next return to the window asks again.
  }
  const now = getTab(path);
  // Saved or reloaded meanwhile: this answer is about an older version.
  if (!now || now.etag !== tab.etag) return;
  if (check.status === "unchanged") {
    if (now.outdated) updateTab(path, { outdated: undefined });
  } else {
    const etag = check.status === "changed" ? check.etag : undefined;
    if (!now.outdated || now.outdated.etag !== etag) updateTab(path, { outdated: { etag } });
  }
}
