// The editor's state, kept outside the page so open tabs survive a visit to another page: the folder
// tree, the open tabs (ETag, saved text, dirty flag, save/conflict status) and each tab's CodeMirror
// state. The page renders it; the functions here and in tab-versions.ts (conflicts, outside changes) are
// every action the page can take.
import { ApiError, describeError } from "../api/client.js";
import type { WorkspaceTree } from "../api/workspace.js";
import { canWrite, connection, loadSession, missingRoleReason, refreshConnection, session } from "../session.js";
import { createStore } from "../store.js";
import type { EditorState, EditorView } from "./codemirror-setup.js";
// The workspace's files, or in propose mode the person's draft of them.
import * as files from "./editor-files.js";
import { canEditDraft, draftChangeOf, isProposing } from "./propose/propose-mode.js";

export interface Tab {
  path: string;
  etag: string;
  /** The text as last loaded or saved; `undefined` for binary files (no editor). */
  savedText: string | undefined;
  contentType: string;
  dirty: boolean;
  loading: boolean;
  saving: boolean;
  /** The last error of this tab (load or save), shown in its status bar. */
  error?: string;
  /**
   * Opens the conflict dialog: the file on the server is not the version loaded. `save`: a save was refused
   * (412); `outside`: "Show diff" on the outdated notice. `currentEtag` undefined: the file is gone.
   */
  conflict?: { currentEtag: string | undefined; reason: "save" | "outside" };
  /** The server holds another version (`etag`; undefined: deleted) than the one loaded: a notice, not a modal. */
  outdated?: { etag: string | undefined };
  /** The tab's text as it was before "Reload theirs" replaced it, kept until the next save for "Restore". */
  keptCopy?: string;
  /** A short note about the tab (e.g. the workflow name a copy was given), shown above the editor. */
  note?: string;
  /** Shown briefly after a save. */
  savedAt?: number;
}

export interface EditorModel {
  tree: WorkspaceTree | undefined;
  treeError: string | undefined;
  treeLoading: boolean;
  expanded: string[];
  /** Focused tree item (file or folder path). */
  selected: string | undefined;
  tabs: Tab[];
  active: string | undefined;
  /** A line to reveal once the active tab is shown (links from run errors). */
  pendingLine: number | undefined;
}

export const editorModel = createStore<EditorModel>({
  tree: undefined,
  treeError: undefined,
  treeLoading: false,
  expanded: [],
  selected: undefined,
  tabs: [],
  active: undefined,
  pendingLine: undefined,
});

type CodeMirror = typeof import("./codemirror-setup.js");
let codeMirror: Promise<CodeMirror> | undefined;
export const loadCodeMirror = (): Promise<CodeMirror> => (codeMirror ??= import("./codemirror-setup.js"));

/** Each tab's editor state (not in the store: it changes on every keystroke). */
const states = new Map<string, EditorState>();
let view: EditorView | undefined;

/** Read-only while GitHub manages the workspace (unless proposing changes), and for anyone without the admin role. */
export function isReadOnly(): boolean {
  return (connection.get()?.connected === true && !canEditDraft()) || !canWrite(session.get());
}

export function updateTab(path: string, change: Partial<Tab>): void {
  editorModel.set((model) => ({ ...model, tabs: model.tabs.map((tab) => (tab.path === path ? { ...tab, ...change } : tab)) }));
}

export function getTab(path: string): Tab | undefined {
  return editorModel.get().tabs.find((tab) => tab.path === path);
}

/** The tab's text as it is in the editor (unsaved changes included). */
export function tabText(path: string): string | undefined {
  return states.get(path)?.doc.toString();
}

/**
 * Replaces a tab's whole text as one change in its history, so Ctrl-Z brings the previous text back (a
 * reload from the server never loses an edit for good). Set the tab's `savedText` first: the dirty flag
 * follows the change.
 */
export function replaceTabText(path: string, text: string): void {
  const state = states.get(path);
  if (!state) return;
  // A user event of its own: CodeMirror's history never merges it with the typing before or after it.
  const change = { changes: { from: 0, to: state.doc.length, insert: text }, userEvent: "replace.server" };
  // The tab on show: through its view, which owns the newest state (selection included).
  if (view && editorModel.get().active === path && view.state.doc === state.doc) view.dispatch(change);
  else onTextChange(path, state.update(change).state);
}

export function hasUnsavedChanges(): boolean {
  return editorModel.get().tabs.some((tab) => tab.dirty);
}

// ---- tree ----

