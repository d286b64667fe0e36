// Search across the workspace for the editor (Ctrl/Cmd-Shift-F): every visible file whose path or text contains
// the query, ignoring case, with the lines that do. The server reads the files where they are, one p-limit
// for the whole walk (IO_CONCURRENCY, as the tree does), instead of the browser downloading every file.
// Binary files and files over 1 MiB are matched by name only; the answer is capped so a query like "e" on a
// large workspace stays a quick answer, flagged `truncated`.
import { readFile } from "node:fs/promises";
import pLimit from "p-limit";
import type { TreeNode, WorkspaceSearchFile, WorkspaceSearchMatch, WorkspaceSearchResult } from "../api-types.js";
import { BadRequestError } from "../errors.js";
import { listWorkspaceTree } from "./list-workspace-tree.js";
import { resolveWorkspacePath } from "./safe-path.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export const MAX_QUERY_LENGTH = 200;
const MAX_CONTENT_BYTES = 1024 * 1024;
const MAX_MATCHES = 1000;
const MAX_MATCHES_PER_FILE = 100;
const MAX_LINE_CHARS = 240;

export async function searchWorkspace(
  deps: Pick<WorkspaceDeps, "workspaceDir" | "ioConcurrency">,
  query: string,
  options: WorkspaceCallOptions = {},
): Promise<WorkspaceSearchResult> {
  if (query.trim() === "" || query.length > MAX_QUERY_LENGTH) {
    throw new BadRequestError(`q must be 1 to ${MAX_QUERY_LENGTH} characters, e.g. ?q=defineWorkflow.`, { code: "invalid_query" });
  }
  const tree = await listWorkspaceTree(deps, { etags: false, abortSignal: options.abortSignal });
  const paths: { path: string; size: number }[] = [];
  const walk = (nodes: TreeNode[]) => {
    for (const node of nodes) {
      if (node.type === "folder") walk(node.children);
      else paths.push({ path: node.path, size: node.size });
    }
  };
  walk(tree.root.children);
  paths.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const needle = query.toLowerCase();
  const limit = pLimit(deps.ioConcurrency);
  const found = await Promise.all(
    paths.map(({ path, size }) =>
      limit(async (): Promise<WorkspaceSearchFile> => {
        options.abortSignal?.throwIfAborted();
        const nameMatch = path.toLowerCase().includes(needle);
        const text = size <= MAX_CONTENT_BYTES ? await readText(deps.workspaceDir, path) : undefined;
        return { path, nameMatch, matches: text === undefined ? [] : matchLines(text, needle) };
      }),
    ),
  );

  let budget = MAX_MATCHES;
  let truncated = false;
  const files: WorkspaceSearchFile[] = [];
  for (const file of found) {
    if (!file.nameMatch && file.matches.length === 0) continue;
    if (file.matches.length > budget || file.matches.length > MAX_MATCHES_PER_FILE) truncated = true;
    const matches = file.matches.slice(0, Math.min(budget, MAX_MATCHES_PER_FILE));
    budget -= matches.length;
    files.push({ ...file, matches });
  }
  return { query, files, truncated };
}

/** The file as text, or undefined when it is binary (not UTF-8, or has NUL bytes) or vanished meanwhile. */
async function readText(workspaceDir: string, path: string): Promise<string | undefined> {
  const { absolute } = await resolveWorkspacePath(workspaceDir, path);
  const bytes = await readFile(absolute).catch(() => undefined);
  if (!bytes || bytes.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Lines containing the (lower-cased) needle; one more than a file's cap, so the caller knows it was cut. */
function matchLines(text: string, needle: string): WorkspaceSearchMatch[] {
  const matches: WorkspaceSearchMatch[] = [];
  if (!text.toLowerCase().includes(needle)) return matches;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length && matches.length <= MAX_MATCHES_PER_FILE; index++) {
    const line = lines[index]!;
    const column = line.toLowerCase().indexOf(needle);
    if (column >= 0) matches.push({ line: index + 1, column: column + 1, text: line.slice(0, MAX_LINE_CHARS) });
  }
  return matches;
}
