// Everything CodeMirror, in one module the editor page loads on demand (it is most of the UI's bytes).
// One EditorView shows the active tab; each tab keeps its own EditorState (text, undo history, selection).
import { basicSetup } from "codemirror";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { json } from "@codemirror/lang-json";
import { yaml } from "@codemirror/lang-yaml";
import { markdown } from "@codemirror/lang-markdown";
import { TYPESCRIPT_FILE, typescriptSupport } from "./typescript/typescript-extension.js";

export { EditorState, EditorView };

/** Syntax support by file extension: TypeScript/JavaScript, JSON, YAML, Markdown; plain text otherwise. */
export function languageFor(path: string): Extension {
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  switch (extension) {
    case "ts":
    case "mts":
    case "cts":
      return javascript({ typescript: true });
    case "tsx":
      return javascript({ typescript: true, jsx: true });
    case "js":
    case "mjs":
    case "cjs":
      return javascript();
    case "jsx":
      return javascript({ jsx: true });
    case "json":
      return json();
    case "yml":
    case "yaml":
      return yaml();
    case "md":
    case "markdown":
      return markdown();
    default:
      return [];
  }
}

const readOnlyCompartment = new Compartment();

function readOnlyExtension(readOnly: boolean): Extension {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

export interface TabStateOptions {
  path: string;
  text: string;
  readOnly: boolean;
  onChange: (path: string, state: EditorState) => void;
  onSave: () => void;
  /** Ctrl/Cmd-Enter: run the workflow this file defines (the page's run panel). */
  onRun?: () => void;
}

export function createTabState(options: TabStateOptions): EditorState {
  return EditorState.create({
    doc: options.text,
    extensions: [
      // Before basicSetup so Mod-s never reaches the browser's "save page".
      // Mod-Enter too: basicSetup would insert a blank line.
      keymap.of([
        { key: "Mod-s", preventDefault: true, run: () => (options.onSave(), true) },
        { key: "Mod-Enter", preventDefault: true, run: () => (options.onRun?.(), options.onRun !== undefined) },
      ]),
      basicSetup,
      // Tab indents; Escape then Tab (or Shift-Tab) leaves the editor, CodeMirror's way out for keyboard users.
      keymap.of([indentWithTab]),
      languageFor(options.path),
      TYPESCRIPT_FILE.test(options.path) ? typescriptSupport(options.path) : [],
      readOnlyCompartment.of(readOnlyExtension(options.readOnly)),
      // tabindex: the content is reachable by Tab as contenteditable already, but axe-core counts only tabindex as
      // focusable, and the scroller around it would otherwise be "a scrollable region without focusable content".
      EditorView.contentAttributes.of({ "aria-label": `Contents of ${options.path}`, tabindex: "0" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange(options.path, update.state);
      }),
    ],
  });
}

export function createView(parent: HTMLElement): EditorView {
  return new EditorView({ parent });
}

/** Shows a tab's state in the view, with the current read-only setting. */
export function showState(view: EditorView, state: EditorState, readOnly: boolean): void {
  view.setState(state);
  if (readOnlyCompartment.get(state) !== undefined) {
    view.dispatch({ effects: readOnlyCompartment.reconfigure(readOnlyExtension(readOnly)) });
  }
}

/** Replaces the whole text (reload from the server), keeping the tab's state object alive. */
export function replaceText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

export function goToLine(view: EditorView, line: number): void {
  const target = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
  view.dispatch({ selection: { anchor: target.from }, effects: EditorView.scrollIntoView(target.from, { y: "center" }) });
  view.focus();
}
