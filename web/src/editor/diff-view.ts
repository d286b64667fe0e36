// The side-by-side diff (@codemirror/merge), loaded with the dialog that shows it: in the conflict dialog the tab's
// text on the left and the server's on the right; in propose mode a change's workspace version and the draft's
// (propose/change-diff-dialog.tsx). Both read-only (text can be selected and copied), unchanged stretches folded.
import { MergeView } from "@codemirror/merge";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { languageFor } from "./codemirror-setup.js";

export interface DiffViewOptions {
  path: string;
  mine: string;
  theirs: string;
  /** What each side is, for a screen reader (the conflict dialog's wording unless told). */
  labels?: { mine: string; theirs: string };
}

const theme = EditorView.theme({
  "&": { fontSize: "13px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
});

function side(label: string, path: string): Extension {
  return [
    lineNumbers(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    languageFor(path),
    EditorState.readOnly.of(true),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({ "aria-label": label }),
    theme,
  ];
}

export function createDiffView(parent: HTMLElement, options: DiffViewOptions): { destroy(): void } {
  return new MergeView({
    a: { doc: options.mine, extensions: side(options.labels?.mine ?? `Your text of ${options.path} (not saved)`, options.path) },
    b: { doc: options.theirs, extensions: side(options.labels?.theirs ?? `${options.path} on the server`, options.path) },
    parent,
    gutter: true,
    highlightChanges: true,
    collapseUnchanged: { margin: 3, minSize: 6 },
  });
}
