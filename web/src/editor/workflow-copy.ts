// A copy of a workflow file must not take its workflow's name: discovery lists the first file (by path) that
// uses a name and fails every other, so a copy such as `hello.mine.ts` (which sorts before `hello.ts`) would
// stop the original from loading. The copy's `name: "…"` is rewritten to a name no workflow uses, or the copy is
// refused with the reason. Pure text work; the page supplies the names in use (GET /api/workflows).

/** Workflow names: 1-100 letters, digits, ".", "_" or "-" (src/engine/workflow-definition.ts). */
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Whether discovery would consider a file at this path (the rules of src/engine/find-workflow-files.ts:
 * .ts/.mts/.js/.mjs, not `_helper`, `*.test.*`, `*.d.ts`, nor under node_modules or a dot-folder).
 */
export function isWorkflowPath(path: string): boolean {
  const segments = path.split("/");
  const name = segments.at(-1) ?? "";
  if (segments.slice(0, -1).some((folder) => folder.startsWith(".") || folder === "node_modules")) return false;
  return /\.(ts|mts|js|mjs)$/.test(name) && !/^[_.]/.test(name) && !/\.test\./.test(name) && !/\.d\.m?ts$/.test(name);
}

/** Where the workflow's name is written as a plain string: the first `name: "…"` of the default export. */
export function findWorkflowName(text: string): { name: string; start: number; end: number } | undefined {
  const definition = /\bdefineWorkflow\s*\(|\bexport\s+default\b/.exec(text);
  if (!definition) return undefined;
  const pattern = /(^|[\s{,])(["']?)name\2\s*:\s*(["'`])([^"'`\\\n]*)\3/g;
  pattern.lastIndex = definition.index;
  const match = pattern.exec(text);
  if (!match || !NAME.test(match[4]!)) return undefined;
  const start = match.index + match[0].length - 1 - match[4]!.length;
  return { name: match[4]!, start, end: start + match[4]!.length };
}

/** `hello` → `hello-copy`, then `hello-copy-2`…: the first that is not taken (a copy of a copy starts again). */
export function freeWorkflowName(name: string, taken: ReadonlySet<string>): string {
  const base = name.replace(/-copy(?:-\d+)?$/, "");
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? "-copy" : `-copy-${n}`;
    const candidate = base.slice(0, 100 - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

export type CopyPlan = { text: string; renamed?: { from: string; to: string } } | { refused: string };

export interface PlanCopyOptions {
  /** Whether the original file is listed as a workflow now (its name may not be a plain string). */
  originalIsWorkflow: boolean;
  /** Every workflow name in use (GET /api/workflows). */
  takenNames: ReadonlySet<string>;
}

/** The text to save at `copyPath`: as it is, with a free workflow name, or refused with the reason. */
export function planWorkflowCopy(copyPath: string, text: string, options: PlanCopyOptions): CopyPlan {
  if (!isWorkflowPath(copyPath)) return { text };
  const found = findWorkflowName(text);
  if (found) {
    const name = freeWorkflowName(found.name, new Set([...options.takenNames, found.name]));
    return { text: text.slice(0, found.start) + name + text.slice(found.end), renamed: { from: found.name, to: name } };
  }
  if (options.originalIsWorkflow || /\bdefineWorkflow\s*\(/.test(text)) {
    return {
      refused:
        "Your text was not saved as a copy: it defines a workflow whose name is not written as a plain string " +
        '(name: "…"), so the copy cannot be given a name of its own, and a second workflow of the same name would stop ' +
        "one of them from loading. Give the workflow another name in your text, then save the copy again; your text is still here.",
    };
  }
  return { text };
}
