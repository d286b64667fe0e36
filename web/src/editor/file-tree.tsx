// The workspace folder tree, as a WAI-ARIA tree: one tab stop (roving tabindex), arrows to move, Right/Left
// to open/close folders, Enter to open a file, F2 to rename, Delete to delete. In propose mode each path the draft
// changes carries its mark (A, M, D: propose/change-badge.tsx); a deleted file stays, struck through, until reverted.
// https://www.w3.org/WAI/ARIA/apg/patterns/treeview/
import { useLayoutEffect, useRef } from "preact/hooks";
import type { DraftChangeKind } from "../api/drafts.js";
import type { FolderNode, TreeNode } from "../api/workspace.js";
import { ChangeBadge } from "./propose/change-badge.js";

export interface FileTreeProps {
  root: FolderNode;
  expanded: string[];
  selected: string | undefined;
  dirtyPaths: string[];
  /** What a draft does to each path it changes (propose mode). */
  marks?: Record<string, DraftChangeKind>;
  onSelect: (path: string) => void;
  onOpenFile: (path: string) => void;
  onToggle: (path: string, open?: boolean) => void;
  onRename: (node: TreeNode) => void;
  onDelete: (node: TreeNode) => void;
}

interface Row {
  node: TreeNode;
  depth: number;
  parent: string | undefined;
}

function visibleRows(folder: FolderNode, expanded: Set<string>, depth = 1, rows: Row[] = []): Row[] {
  for (const node of folder.children) {
    rows.push({ node, depth, parent: folder.path || undefined });
    if (node.type === "folder" && expanded.has(node.path)) visibleRows(node, expanded, depth + 1, rows);
  }
  return rows;
}

export function FileTree(props: FileTreeProps) {
  const expanded = new Set(props.expanded);
  const rows = visibleRows(props.root, expanded);
  const focusIndex = Math.max(0, rows.findIndex((row) => row.node.path === props.selected));
  const list = useRef<HTMLUListElement>(null);
  const wantFocus = useRef(false);

  // Layout effect: focus follows the selection in the same task as the key press, not a frame later.
  useLayoutEffect(() => {
    if (!wantFocus.current) return;
    wantFocus.current = false;
    list.current?.querySelector<HTMLElement>('[tabindex="0"]')?.focus();
  });

  const move = (index: number) => {
    const row = rows[Math.min(Math.max(index, 0), rows.length - 1)];
    if (!row) return;
    wantFocus.current = true;
    props.onSelect(row.node.path);
  };

  const onKeyDown = (event: KeyboardEvent, row: Row, index: number) => {
    const { node } = row;
    const isFolder = node.type === "folder";
    const isOpen = isFolder && expanded.has(node.path);
    const handled = (() => {
      switch (event.key) {
        case "ArrowDown":
          return move(index + 1), true;
        case "ArrowUp":
          return move(index - 1), true;
        case "Home":
          return move(0), true;
        case "End":
          return move(rows.length - 1), true;
        case "ArrowRight":
          if (isFolder && !isOpen) props.onToggle(node.path, true);
          else if (isFolder) move(index + 1);
          return true;
        case "ArrowLeft":
          if (isOpen) props.onToggle(node.path, false);
          else if (row.parent) move(rows.findIndex((r) => r.node.path === row.parent));
          return true;
        case "Enter":
        case " ":
          if (isFolder) props.onToggle(node.path);
          else props.onOpenFile(node.path);
          return true;
        case "F2":
          return props.onRename(node), true;
        case "Delete":
          return props.onDelete(node), true;
        default:
          return false;
      }
    })();
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  if (rows.length === 0) return <p class="empty">The workspace is empty.</p>;

  return (
    <ul ref={list} role="tree" aria-label="Workspace files" class="tree">
      {rows.map((row, index) => {
        const { node } = row;
        const isFolder = node.type === "folder";
        const isOpen = isFolder && expanded.has(node.path);
        const dirty = props.dirtyPaths.includes(node.path);
        const mark = props.marks?.[node.path];
        return (
          <li
            key={node.path}
            role="treeitem"
            aria-level={row.depth}
            aria-expanded={isFolder ? isOpen : undefined}
            aria-selected={node.path === props.selected}
            tabIndex={index === focusIndex ? 0 : -1}
            data-path={node.path}
            class={`tree-item ${isFolder ? "folder" : "file"}${node.path === props.selected ? " selected" : ""}${mark === "deleted" ? " deleted" : ""}`}
            style={{ paddingLeft: `${(row.depth - 1) * 14 + 6}px` }}
            onClick={() => {
              props.onSelect(node.path);
              if (isFolder) props.onToggle(node.path);
              else props.onOpenFile(node.path);
            }}
            onKeyDown={(event) => onKeyDown(event, row, index)}
            onFocus={() => node.path !== props.selected && props.onSelect(node.path)}
          >
            <span class="tree-icon" aria-hidden="true">{isFolder ? (isOpen ? "▾" : "▸") : "·"}</span>
            <span class="tree-name">{node.name}</span>
            {dirty && <span class="dirty-dot" title="Unsaved changes" aria-label="unsaved changes">●</span>}
            {mark && <ChangeBadge kind={mark} />}
          </li>
        );
      })}
    </ul>
  );
}
