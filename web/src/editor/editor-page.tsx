// The script editor: the workspace tree on the left, open files in tabs on the right, CodeMirror below.
// In read-only mode (GitHub connected, or a person without the admin role) a banner says why (the repository,
// or the role), the editor is read-only and every control that would change a file is disabled; the API
// refuses such calls anyway. An admin of a connected workspace can "Propose changes" instead (propose/): the
// editor then edits their own draft, listed in the Changes panel and opened as a pull request.
import { useEffect, useRef, useState } from "preact/hooks";
import { ZIP_URL, fileUrl, type TreeNode } from "../api/workspace.js";
import { useLocation } from "../router.js";
import { canRun, canWrite, connection, missingRoleReason, refreshConnection, session } from "../session.js";
import { useStore } from "../store.js";
import { useDrawer } from "../ui/use-drawer.js";
import { ConflictDialog } from "./conflict-dialog.js";
import {
  activateTab,
  attachView,
  closeTab,
  editorModel,
  loadCodeMirror,
  openFile,
  refreshReadOnly,
  reloadTree,
  requestRun,
  runRequests,
  saveActive,
  selectPath,
  toggleFolder,
  type Tab,
} from "./editor-store.js";
import { FileActionDialogs, type FileAction } from "./file-action-dialogs.js";
import { FileTree } from "./file-tree.js";
import { FirstRun } from "./first-run.js";
import { ChangesPanel } from "./propose/changes-panel.js";
import { ProposeBanner } from "./propose/propose-banner.js";
import { canPropose, draftMarks, proposeMode } from "./propose/propose-mode.js";
import { RunPanel } from "./run-panel.js";
import { WorkspaceSearch } from "./search/workspace-search.js";
import { TabNotices, useOutsideChangeChecks } from "./tab-notices.js";
import { ProblemsPanel } from "./typescript/problems-panel.js";

/** Files that may define a workflow (src/engine: .ts, .mts, .js, .mjs). */
const SCRIPT = /\.(?:ts|mts|js|mjs)$/;

