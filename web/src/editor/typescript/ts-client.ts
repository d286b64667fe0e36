// The page's side of the TypeScript worker. Started by the first script file the editor shows: it spawns the
// worker (and so downloads the compiler), sends it the workspace's script files through the files API, and
// keeps them current: a file open in the editor is the editor's text, unsaved edits included; every other
// file is what the server has, refetched when the tree (re-read after each save, rename or delete) shows a
// new ETag. The workspace's problems are re-checked a moment after anything changes.
import { readFile, type TreeNode, type WorkspaceTree } from "../../api/workspace.js";
import { describeError } from "../../api/client.js";
import { editorModel, reloadTree } from "../editor-store.js";
import { problems } from "./problems.js";
import type { FileDiagnostic, Method, Requests, ResponseMessage } from "./protocol.js";

/** Workflow and helper files (src/engine) and the declaration files that may describe them. */
const SCRIPT_FILE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
/** Larger files are left out of the program: generated or vendored code, not something being edited. */
const MAX_SCRIPT_BYTES = 1024 * 1024;
const FETCH_CONCURRENCY = 6;
/** The whole workspace is re-checked this long after the last change; the edited file's own problems come with its squiggles. */
const PROBLEMS_DELAY_MS = 1000;

export type LanguageServiceClient = ReturnType<typeof createClient>;

let client: LanguageServiceClient | undefined;

/** The one language service of the page, started on first use. */
export function languageService(): LanguageServiceClient {
  return (client ??= createClient());
}

/** Script files the program holds: no node_modules, no dot-folders, and not the workspace's own copy of funcspace.d.ts (the platform's is used). */
export function isProgramFile(node: TreeNode): boolean {
  if (node.type !== "file" || !SCRIPT_FILE.test(node.path) || node.size > MAX_SCRIPT_BYTES) return false;
  const segments = node.path.split("/");
  if (segments.some((segment) => segment === "node_modules" || segment.startsWith("."))) return false;
  return segments[segments.length - 1] !== "funcspace.d.ts";
}

function listProgramFiles(tree: WorkspaceTree): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (nodes: TreeNode[]) => {
    for (const node of nodes) {
      if (node.type === "folder") walk(node.children);
      else if (isProgramFile(node)) found.set(node.path, node.etag ?? "");
    }
  };
  walk(tree.root.children);
  return found;
}