export async function reloadTree(): Promise<void> {
  editorModel.set((model) => ({ ...model, treeLoading: true }));
  try {
    const tree = await files.getTree();
    editorModel.set((model) => ({ ...model, tree, treeError: undefined, treeLoading: false }));
  } catch (error) {
    editorModel.set((model) => ({ ...model, treeError: describeError(error), treeLoading: false }));
  }
}

export function toggleFolder(path: string, open?: boolean): void {
  editorModel.set((model) => {
    const isOpen = model.expanded.includes(path);
    const next = open ?? !isOpen;
    if (next === isOpen) return model;
    return { ...model, expanded: next ? [...model.expanded, path] : model.expanded.filter((p) => p !== path) };
  });
}

export function selectPath(path: string | undefined): void {
  editorModel.set((model) => ({ ...model, selected: path }));
}

/** Opens every folder above a path so it is visible in the tree. */
function revealPath(path: string): void {
  const parts = path.split("/");
  const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
  editorModel.set((model) => ({ ...model, expanded: [...new Set([...model.expanded, ...parents])], selected: path }));
}

// ---- tabs ----

export function attachView(next: EditorView | undefined): void {
  view = next;
  if (next) void showActive();
}

async function showActive(): Promise<void> {
  const { active, pendingLine } = editorModel.get();
  const state = active ? states.get(active) : undefined;
  if (!view || !state) return;
  const cm = await loadCodeMirror();
  cm.showState(view, state, isReadOnly());
  if (pendingLine !== undefined) {
    cm.goToLine(view, pendingLine);
    editorModel.set((model) => ({ ...model, pendingLine: undefined }));
  }
}

/** Re-applies the read-only setting (after connect/disconnect) to the shown tab. */
export function refreshReadOnly(): void {
  void showActive();
}

export async function openFile(path: string, options: { line?: number } = {}): Promise<void> {
  revealPath(path);
  const existing = getTab(path);
  editorModel.set((model) => ({
    ...model,
    active: path,
    pendingLine: options.line,
    tabs: existing ? model.tabs : [...model.tabs, { path, etag: "", savedText: undefined, contentType: "", dirty: false, loading: true, saving: false }],
  }));
  if (existing && !existing.error) return void showActive();
  await loadIntoTab(path);
}

export async function loadIntoTab(path: string): Promise<void> {
  updateTab(path, { loading: true, error: undefined });
  const before = states.get(path);
  try {
    const [file, cm] = await Promise.all([files.readFile(path), loadCodeMirror()]);
    // Typed into while this was read (another load of the tab finished first, e.g. as propose mode starts): keep it.
    if (states.get(path) !== before && getTab(path)?.dirty) return updateTab(path, { loading: false });
    if (file.text !== undefined) states.set(path, makeState(cm, path, file.text));
    else states.delete(path);
    updateTab(path, { etag: file.etag, savedText: file.text, contentType: file.contentType, loading: false, dirty: false, conflict: undefined });
    if (editorModel.get().active === path) await showActive();
  } catch (error) {
    updateTab(path, { loading: false, error: describeError(error) });
  }
}

/** Ctrl/Cmd-Enter in a tab: counts up, with the tab's path (the page opens its run panel and runs). */
export const runRequests = createStore<{ count: number; path: string | undefined }>({ count: 0, path: undefined });

export function requestRun(path: string | undefined): void {
  runRequests.set((current) => ({ count: current.count + 1, path }));
}

function makeState(cm: CodeMirror, path: string, text: string): EditorState {
  return cm.createTabState({ path, text, readOnly: isReadOnly(), onChange: onTextChange, onSave: () => void saveActive(), onRun: () => requestRun(path) });
}

/** Whether the open tab of `path` has unsaved changes. */
export function isDirty(path: string): boolean {
  return getTab(path)?.dirty === true;
}

function onTextChange(path: string, state: EditorState): void {
  states.set(path, state);
  const tab = getTab(path);
  if (!tab) return;
  const dirty = tab.savedText !== undefined && state.doc.toString() !== tab.savedText;
  if (dirty !== tab.dirty) updateTab(path, { dirty, savedAt: undefined });
}

export function activateTab(path: string): void {
  editorModel.set((model) => ({ ...model, active: path, selected: path }));
  void showActive();
}

/** Closes a tab (the page asks before closing a dirty one). */
export function closeTab(path: string): void {
  states.delete(path);
  editorModel.set((model) => {
    const index = model.tabs.findIndex((tab) => tab.path === path);
    const tabs = model.tabs.filter((tab) => tab.path !== path);
    const active = model.active === path ? (tabs[Math.min(index, tabs.length - 1)]?.path ?? undefined) : model.active;
    return { ...model, tabs, active };
  });
  void showActive();
}