export function EditorPage() {
  const model = useStore(editorModel);
  const status = useStore(connection);
  const url = useLocation();
  const current = useStore(session);
  const managedByGitHub = status?.connected === true;
  const roleReason = missingRoleReason(current, "admin");
  // Propose mode (admins of a connected workspace): edits go to the person's draft (propose/).
  const { on: proposeOn, settling, draft } = useStore(proposeMode);
  const proposing = proposeOn && canPropose();
  const readOnly = (managedByGitHub && !(proposing && !settling)) || !canWrite(current);
  const [pending, setPending] = useState<FileAction | undefined>();
  const editorHost = useRef<HTMLDivElement>(null);
  const active = model.tabs.find((tab) => tab.path === model.active);
  const operator = canRun(current);
  // The run panel stays on its workflow file while error links open other files.
  const [runPanel, setRunPanel] = useState<{ path: string; token: number } | undefined>();
  const runRequest = useStore(runRequests);
  const runRequestsSeen = useRef(runRequests.get().count);
  // On a narrow window the tree is a drawer over the code; opening a file closes it.
  const files = useDrawer("editor-files", { initialFocus: ['[role="tree"] [tabindex="0"]'], closeOn: model.active });

  useEffect(() => {
    void reloadTree();
    void refreshConnection().then(refreshReadOnly);
  }, []);
  useOutsideChangeChecks();

  // /editor?file=path&line=n (links from run errors) opens that file at that line.
  const fileParam = url.searchParams.get("file");
  const lineParam = Number(url.searchParams.get("line") ?? "") || undefined;
  useEffect(() => {
    if (fileParam) void openFile(fileParam, { line: lineParam });
  }, [fileParam, lineParam]);

  useEffect(() => {
    let cancelled = false;
    let created: { destroy(): void } | undefined;
    void loadCodeMirror().then((cm) => {
      if (cancelled || !editorHost.current) return;
      const view = cm.createView(editorHost.current);
      created = view;
      attachView(view);
    });
    return () => {
      cancelled = true;
      attachView(undefined);
      created?.destroy();
    };
  }, []);

  useEffect(() => refreshReadOnly(), [readOnly]);

  // Ctrl/Cmd-Enter (in CodeMirror, or anywhere on the page): open the run panel on that file and run it.
  useEffect(() => {
    // Only presses made while this page is open (the store outlives the page).
    if (runRequest.count <= runRequestsSeen.current || !operator) return;
    runRequestsSeen.current = runRequest.count;
    const path = runRequest.path;
    if (!path || !SCRIPT.test(path)) return;
    setRunPanel((panel) => ({ path, token: (panel?.token ?? 0) + 1 }));
  }, [runRequest.count]);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.key !== "Enter" || event.defaultPrevented) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest("dialog")) return;
      event.preventDefault();
      // In the run panel (outside its form, which runs by itself): the panel's workflow, not the active tab.
      requestRun(target?.closest(".run-panel")?.getAttribute("data-path") ?? editorModel.get().active);
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  // The address names the active file, so a refresh (or a shared link) opens it again.
  useEffect(() => {
    // Read the store, not this render's copy: on arrival the ?file= effect above has just opened it.
    const { active } = editorModel.get();
    if (!location.pathname.startsWith("/editor")) return;
    if (new URLSearchParams(location.search).get("file") === (active ?? null)) return; // keeps &line=
    history.replaceState(null, "", active ? `/editor?file=${encodeURIComponent(active)}` : "/editor");
  }, [model.active]);

  // Ctrl/Cmd-S anywhere on the page saves the active tab (inside the editor CodeMirror's keymap does it).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "s" || event.defaultPrevented) return;
      event.preventDefault();
      void saveActive();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  const selectedNode = findNode(model.tree?.root.children ?? [], model.selected);
  const baseFolder = selectedNode ? (selectedNode.type === "folder" ? selectedNode.path : parentOf(selectedNode.path)) : "";
  const dirtyPaths = model.tabs.filter((tab) => tab.dirty).map((tab) => tab.path);

  const requestClose = (tab: Tab) => {
    if (tab.dirty) setPending({ kind: "close-tab", path: tab.path });
    else closeTab(tab.path);
  };

  return (
    <div class="editor-page">
      <h1 class="visually-hidden">Editor</h1>
      <ProposeBanner status={status} roleReason={roleReason} activePath={active?.path} />
      <div class="editor-layout">
        <aside class="sidebar drawer" aria-label="Workspace" {...files.drawerProps}>
          <h2 class="visually-hidden">Files</h2>
          <div class="toolbar" role="toolbar" aria-label="File actions">
            <button type="button" disabled={readOnly} onClick={() => setPending({ kind: "new-workflow", base: baseFolder || "workflows" })}>New workflow</button>
            <button type="button" disabled={readOnly} onClick={() => setPending({ kind: "new-file", base: baseFolder })}>New file</button>
            <button
              type="button"
              disabled={readOnly || proposing}
              title={proposing ? "A draft holds files: create a file in the new folder instead" : undefined}
              onClick={() => setPending({ kind: "new-folder", base: baseFolder })}
            >
              New folder
            </button>
            <button type="button" disabled={readOnly || !selectedNode} onClick={() => selectedNode && setPending({ kind: "rename", node: selectedNode })}>
              Rename
            </button>
            <button type="button" disabled={readOnly || !selectedNode} onClick={() => selectedNode && setPending({ kind: "delete", node: selectedNode })}>
              Delete
            </button>
            <button type="button" onClick={() => void reloadTree()} aria-label="Refresh the tree">Refresh</button>
            <a class="button" href={ZIP_URL} download>Download .zip</a>
            <WorkspaceSearch />
          </div>
          {proposing && <ChangesPanel onOpen={(path) => void openFile(path)} />}
          {model.treeError && <p class="error" role="alert">Could not load the workspace: {model.treeError}</p>}
          {model.tree ? (
            <FileTree
              root={model.tree.root}
              expanded={model.expanded}
              selected={model.selected}
              dirtyPaths={dirtyPaths}
              marks={proposing ? draftMarks(draft) : undefined}
              onSelect={selectPath}
              onOpenFile={(path) => void openFile(path)}
              onToggle={toggleFolder}
              onRename={(node) => !readOnly && setPending({ kind: "rename", node })}
              onDelete={(node) => !readOnly && setPending({ kind: "delete", node })}
            />
          ) : (
            !model.treeError && <p class="muted">Loading…</p>
          )}
        </aside>
        {files.open && <div class="drawer-backdrop" onClick={files.close} />}
        <section class="editor-main" aria-label="Open files">
          <div class="tab-strip">
            <button class="drawer-toggle" {...files.toggleProps}>Files</button>
            <div class="tabs" role="tablist" aria-label="Open files">
              {model.tabs.map((tab) => (
                // A tablist may hold only tabs (ARIA; axe's aria-required-children): the wrapper is presentational and the
                // close button is for the mouse, while the keyboard closes the focused tab with Delete, as the APG suggests.
                // https://www.w3.org/WAI/ARIA/apg/patterns/tabs/
                <div key={tab.path} role="presentation" class={`tab${tab.path === model.active ? " active" : ""}`}>
                  <button
                    type="button"
                    role="tab"
                    aria-selected={tab.path === model.active}
                    aria-keyshortcuts="Delete"
                    title={`${tab.path} (Delete closes it)`}
                    onClick={() => activateTab(tab.path)}
                    onAuxClick={(event) => event.button === 1 && requestClose(tab)}
                    onKeyDown={(event) => {
                      if (event.key !== "Delete") return;
                      event.preventDefault();
                      requestClose(tab);
                    }}
                  >
                    {baseName(tab.path)}
                    {tab.dirty && (
                      <span class="dirty-dot">
                        <span aria-hidden="true"> ●</span>
                        <span class="visually-hidden"> unsaved changes</span>
                      </span>
                    )}
                  </button>
                  <button type="button" class="tab-close" aria-hidden="true" tabIndex={-1} title={`Close ${tab.path}`} onClick={() => requestClose(tab)}>×</button>
                </div>
              ))}
            </div>
          </div>
          {active && (
            <div class="file-bar">
              <span class="file-path">{active.path}</span>
              <span class="file-status" role="status">
                {active.loading ? "Loading…" : active.saving ? "Saving…" : active.dirty ? "Unsaved changes" : active.savedAt ? "Saved" : ""}
              </span>
              <button type="button" class="primary" disabled={readOnly || active.saving || active.savedText === undefined} onClick={() => void saveActive()}>
                Save
              </button>
              {operator && SCRIPT.test(active.path) && (
                <button
                  type="button"
                  aria-keyshortcuts="Control+Enter Meta+Enter"
                  title="Open the run panel (Ctrl+Enter runs)"
                  aria-expanded={runPanel?.path === active.path}
                  onClick={() => setRunPanel((panel) => (panel?.path === active.path ? undefined : { path: active.path, token: 0 }))}
                >
                  Run…
                </button>
              )}
            </div>
          )}
          {active?.error && <p class="error" role="alert">{active.error}</p>}
          {active && <TabNotices tab={active} />}
          {active && !active.loading && active.savedText === undefined && !active.error && (
            <p class="muted">
              {active.path} is a binary file ({active.contentType}). <a href={fileUrl(active.path)} download>Download it</a>.
            </p>
          )}
          <div class="editor-split">
            <div
              ref={editorHost}
              class="code-host"
              hidden={!active || active.savedText === undefined}
            />
            {!active && model.tree?.root.children.length === 0 && !pending ? (
              <FirstRun status={status} roleReason={roleReason} onCreated={(path) => operator && setRunPanel({ path, token: 0 })} />
            ) : (
              !active && <p class="muted placeholder">Open a file from the tree, or create one with New workflow or New file.</p>
            )}
            {runPanel && operator && <RunPanel path={runPanel.path} runToken={runPanel.token} onClose={() => setRunPanel(undefined)} />}
          </div>
          <ProblemsPanel />
        </section>
      </div>

      {pending && <FileActionDialogs pending={pending} proposing={proposing} onDone={() => setPending(undefined)} />}
      {active?.conflict && <ConflictDialog tab={active} />}
    </div>
  );
}

function findNode(nodes: TreeNode[], path: string | undefined): TreeNode | undefined {
  if (!path) return undefined;
  for (const node of nodes) {
    if (node.path === path) return node;
    if (node.type === "folder" && path.startsWith(`${node.path}/`)) return findNode(node.children, path);
  }
  return undefined;
}

function parentOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