function createClient() {
  const worker = new Worker(new URL("./ts-worker.ts", import.meta.url), { type: "module", name: "typescript" });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  /** Files whose text comes from the editor (open tabs), never overwritten from the server. */
  const live = new Set<string>();
  /** The ETag of each server file the worker holds. */
  const fromServer = new Map<string, string>();
  const listeners = new Set<() => void>();
  let problemsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Counts file updates, so a workspace check overtaken by an edit stops and starts again later. */
  let generation = 0;

  worker.onmessage = (event: MessageEvent<ResponseMessage>) => {
    const message = event.data;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (!waiting) return;
    if ("error" in message) waiting.reject(new Error(message.error));
    else waiting.resolve(message.result);
  };
  worker.onerror = (event) => {
    const error = new Error(`The TypeScript worker stopped: ${event.message || "it could not be loaded"}`);
    problems.set((state) => ({ ...state, checking: false, error: error.message }));
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };

  const send = <M extends Method>(method: M, params: Requests[M]["params"]): Promise<Requests[M]["result"]> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, method, params });
    });

  problems.set({ running: true, checking: true, items: [], error: undefined });

  /** Brings the worker's server files in line with a tree listing: new and changed files fetched, gone ones dropped. */
  const syncWithTree = async (tree: WorkspaceTree): Promise<void> => {
    const listed = listProgramFiles(tree);
    const openTabs = new Set(editorModel.get().tabs.map((tab) => tab.path));
    // A closed tab's file goes back to the server's version.
    for (const path of live) {
      if (!openTabs.has(path)) {
        live.delete(path);
        fromServer.delete(path);
      }
    }
    const removed = [...fromServer.keys()].filter((path) => !listed.has(path) && !live.has(path));
    const wanted = [...listed].filter(([path, etag]) => !live.has(path) && fromServer.get(path) !== etag);
    const texts: Record<string, string> = {};
    for (let i = 0; i < wanted.length; i += FETCH_CONCURRENCY) {
      await Promise.all(
        wanted.slice(i, i + FETCH_CONCURRENCY).map(async ([path, etag]) => {
          const file = await readFile(path).catch(() => undefined);
          if (file?.text === undefined) return;
          texts[path] = file.text;
          fromServer.set(path, file.etag || etag);
        }),
      );
    }
    // A tab opened while the files came wins over the server's copy.
    for (const path of Object.keys(texts)) if (live.has(path)) delete texts[path];
    for (const path of removed) fromServer.delete(path);
    if (Object.keys(texts).length === 0 && removed.length === 0) return;
    generation++;
    await send("setFiles", { files: texts, removed });
    for (const listener of listeners) listener();
    recheckSoon();
  };

  const recheckSoon = () => {
    clearTimeout(problemsTimer);
    problemsTimer = setTimeout(() => void checkWorkspace(), PROBLEMS_DELAY_MS);
  };

  /** Checks the workspace one file per request, so completion and hover asked meanwhile wait for one file at most. */
  const checkWorkspace = async () => {
    const started = generation;
    try {
      const items: FileDiagnostic[] = [];
      for (const path of await send("checkedPaths", {})) {
        const found = await send("diagnostics", { path });
        if (found === null || generation !== started) return recheckSoon();
        items.push(...found);
      }
      problems.set((state) => ({ ...state, checking: false, items, error: undefined }));
    } catch (error) {
      problems.set((state) => ({ ...state, checking: false, error: describeError(error) }));
    }
  };

  /** The problems list takes a file's fresh diagnostics at once (its squiggles were just computed with them). */
  const showFileProblems = (path: string, found: FileDiagnostic[]) => {
    problems.set((state) => {
      if (state.checking) return state;
      const others = state.items.filter((item) => item.path !== path);
      const items = [...others, ...found].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.from - b.from));
      return { ...state, items };
    });
  };

  // The first listing: the tree the editor already has, else a fresh one.
  let syncing: Promise<void> = Promise.resolve();
  let firstSynced: () => void = () => undefined;
  const firstSync = new Promise<void>((resolve) => (firstSynced = resolve));
  const follow = (tree: WorkspaceTree | undefined) => {
    if (!tree) return;
    syncing = syncing.then(() => syncWithTree(tree)).catch((error: unknown) => problems.set((state) => ({ ...state, error: describeError(error) })));
    void syncing.then(firstSynced);
  };
  const initial = editorModel.get().tree;
  if (initial) follow(initial);
  else void reloadTree();
  let lastTree = initial;
  let lastTabs = editorModel.get().tabs;
  editorModel.subscribe((model) => {
    if (model.tree !== lastTree || (model.tabs !== lastTabs && model.tabs.length < lastTabs.length)) follow(model.tree);
    lastTree = model.tree;
    lastTabs = model.tabs;
  });
  // Requests wait for the first listing's files (else a helper's import would show as missing); later
  // refetches (another person's change) update the program when they land, without holding requests up.
  const ready = () => firstSync;

  return {
    /** The editor's text of an open file: the live version from now on. */
    updateOpenFile(path: string, text: string): void {
      live.add(path);
      generation++;
      void send("setFiles", { files: { [path]: text } }).then((didChange) => didChange && recheckSoon());
    },

    /**
     * Problems of one whole file (the problems list takes them too), measured as `funcspace:ts-file-diagnostics`;
     * `null` when stale, after one more try.
     */
    async diagnostics(path: string) {
      await ready();
      const started = performance.now();
      let result = await send("diagnostics", { path });
      // Stale because of an update with the same text (a tab shown again): ask once more for the current one.
      if (result === null) result = await send("diagnostics", { path });
      if (result === null) return null;
      performance.measure("funcspace:ts-file-diagnostics", { start: started, end: performance.now(), detail: { path, count: result.length } });
      showFileProblems(path, result);
      return result;
    },

    /**
     * Problems of the part of a file on screen (the whole file when small), measured as `funcspace:ts-diagnostics`
     * in the page's performance timeline; `null` when the file was edited again before the worker got to it.
     */
    async regionDiagnostics(path: string, ranges: { from: number; to: number }[]) {
      await ready();
      const started = performance.now();
      let result = await send("regionDiagnostics", { path, ranges });
      if (result === null) result = await send("regionDiagnostics", { path, ranges });
      if (result === null) return null;
      performance.measure("funcspace:ts-diagnostics", { start: started, end: performance.now(), detail: { path, count: result.items.length, region: result.spans !== undefined } });
      if (!result.spans) showFileProblems(path, result.items);
      return result;
    },

    async completions(path: string, position: number, triggerCharacter?: string) {
      await ready();
      return send("completions", { path, position, triggerCharacter });
    },

    completionDetails: (path: string, position: number, name: string, source?: string) => send("completionDetails", { path, position, name, source }),

    async hover(path: string, position: number) {
      await ready();
      return send("hover", { path, position });
    },

    signatureHelp: (path: string, position: number) => send("signatureHelp", { path, position }),

    async definitions(path: string, position: number) {
      await ready();
      return send("definitions", { path, position });
    },

    /** Called when a file other than the one being edited changes (its problems may have too). */
    onWorkspaceChange(listener: () => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
