// CodeMirror's side of the TypeScript service, for one script file: member and name completion with each
// entry's signature, hover types, squiggles, signature help inside a call's parentheses, and go to definition
// (F12, Ctrl/Cmd-click) across workspace files. The worker starts the first time one of these extensions is
// shown in the view, so a page that never opens a script file never downloads TypeScript.
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { forceLinting, forEachDiagnostic, linter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { StateEffect, StateField, type Extension } from "@codemirror/state";
import { EditorView, hoverTooltip, keymap, showTooltip, ViewPlugin, type Tooltip } from "@codemirror/view";
import { openFile } from "../editor-store.js";
import type { CompletionEntry, FileDiagnostic, SignatureHelp } from "./protocol.js";
import { languageService } from "./ts-client.js";

/** Files the language service understands (src/engine runs .ts, .mts, .js and .mjs). */
export const TYPESCRIPT_FILE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

/** How long after the last keystroke the file is checked: short, since the check runs off the page's thread. */
const LINT_DELAY_MS = 100;

export function typescriptSupport(path: string): Extension {
  return [
    syncPlugin(path),
    theme,
    linter(lintSource(path), { delay: LINT_DELAY_MS }),
    autocompletion({ override: [completionSource(path)] }),
    hoverTooltip(hoverSource(path), { hoverTime: 300 }),
    signatureHelpField,
    signatureHelpPlugin(path),
    keymap.of([
      { key: "F12", run: (view) => (void goToDefinition(view, path, view.state.selection.main.head), true) },
      { key: "Escape", run: closeSignatureHelp },
    ]),
    EditorView.domEventHandlers({
      mousedown(event, view) {
        if (event.button !== 0 || !(event.ctrlKey || event.metaKey)) return false;
        const position = view.posAtCoords({ x: event.clientX, y: event.clientY });
        if (position === null) return false;
        event.preventDefault();
        void goToDefinition(view, path, position);
        return true;
      },
    }),
  ];
}

const theme = EditorView.baseTheme({
  ".cm-ts-info": { maxWidth: "40rem", padding: "4px 8px" },
  ".cm-ts-signature": { margin: "0", whiteSpace: "pre-wrap", fontFamily: "ui-monospace, monospace", fontSize: "90%" },
  ".cm-ts-documentation": { marginTop: "4px", whiteSpace: "pre-wrap", fontFamily: "system-ui, sans-serif", fontSize: "90%" },
});

// ---- the file's text, and re-checks when other files change ----

/** Views showing each path, for go to definition's "once the other file is shown" step. */
const shownWaiters = new Map<string, (view: EditorView) => void>();

function syncPlugin(path: string) {
  return ViewPlugin.define((view) => {
    const service = languageService();
    service.updateOpenFile(path, view.state.doc.toString());
    const stop = service.onWorkspaceChange(() => forceLinting(view));
    shownWaiters.get(path)?.(view);
    shownWaiters.delete(path);
    return {
      update(update) {
        if (update.docChanged) service.updateOpenFile(path, update.state.doc.toString());
      },
      destroy: stop,
    };
  });
}

// ---- diagnostics ----

/**
 * The part on screen first: TypeScript checks only the statements there (fast on a long file), problems elsewhere
 * stay as the last whole-file check left them (CodeMirror maps them through the edits), and the whole file is
 * checked right after, replacing them all if the text has not changed meanwhile.
 */
function lintSource(path: string) {
  return async (view: EditorView): Promise<Diagnostic[]> => {
    const service = languageService();
    const doc = view.state.doc;
    const result = await service.regionDiagnostics(path, view.visibleRanges.map(({ from, to }) => ({ from, to })));
    // Stale (edited since): whatever is answered is dropped, as the document changed; the next run will ask.
    if (!result) return [];
    const found = toLintDiagnostics(result.items, view.state.doc.length);
    const spans = result.spans;
    if (!spans) return found;
    const kept: Diagnostic[] = [];
    forEachDiagnostic(view.state, (diagnostic, from, to) => {
      if (!spans.some((span) => from < span.to && to > span.from)) kept.push({ ...diagnostic, from, to });
    });
    void service.diagnostics(path).then((whole) => {
      if (whole && view.state.doc === doc) view.dispatch(setDiagnostics(view.state, toLintDiagnostics(whole, doc.length)));
    });
    return [...found, ...kept];
  };
}

function toLintDiagnostics(found: FileDiagnostic[], length: number): Diagnostic[] {
  return found.map((item) => ({
    from: Math.min(item.from, length),
    to: Math.min(Math.max(item.to, item.from), length),
    severity: item.severity,
    source: `ts(${item.code})`,
    message: item.message,
  }));
}

// ---- completion ----

const IDENTIFIER = /[\w$]*$/;
const TRIGGERS = new Set([".", '"', "'", "`", "/", "@", "<", "#"]);

function completionSource(path: string) {
  return async (context: CompletionContext): Promise<CompletionResult | null> => {
    const word = context.matchBefore(IDENTIFIER);
    const from = word?.from ?? context.pos;
    const before = context.state.sliceDoc(from - 1, from);
    const trigger = TRIGGERS.has(before) ? before : undefined;
    if (!context.explicit && from === context.pos && trigger === undefined) return null;
    const list = await languageService().completions(path, context.pos, from === context.pos ? trigger : undefined);
    if (context.aborted || !list || list.entries.length === 0) return null;
    return {
      from: list.from ?? from,
      options: list.entries.map((entry) => toCompletion(path, context.pos, entry)),
      validFor: /^[\w$]*$/,
    };
  };
}

function toCompletion(path: string, position: number, entry: CompletionEntry): Completion {
  const sort = Number.parseInt(entry.sortText, 10);
  return {
    label: entry.name + (entry.optional ? "?" : ""),
    apply: entry.insertText ?? entry.name,
    type: completionType(entry.kind),
    // TypeScript's sortText ranks locals and members first ("11") and globals last ("15"+).
    boost: Number.isFinite(sort) ? Math.max(-99, 11 - sort) : 0,
    info: async () => {
      const details = await languageService().completionDetails(path, position, entry.name, entry.source);
      return details ? describe(details.signature, details.documentation) : null;
    },
  };
}

function completionType(kind: string): string {
  switch (kind) {
    case "method":
    case "construct":
    case "call":
      return "method";
    case "function":
    case "local function":
      return "function";
    case "property":
    case "getter":
    case "setter":
      return "property";
    case "class":
    case "local class":
      return "class";
    case "interface":
      return "interface";
    case "type":
    case "type parameter":
    case "primitive type":
      return "type";
    case "enum":
      return "enum";
    case "keyword":
      return "keyword";
    case "module":
    case "external module name":
    case "directory":
    case "script":
      return "namespace";
    case "const":
      return "constant";
    default:
      return "variable";
  }
}

function describe(signature: string, documentation: string): HTMLElement {
  const dom = document.createElement("div");
  dom.className = "cm-ts-info";
  const code = document.createElement("pre");
  code.className = "cm-ts-signature";
  code.textContent = signature;
  dom.append(code);
  if (documentation) {
    const text = document.createElement("div");
    text.className = "cm-ts-documentation";
    text.textContent = documentation;
    dom.append(text);
  }
  return dom;
}

// ---- hover ----

function hoverSource(path: string) {
  return async (_view: EditorView, position: number): Promise<Tooltip | null> => {
    const info = await languageService().hover(path, position);
    if (!info) return null;
    return { pos: info.from, end: info.to, above: true, create: () => ({ dom: describe(info.signature, info.documentation) }) };
  };
}

// ---- signature help: the parameters of the call the cursor is in, after "(" or "," ----

const setSignatureHelp = StateEffect.define<Tooltip | null>();

const signatureHelpField = StateField.define<Tooltip | null>({
  create: () => null,
  update(value, transaction) {
    for (const effect of transaction.effects) if (effect.is(setSignatureHelp)) return effect.value;
    return value && transaction.docChanged ? { ...value, pos: transaction.changes.mapPos(value.pos) } : value;
  },
  provide: (field) => showTooltip.from(field),
});

function closeSignatureHelp(view: EditorView): boolean {
  if (!view.state.field(signatureHelpField, false)) return false;
  view.dispatch({ effects: setSignatureHelp.of(null) });
  return true;
}

function signatureHelpPlugin(path: string) {
  return ViewPlugin.define((view) => {
    let asked = 0;
    const ask = async () => {
      const ticket = ++asked;
      const position = view.state.selection.main.head;
      const help = await languageService().signatureHelp(path, position).catch(() => undefined);
      if (ticket !== asked) return;
      const tooltip: Tooltip | null = help ? { pos: position, above: true, create: () => ({ dom: renderSignature(help) }) } : null;
      if (tooltip || view.state.field(signatureHelpField, false)) view.dispatch({ effects: setSignatureHelp.of(tooltip) });
    };
    return {
      update(update) {
        if (!update.docChanged && !update.selectionSet) return;
        const showing = update.state.field(signatureHelpField, false) !== null;
        let typedOpener = false;
        update.changes.iterChanges((_fromA, _toA, _fromB, _toB, inserted) => {
          const text = inserted.toString();
          if (text === "(" || text === "," || text === "()") typedOpener = true;
        });
        if (typedOpener || showing) void ask();
      },
    };
  });
}

function renderSignature(help: SignatureHelp): HTMLElement {
  const dom = document.createElement("div");
  dom.className = "cm-ts-info cm-ts-signature-help";
  const code = document.createElement("pre");
  code.className = "cm-ts-signature";
  code.append(help.prefix);
  help.parameters.forEach((parameter, index) => {
    if (index > 0) code.append(help.separator);
    if (index === help.active) {
      const strong = document.createElement("strong");
      strong.textContent = parameter;
      code.append(strong);
    } else code.append(parameter);
  });
  code.append(help.suffix);
  dom.append(code);
  if (help.documentation) {
    const text = document.createElement("div");
    text.className = "cm-ts-documentation";
    text.textContent = help.documentation;
    dom.append(text);
  }
  return dom;
}

// ---- go to definition ----

async function goToDefinition(view: EditorView, path: string, position: number): Promise<void> {
  const [target] = await languageService().definitions(path, position);
  if (!target) return;
  if (target.path === undefined) {
    // Declared by the platform (funcspace.d.ts, a global): say where, as the hover would.
    const info = await languageService().hover(path, position);
    view.dispatch({
      effects: setSignatureHelp.of({
        pos: position,
        above: true,
        create: () => ({ dom: describe(`${target.name}: declared in ${target.file}, part of funcspace`, info?.signature ?? "") }),
      }),
    });
    return;
  }
  if (target.path === path) {
    placeCursor(view, target.line, target.column);
    return;
  }
  const shown = new Promise<EditorView>((resolve) => shownWaiters.set(target.path!, resolve));
  await openFile(target.path, { line: target.line });
  const other = await Promise.race([shown, new Promise<undefined>((resolve) => setTimeout(resolve, 10_000))]);
  if (other) placeCursor(other, target.line, target.column);
}

function placeCursor(view: EditorView, line: number, column: number): void {
  const doc = view.state.doc;
  const target = doc.line(Math.min(Math.max(1, line), doc.lines));
  const anchor = Math.min(target.from + column - 1, target.to);
  view.dispatch({ selection: { anchor }, effects: EditorView.scrollIntoView(anchor, { y: "center" }), scrollIntoView: false });
  view.focus();
}
