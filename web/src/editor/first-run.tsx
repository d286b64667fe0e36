// What an empty workspace shows in place of an empty editor: "Create your first workflow", which writes a working
// example (a workflow and the helper it imports, README's example) through the files API and opens it with the
// run panel, ready for Ctrl/Cmd-Enter. Who cannot write is told why: the repository GitHub syncs from (with a link
// to it), or the role. "New workflow" (newWorkflow below) writes a runnable skeleton with a name of its own.
import { useState } from "preact/hooks";
import { ApiError, describeError } from "../api/client.js";
import type { ConnectionStatus } from "../api/github.js";
import { listWorkflows } from "../api/workflows.js";
import type { TreeNode } from "../api/workspace.js";
import { githubFileUrl } from "../session.js";
import "../ui/guide.css";
import { writeFile } from "./editor-files.js";
import { editorModel, openFile, reloadTree } from "./editor-store.js";
import { FIRST_WORKFLOW, uniqueName, workflowNameFromPath, workflowSkeleton } from "./workflow-templates.js";

export interface FirstRunProps {
  status: ConnectionStatus | undefined;
  /** Why this person cannot write (missingRoleReason; the banner above says it), when they cannot. */
  roleReason: string | undefined;
  /** The workflow was written and opened: show its run panel. */
  onCreated: (path: string) => void;
}

export function FirstRun({ status, roleReason, onCreated }: FirstRunProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await createFirstWorkflow();
      onCreated(FIRST_WORKFLOW.path);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  const repositoryUrl = status?.connected ? githubFileUrl(status) : undefined;

  return (
    <div class="first-run">
      <section class="card" aria-labelledby="first-run-title" data-testid="first-run">
        <h2 id="first-run-title">Your workspace is empty</h2>
        {status?.connected ? (
          <p role="status">
            GitHub syncs it from <code>{status.repository}@{status.branch}</code>, so files are read-only here: add a workflow to the repository and
            it appears here after the next sync.{" "}
            {repositoryUrl && (
              <a href={repositoryUrl} target="_blank" rel="noreferrer">Open the repository on GitHub</a>
            )}
          </p>
        ) : roleReason ? (
          <p role="status">Only an admin can create the first workflow here: ask one to add it, or for write access.</p>
        ) : (
          <>
            <p>Start from a working example: a workflow and the helper module it imports.</p>
            <ul class="file-list">
              {FIRST_WORKFLOW.files.map((file) => (
                <li key={file.path}><code>{file.path}</code></li>
              ))}
            </ul>
            <p>It opens in the editor with its run panel: press Ctrl+Enter (⌘+Enter) to run it, then change it and run it again.</p>
            <button type="button" class="primary" disabled={busy} onClick={() => void create()}>
              {busy ? "Creating…" : "Create your first workflow"}
            </button>
            {error && <p class="error" role="alert">{error}</p>}
          </>
        )}
      </section>
    </div>
  );
}

/** Writes the example (never over an existing file: If-None-Match: *) and opens the workflow. */
export async function createFirstWorkflow(): Promise<void> {
  for (const file of FIRST_WORKFLOW.files) {
    try {
      await writeFile(file.path, file.text, { createOnly: true });
    } catch (error) {
      // Written by another tab a moment ago: theirs stands, and is what opens.
      if (!(error instanceof ApiError && error.status === 412)) throw error;
    }
  }
  await reloadTree();
  await openFile(FIRST_WORKFLOW.path);
}

/** "New workflow": the skeleton at `path`, named after the file and unlike every workflow listed now. */
export async function newWorkflow(path: string): Promise<void> {
  if (!/\.(?:ts|mts|js|mjs)$/.test(path)) throw new Error("A workflow is a .ts, .mts, .js or .mjs file: end the name with one of them.");
  const taken = await listWorkflows().then(
    (list) => list.workflows.map((w) => w.name),
    (): string[] => [],
  );
  const name = uniqueName(workflowNameFromPath(path), taken);
  await writeFile(path, workflowSkeleton(name, path), { createOnly: true });
  await reloadTree();
  await openFile(path);
}

/** Every file path in the tree as loaded (for a new file name nobody uses yet). */
export function treeFilePaths(): string[] {
  const paths: string[] = [];
  const walk = (nodes: TreeNode[]) => {
    for (const node of nodes) {
      if (node.type === "folder") walk(node.children);
      else paths.push(node.path);
    }
  };
  walk(editorModel.get().tree?.root.children ?? []);
  return paths;
}
