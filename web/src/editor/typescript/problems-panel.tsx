// The problems list under the editor: every TypeScript problem in the workspace's files as `file:line:column
// message`, each a button that opens the file at that line. Shown once a script file has been opened (the
// language service runs from then on); collapsible, and it remembers being collapsed for the visit.
import { useState } from "preact/hooks";
import { useStore } from "../../store.js";
import { openFile } from "../editor-store.js";
import { problems } from "./problems.js";
import "./problems-panel.css";

export function ProblemsPanel() {
  const state = useStore(problems);
  const [open, setOpen] = useState(true);
  if (!state.running) return null;
  const errors = state.items.filter((item) => item.severity === "error").length;
  const summary = state.error
    ? "TypeScript is not available"
    : state.checking
      ? "checking…"
      : state.items.length === 0
        ? "none"
        : `${errors} error${errors === 1 ? "" : "s"}${state.items.length > errors ? `, ${state.items.length - errors} other` : ""}`;
  return (
    <section class="problems-panel" aria-labelledby="problems-heading">
      <h2 id="problems-heading" class="problems-heading">
        <button type="button" aria-expanded={open} aria-controls="problems-list" onClick={() => setOpen(!open)}>
          Problems <span class="problems-summary">({summary})</span>
        </button>
      </h2>
      {open && (
        <div id="problems-list" class="problems-body">
          {state.error && <p class="error">{state.error}</p>}
          {state.items.length > 0 && (
            <ul class="problems-list" aria-label="Problems">
              {state.items.map((item) => (
                <li key={`${item.path}:${item.from}:${item.code}`} class={`problem problem-${item.severity}`}>
                  <button type="button" onClick={() => void openFile(item.path, { line: item.line })}>
                    <span class="problem-location">
                      {item.path}:{item.line}:{item.column}
                    </span>{" "}
                    <span class="problem-message">{item.message}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