// ---- saving ----

export async function saveActive(): Promise<void> {
  const path = editorModel.get().active;
  if (path) await saveTab(path);
}

/** Saves a tab: over the version it loaded; `overwriteEtag` over that version instead; `create` only if absent. */
export async function saveTab(path: string, options: { overwriteEtag?: string; create?: boolean } = {}): Promise<void> {
  const tab = getTab(path);
  const state = states.get(path);
  if (!tab || !state || tab.saving) return;
  if (isReadOnly()) {
    updateTab(path, { error: readOnlyMessage() });
    return;
  }
  const text = state.doc.toString();
  updateTab(path, { saving: true, error: undefined });
  try {
    const precondition = options.create ? { createOnly: true } : { ifMatch: options.overwriteEtag ?? tab.etag };
    const etag = await files.writeFile(path, text, precondition);
    const current = states.get(path)?.doc.toString();
    updateTab(path, {
      etag,
      savedText: text,
      dirty: current !== text,
      saving: false,
      conflict: undefined,
      outdated: undefined,
      keptCopy: undefined,
      savedAt: Date.now(),
    });
    void reloadTree();
  } catch (error) {
    updateTab(path, { saving: false });
    await handleWriteError(path, error);
  }
}

async function handleWriteError(path: string, error: unknown): Promise<void> {
  if (files.isStaleWrite(error)) {
    updateTab(path, { conflict: { currentEtag: files.currentEtagOf(error), reason: "save" } });
    return;
  }
  if (error instanceof ApiError && error.code === "forbidden") {
    await loadSession();
    refreshReadOnly();
  }
  if (error instanceof ApiError && error.code === "read_only") {
    await refreshConnection();
    refreshReadOnly();
  }
  updateTab(path, { error: describeError(error) });
}

function readOnlyMessage(): string {
  const roleReason = missingRoleReason(session.get(), "admin");
  if (roleReason) return roleReason;
  const status = connection.get();
  return `This workspace is managed by GitHub (${status?.repository ?? "a repository"}@${status?.branch ?? ""}): edit it there, or disconnect GitHub to edit here.`;
}

// ---- tree operations (each refreshes the tree and keeps the tabs in step) ----

export async function createFile(path: string): Promise<void> {
  await files.writeFile(path, "", { createOnly: true });
  await reloadTree();
  await openFile(path);
}

export async function createFolder(path: string): Promise<void> {
  await files.createFolder(path);
  await reloadTree();
  revealPath(path);
  toggleFolder(path, true);
}

/** Renames or moves; with `overwrite`, whatever is at `to` is replaced (and its tabs closed). */
export async function movePath(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<void> {
  await files.movePath(from, to, options);
  if (options.overwrite) {
    for (const tab of editorModel.get().tabs) if (tab.path === to || tab.path.startsWith(`${to}/`)) closeTab(tab.path);
  }
  const rename = (p: string) => (p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : p);
  // A tab's editor state is wired to its path (save, change tracking, language): rebuild moved ones
  // with their current text, so unsaved edits move with the file.
  const cm = await loadCodeMirror();
  for (const [path, state] of [...states]) {
    const next = rename(path);
    if (next === path) continue;
    states.delete(path);
    states.set(next, makeState(cm, next, state.doc.toString()));
  }
  const moved = editorModel.get().tabs.filter((tab) => rename(tab.path) !== tab.path).map((tab) => rename(tab.path));
  editorModel.set((model) => ({
    ...model,
    tabs: model.tabs.map((tab) => ({ ...tab, path: rename(tab.path) })),
    active: model.active && rename(model.active),
    expanded: model.expanded.map(rename),
  }));
  await reloadTree();
  // A rename in a draft is a new change at the new path: the moved tabs' next saves go over that one.
  if (isProposing()) for (const path of moved) updateTab(path, { etag: draftChangeOf(path)?.etag ?? "" });
  revealPath(to);
  await showActive();
}

export async function deletePath(path: string, kind: "file" | "folder"): Promise<void> {
  if (kind === "file") await files.deleteFile(path);
  else await files.deleteFolder(path);
  for (const tab of editorModel.get().tabs) {
    if (tab.path === path || tab.path.startsWith(`${path}/`)) closeTab(tab.path);
  }
  selectPath(undefined);
  await reloadTree();
}
