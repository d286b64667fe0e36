// Rename or move a file or folder. When the new path is taken, the dialog says so in words and asks whether to
// overwrite it (the files API's `overwrite`), naming what would be lost; Cancel goes back to the path.
import { useState } from "preact/hooks";
import { ApiError, describeError } from "../api/client.js";
import type { TreeNode } from "../api/workspace.js";
import { ConfirmDialog, PromptDialog } from "../ui/dialog.js";
import { editorModel, movePath } from "./editor-store.js";

export interface RenameDialogProps {
  node: TreeNode;
  /** Called when the entry was moved, or nothing was to be done. */
  onDone: () => void;
  onCancel: () => void;
  /** After a refusal: GitHub may have taken over the workspace meanwhile. */
  onRefused?: () => void;
}

export function RenameDialog({ node, onDone, onCancel, onRefused }: RenameDialogProps) {
  const [target, setTarget] = useState(node.path);
  const [taken, setTaken] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const move = async (to: string, overwrite: boolean) => {
    setTarget(to);
    if (to === node.path) return onDone();
    setBusy(true);
    setError(undefined);
    try {
      await movePath(node.path, to, { overwrite });
      onDone();
    } catch (reason) {
      if (!overwrite && reason instanceof ApiError && reason.code === "target_exists") setTaken(to);
      else {
        setError(describeError(reason));
        onRefused?.();
      }
    } finally {
      setBusy(false);
    }
  };

  if (taken !== undefined) {
    const existing = kindAt(taken);
    const dirty = editorModel.get().tabs.some((tab) => tab.dirty && (tab.path === taken || tab.path.startsWith(`${taken}/`)));
    return (
      <ConfirmDialog
        title={`${taken} already exists`}
        message={
          <>
            <p>
              There is already a {existing ?? "file or folder"} at <code>{taken}</code>. Overwrite it with <code>{node.path}</code>?
            </p>
            <p>
              {existing === "folder" ? "The folder and everything in it will be replaced" : "Its current content will be replaced"}; this cannot be undone.
              {dirty && " Its unsaved changes in the editor will be lost too."} Cancel to choose another name.
            </p>
          </>
        }
        confirmLabel="Overwrite"
        danger
        busy={busy}
        error={error}
        onCancel={() => {
          setTaken(undefined);
          setError(undefined);
        }}
        onConfirm={() => void move(taken, true)}
      />
    );
  }
  return (
    <PromptDialog
      title={`Rename or move ${node.type}`}
      label="New path"
      hint="Change the folder part to move it."
      initialValue={target}
      confirmLabel="Rename"
      busy={busy}
      error={error}
      onCancel={onCancel}
      onSubmit={(to) => void move(to, false)}
    />
  );
}

/** What the tree shows at `path`: "file", "folder", or undefined when it is not (yet) in the tree. */
function kindAt(path: string): TreeNode["type"] | undefined {
  let nodes = editorModel.get().tree?.root.children ?? [];
  for (;;) {
    const node = nodes.find((n) => n.path === path || path.startsWith(`${n.path}/`));
    if (!node) return undefined;
    if (node.path === path) return node.type;
    if (node.type !== "folder") return undefined;
    nodes = node.children;
  }
}
