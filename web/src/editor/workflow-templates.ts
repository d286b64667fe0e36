// What the editor writes for you: the first workflow of an empty workspace (a workflow and the helper it imports,
// the same two files as README's "Writing workflows" example, which test/ui-first-run.test.ts checks), and the
// skeleton behind "New workflow", with a name no other workflow uses.

/** The first workflow: written helper first, so the workflow's import resolves from its first listing. */
export const FIRST_WORKFLOW = {
  path: "workflows/hello.ts",
  files: [
    {
      path: "workflows/_text.ts",
      text: `// workflows/_text.ts: a helper module ("_" first: never a workflow); saved changes are used by the next run
export function shout(text: string): string {
  return text.toUpperCase();
}
`,
    },
    {
      path: "workflows/hello.ts",
      text: `// workflows/hello.ts
import { defineWorkflow } from "funcspace";
// A helper: a relative import, with its extension. Saved changes are used by the next run.
import { shout } from "./_text.ts";

export default defineWorkflow({
  name: "hello", // unique; part of the URL
  description: "Greets someone.",
  // The run form is made from these. Types: string, number, integer, boolean, json (strings may list options: [...]);
  // a parameter may be required: true instead of having a default.
  parameters: {
    who: { type: "string", default: "world", label: "Who to greet" },
    times: { type: "integer", default: 1, help: "1-10" },
    loud: { type: "boolean", default: false },
  },
  timeoutMs: 60_000, // optional; default WORKFLOW_TIMEOUT_MS (10 min)
  // The context also has runId, abortSignal, tempDir, secrets and progress.
  async run({ who, times, loud }, { log }) {
    const line = loud ? shout(\`Hello, \${who}!\`) : \`Hello, \${who}!\`;
    log.info("greeting", { who, times }); // kept with the run (console.* too)
    const count = Math.min(Math.max(times, 1), 10);
    return { lines: Array.from({ length: count }, () => line) }; // JSON-serialisable output
  },
});
`,
    },
  ],
} as const;

/** Workflow names: letters, digits, `.`, `_`, `-`, starting with a letter or digit (src/engine/workflow-definition.ts). */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A workflow name from a file path: its stem, reduced to the characters a name may hold ("My Flow.ts" → "my-flow"). */
export function workflowNameFromPath(path: string): string {
  const stem = path.slice(path.lastIndexOf("/") + 1).replace(/\.[^.]*$/, "");
  const name = stem
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/-+$/, "")
    .slice(0, 90);
  return NAME_PATTERN.test(name) ? name : "workflow";
}

/** `base`, or `base-2`, `base-3`… : the first that no name in `taken` uses. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** A file path that no file in `taken` has: `workflows/new-workflow.ts`, then `…-2.ts`. */
export function uniquePath(path: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(path)) return path;
  const dot = path.lastIndexOf(".");
  const [stem, extension] = dot > path.lastIndexOf("/") ? [path.slice(0, dot), path.slice(dot)] : [path, ""];
  for (let n = 2; ; n++) if (!used.has(`${stem}-${n}${extension}`)) return `${stem}-${n}${extension}`;
}

/** "New workflow": a runnable skeleton (every parameter has a default, so Ctrl/Cmd-Enter runs it at once). */
export function workflowSkeleton(name: string, path: string): string {
  const javascript = /\.m?js$/.test(path);
  return `// ${path}: a workflow (its default export). Ctrl/Cmd-Enter runs it; the run form is made from \`parameters\`.
import { defineWorkflow } from "funcspace";

export default defineWorkflow({
  name: ${JSON.stringify(name)}, // unique in the workspace; part of the run URL
  description: "What this workflow does.",
  parameters: {
    input: { type: "string", default: "", label: "Input" },
  },
  async run({ input }, { log }) {
    log.info("started", { input });${javascript ? "" : "\n    // Helpers: import them with a relative path and extension, e.g. import { x } from \"./_helpers.ts\";"}
    return { input };
  },
});
`;
}
