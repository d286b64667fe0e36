// An error from workspace code as the user needs it: message and stack with workspace-relative paths (no
// server paths), and the file and line where it happened. Source maps are on in the workers, so the lines
// of a .ts file are the lines the author wrote.
import { pathToFileURL } from "node:url";
import type { WorkspaceError } from "../api-types.js";
import { realPathOf } from "./real-path.js";

export type { WorkspaceError } from "../api-types.js";

/** The plain shape an error crosses the worker boundary in. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "Error", message: typeof error === "string" ? error : safeString(error) };
}

export function toWorkspaceError(error: SerializedError, workspaceDir: string): WorkspaceError {
  const roots = [...new Set([workspaceDir, realPathOf(workspaceDir)].map((dir) => dir.replace(/\/+$/, "")))];
  const prefixes = roots.flatMap((root) => [pathToFileURL(root).href, root]).map((p) => `${p}/`);
  // Workspace module URLs carry the engine's generation (`x.ts?gen=3`): not the author's business.
  const relative = (text: string) => prefixes.reduce((out, prefix) => out.split(prefix).join(""), text).replace(/\?gen=\d+/g, "");
  const result: WorkspaceError = { name: error.name, message: relative(error.message) };
  // Frames of the engine itself say nothing to the author and would show server paths: keep the workspace's.
  const inWorkspace = (line: string) => prefixes.some((prefix) => line.includes(prefix));
  if (error.stack) {
    result.stack = error.stack
      .split("\n")
      .filter((line) => !/^\s+at /.test(line) || inWorkspace(line))
      .map(relative)
      .join("\n");
  }

  // The first place inside the workspace: a stack frame, or `file:line:col` in a compiler's message.
  const escaped = prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const location = new RegExp(`(?:${escaped})([^\\s:()'"?]+)(?:\\?gen=\\d+)?:(\\d+)(?::(\\d+))?`);
  const found = location.exec(error.stack ?? "") ?? location.exec(error.message);
  if (found) {
    result.file = decodeURIComponent(found[1]!);
    result.line = Number(found[2]);
    if (found[3]) result.column = Number(found[3]);
  }
  return result;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
