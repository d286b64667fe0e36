// The tree the editor shows in propose mode: the workspace's, with the files the draft adds put in (their folders
// too). A file the draft deletes stays in it (struck through, file-tree.tsx) until the change is reverted, even when
// the workspace has lost it since, so that every change of the draft can be found in the tree.
import type { DraftChange } from "../../api/drafts.js";
import type { FileNode, FolderNode, TreeNode, WorkspaceTree } from "../../api/workspace.js";

// The server's order (src/workspace/list-workspace-tree.ts): folders first, then by name as people read it.
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
function compareNodes(a: TreeNode, b: TreeNode): number {
  if (a.type !== b.type) return a.type === "folder" ? -1 : 1;
  return collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** A copy of `tree` with every path of `changes` in it (the workspace's own nodes are kept as they are). */
export function overlayDraft(tree: WorkspaceTree, changes: readonly DraftChange[]): WorkspaceTree {
  const root = cloneFolder(tree.root);
  let added = 0;
  for (const change of changes) {
    if (insertFile(root, change)) added++;
  }
  return { ...tree, root, files: tree.files + added };
}

function cloneFolder(folder: FolderNode): FolderNode {
  return { ...folder, children: folder.children.map((child) => (child.type === "folder" ? cloneFolder(child) : child)) };
}

/** Puts the change's file in the tree when it is not there; false when it was (or a folder holds its place). */
function insertFile(root: FolderNode, change: DraftChange): boolean {
  const parts = change.path.split("/");
  let folder = root;
  for (let depth = 0; depth < parts.length - 1; depth++) {
    const path = parts.slice(0, depth + 1).join("/");
    let next = folder.children.find((child) => child.path === path);
    if (next?.type === "file") return false;
    if (!next) {
      next = { type: "folder", name: parts[depth] ?? "", path, modified: change.updatedAt, mode: 0o755, children: [] };
      folder.children = [...folder.children, next].sort(compareNodes);
    }
    folder = next;
  }
  if (folder.children.some((child) => child.path === change.path)) return false;
  const file: FileNode = { type: "file", name: parts[parts.length - 1] ?? change.path, path: change.path, size: change.size ?? 0, modified: change.updatedAt, mode: 0o644 };
  folder.children = [...folder.children, file].sort(compareNodes);
  return true;
}

/** Every file path under `folder` in `tree` (a folder's rename or delete in the draft is one call per file). */
export function filesUnder(tree: WorkspaceTree, folder: string): string[] {
  const paths: string[] = [];
  const walk = (nodes: TreeNode[]) => {
    for (const node of nodes) {
      if (node.type === "folder") walk(node.children);
      else if (node.path.startsWith(`${folder}/`)) paths.push(node.path);
    }
  };
  walk(tree.root.children);
  return paths;
}
