// The workspace's TypeScript problems, as the problems list shows them. A module of its own with no
// TypeScript in it, so the page can render the list without loading the language service.
import { createStore } from "../../store.js";
import type { FileDiagnostic } from "./protocol.js";

export interface ProblemsState {
  /** Whether the language service runs (a script file was opened); the list is hidden until then. */
  running: boolean;
  /** True until the first check of the whole workspace has answered. */
  checking: boolean;
  items: FileDiagnostic[];
  /** Why the service failed, if it did (the list says so instead of staying empty). */
  error: string | undefined;
}

export const problems = createStore<ProblemsState>({ running: false, checking: false, items: [], error: undefined });
