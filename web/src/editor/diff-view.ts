// The conflict dialog's side-by-side diff (@codemirror/merge), loaded with the dialog: the tab's text on the
// left, the server's on the right, both read-only (text can be selected and copied), unchanged stretches folded.
import { MergeView } from "@codemirror/merge";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { languageFor } from "./codemirror-setup.js";

export interface DiffViewOptions {
  path: string;
  mine: string;
  theirs: string;
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
    a: { doc: options.mine, extensions: side(`Your text of ${options.path} (not saved)`, options.path) },
    b: { doc: options.theirs, extensions: side(`${options.path} on the server`, options.path) },
    parent,
    gutter: true,
    highlightChanges: true,
    collapseUnchanged: { margin: 3, minSize: 6 },
  });
}
