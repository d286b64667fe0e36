// Search across the workspace: a "Search files" button and Ctrl/Cmd-Shift-F open a dialog that asks the
// server (GET /api/workspace/search) as you type; each file and each matching line is a button that opens
// the file there. Names and text both match, ignoring case.
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../../api/client.js";
import { searchWorkspace, type WorkspaceSearchResult } from "../../api/workspace.js";
import { Dialog } from "../../ui/dialog.js";
import { openFile } from "../editor-store.js";
import "./workspace-search.css";

const TYPING_PAUSE_MS = 200;

export function WorkspaceSearch() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || !event.shiftKey || event.key.toLowerCase() !== "f" || event.defaultPrevented) return;
      if ((event.target as HTMLElement | null)?.closest("dialog")) return;
      event.preventDefault();
      setOpen(true);
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
  return (
    <>
      <button type="button" aria-keyshortcuts="Control+Shift+F Meta+Shift+F" title="Search names and text (Ctrl+Shift+F)" onClick={() => setOpen(true)}>
        Search files
      </button>
      {open && <SearchDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function SearchDialog(props: { onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [result, setResult] = useState<WorkspaceSearchResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [searching, setSearching] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    if (query.trim() === "") {
      setResult(undefined);
      setError(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setSearching(true);
      searchWorkspace(query, { signal: controller.signal }).then(
        (found) => {
          setResult(found);
          setError(undefined);
          setSearching(false);
        },
        (failure: unknown) => {
          if (controller.signal.aborted) return;
          setError(describeError(failure));
          setSearching(false);
        },
      );
    }, TYPING_PAUSE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);

  const go = (path: string, line?: number) => {
    props.onClose();
    void openFile(path, { line });
  };
  const lines = result?.files.reduce((sum, file) => sum + file.matches.length, 0) ?? 0;

  return (
    <Dialog title="Search files" wide onClose={props.onClose} actions={<button type="button" onClick={props.onClose}>Close</button>}>
      <form class="workspace-search-form" onSubmit={(event) => event.preventDefault()}>
        <label for="workspace-search-query">Text or file name</label>
        <input
          id="workspace-search-query"
          ref={input}
          type="search"
          value={query}
          autocomplete="off"
          spellcheck={false}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      </form>
      <p class="muted workspace-search-status" aria-live="polite">
        {searching
          ? "Searching…"
          : result
            ? `${result.files.length} file${result.files.length === 1 ? "" : "s"}, ${lines} line${lines === 1 ? "" : "s"}${result.truncated ? " (the first ones: narrow the search)" : ""}`
            : ""}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      {result && result.files.length > 0 && (
        <ul class="workspace-search-results" aria-label="Search results">
          {result.files.map((file) => (
            <li key={file.path}>
              <button type="button" class="workspace-search-file" onClick={() => go(file.path)}>
                {file.path}
              </button>
              {file.matches.length > 0 && (
                <ul>
                  {file.matches.map((match) => (
                    <li key={match.line}>
                      <button type="button" class="workspace-search-line" onClick={() => go(file.path, match.line)}>
                        <span class="workspace-search-line-number">{match.line}</span> {highlight(match.text, match.column, query.length)}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

function highlight(text: string, column: number, length: number) {
  const start = column - 1;
  if (start < 0 || start >= text.length) return text.trim();
  return (
    <>
      {text.slice(0, start).trimStart()}
      <mark>{text.slice(start, start + length)}</mark>
      {text.slice(start + length)}
    </>
  );
}
