// The dialogs of the editor's file actions (the tree's toolbar, F2, Delete, closing a dirty tab): each asks for a
// path or a confirmation, runs the action, and shows the refusal in place. In propose mode the same actions go to
// the draft (editor-files.ts), where a deletion can still be reverted, and the dialogs say so.
import { describeError } from "../api/client.js";
import type { TreeNode } from "../api/workspace.js";
import { connection, refreshConnection } from "../session.js";
import { ConfirmDialog, PromptDialog } from "../ui/dialog.js";
import { useState } from "preact/hooks";
import { closeTab, createFile, createFolder, deletePath } from "./editor-store.js";
import { newWorkflow, treeFilePaths } from "./first-run.js";
import { RenameDialog } from "./rename-dialog.js";
import { uniquePath } from "./workflow-templates.js";

export type FileAction =
  | { kind: "new-file" | "new-folder" | "new-workflow"; base: string }
  | { kind: "rename"; node: TreeNode }
  | { kind: "delete"; node: TreeNode }
  | { kind: "close-tab"; path: string };

export interface FileActionDialogsProps {
  pending: FileAction;
  /** Propose mode: the actions change the person's draft. */
  proposing: boolean;
  /** The action was done, or cancelled. */
  onDone: () => void;
}

export function FileActionDialogs({ pending, proposing, onDone }: FileActionDialogsProps) {
  const [dialogError, setDialogError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const undoNote = proposing ? "Your draft deletes it; Revert under Changes brings it back." : "This cannot be undone.";

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setDialogError(undefined);
    try {
      await action();
      onDone();
    } catch (error) {
      setDialogError(describeError(error));
      // GitHub may have taken over the workspace meanwhile (a 409 read_only): the banner and controls follow.
      if (connection.get()?.connected) await refreshConnection();
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => {
    setDialogError(undefined);
    onDone();
  };

  return (
    <>
      {pending.kind === "new-file" && (
        <PromptDialog
          title="New file"
          label="File path"
          hint="A path inside the workspace, e.g. workflows/hello.ts. Missing folders are created."
          initialValue={pending.base ? `${pending.base}/new-workflow.ts` : "new-workflow.ts"}
          confirmLabel="Create"
          busy={busy}
          error={dialogError}
          onCancel={cancel}
          onSubmit={(path) => void run(() => createFile(path))}
        />
      )}
      {pending.kind === "new-workflow" && (
        <PromptDialog
          title="New workflow"
          label="Workflow file"
          hint="A .ts or .js file; it starts as a runnable workflow named after the file. Missing folders are created."
          initialValue={uniquePath(`${pending.base}/new-workflow.ts`, treeFilePaths())}
          confirmLabel="Create"
          busy={busy}
          error={dialogError}
          onCancel={cancel}
          onSubmit={(path) => void run(() => newWorkflow(path))}
        />
      )}
      {pending.kind === "new-folder" && (
        <PromptDialog
          title="New folder"
          label="Folder path"
          initialValue={pending.base ? `${pending.base}/new-folder` : "new-folder"}
          confirmLabel="Create"
          busy={busy}
          error={dialogError}
          onCancel={cancel}
          onSubmit={(path) => void run(() => createFolder(path))}
        />
      )}
      {pending.kind === "rename" && (
        <RenameDialog node={pending.node} onDone={cancel} onCancel={cancel} onRefused={() => void (connection.get()?.connected && refreshConnection())} />
      )}
      {pending.kind === "delete" && (
        <ConfirmDialog
          title={`Delete ${pending.node.type}`}
          message={
            pending.node.type === "folder" ? (
              <p>Delete the folder <code>{pending.node.path}</code> and everything in it? {undoNote}</p>
            ) : (
              <p>Delete <code>{pending.node.path}</code>? {undoNote}</p>
            )
          }
          confirmLabel="Delete"
          danger
          busy={busy}
          error={dialogError}
          onCancel={cancel}
          onConfirm={() => void run(() => deletePath(pending.node.path, pending.node.type))}
        />
      )}
      {pending.kind === "close-tab" && (
        <ConfirmDialog
          title="Discard changes?"
          message={<p><code>{pending.path}</code> has unsaved changes. Close it and lose them?</p>}
          confirmLabel="Discard changes"
          danger
          onCancel={cancel}
          onConfirm={() => {
            closeTab(pending.path);
            cancel();
          }}
        />
      )}
    </>
  );
}
