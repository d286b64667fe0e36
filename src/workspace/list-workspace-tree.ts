// The folder tree for the editor: folders and files with size, modified time and ETag, sorted (folders
// first, then by name as people read them). One readdir per folder and every stat/hash behind one p-limit:
// on Azure Files each metadata call is a network round trip, so a listing must never go one call at a time,
// nor fire thousands at once. Noise and the platform's own files are hidden; temp files left by a crash
// (older than an hour, so no upload in flight) are removed on the way.
import { lstat, open, readdir, rm } from "node:fs/promises";
import path from "node:path";
import pLimit, { type LimitFunction } from "p-limit";
import { hashFileHandle } from "./content-hash.js";
import { isHiddenName, isPlatformTempName } from "./hidden-names.js";
import { resolveWorkspacePath } from "./safe-path.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

// The tree's shapes are the API's (src/api-types.ts), written once for the server and the UI.
export type { FileNode, FolderNode, TreeNode, WorkspaceTree } from "../api-types.js";
import type { FileNode, FolderNode, TreeNode, WorkspaceTree } from "../api-types.js";

export interface ListTreeOptions extends WorkspaceCallOptions {
  /** Hash every file for its ETag (default true). The zip needs no ETags and skips the extra reads. */
  etags?: boolean;
}

const STALE_TEMP_MS = 60 * 60 * 1000;
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

export async function listWorkspaceTree(deps: Pick<WorkspaceDeps, "workspaceDir" | "ioConcurrency">, options: ListTreeOptions = {}): Promise<WorkspaceTree> {
  const { absolute: root } = await resolveWorkspacePath(deps.workspaceDir, "", { allowRoot: true });
  const limit = pLimit(deps.ioConcurrency);
  const rootInfo = await lstat(root);
  const tree: WorkspaceTree = {
    root: { type: "folder", name: "", path: "", modified: rootInfo.mtime.toISOString(), mode: rootInfo.mode & 0o7777, children: [] },
    files: 0,
    folders: 0,
    bytes: 0,
  };
  await fillFolder(tree.root, root, { tree, limit, etags: options.etags ?? true, abortSignal: options.abortSignal });
  return tree;
}

interface Walk {
  tree: WorkspaceTree;
  limit: LimitFunction;
  etags: boolean;
  abortSignal: AbortSignal | undefined;
}

async function fillFolder(folder: FolderNode, absolute: string, walk: Walk): Promise<void> {
  walk.abortSignal?.throwIfAborted();
  const entries = await walk.limit(() => readdir(absolute, { withFileTypes: true }));
  const children = await Promise.all(
    entries.map(async (entry): Promise<TreeNode | undefined> => {
      const childAbsolute = path.join(absolute, entry.name);
      const childPath = folder.path === "" ? entry.name : `${folder.path}/${entry.name}`;
      if (isHiddenName(entry.name)) {
        if (entry.isFile() && isPlatformTempName(entry.name)) await walk.limit(() => removeIfStale(childAbsolute));
        return undefined;
      }
      // Symbolic links are left out: Azure Files has none, and following them invites loops and leaks.
      if (entry.isDirectory()) {
        const info = await walk.limit(() => lstat(childAbsolute));
        const node: FolderNode = { type: "folder", name: entry.name, path: childPath, modified: info.mtime.toISOString(), mode: info.mode & 0o7777, children: [] };
        walk.tree.folders++;
        await fillFolder(node, childAbsolute, walk);
        return node;
      }
      if (entry.isFile()) {
        const node = await walk.limit(() => describeFile(entry.name, childPath, childAbsolute, walk));
        if (node) {
          walk.tree.files++;
          walk.tree.bytes += node.size;
        }
        return node;
      }
      return undefined;
    }),
  );
  folder.children = children.filter((c): c is TreeNode => c !== undefined).sort(compareNodes);
}

async function describeFile(name: string, relative: string, absolute: string, walk: Walk): Promise<FileNode | undefined> {
  if (!walk.etags) {
    const info = await lstat(absolute).catch(ignoreVanished);
    return info && { type: "file", name, path: relative, size: info.size, modified: info.mtime.toISOString(), mode: info.mode & 0o7777 };
  }
  // Stat and hash through one handle, so size, time and ETag describe the same version.
  const handle = await open(absolute, "r").catch(ignoreVanished);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    const { etag, size } = await hashFileHandle(handle, { abortSignal: walk.abortSignal, size: info.size, detectText: false });
    return { type: "file", name, path: relative, size, modified: info.mtime.toISOString(), mode: info.mode & 0o7777, etag };
  } finally {
    await handle.close();
  }
}

/** A file deleted between readdir and stat is simply not listed. */
function ignoreVanished(error: NodeJS.ErrnoException): undefined {
  if (error.code === "ENOENT") return undefined;
  throw error;
}

async function removeIfStale(absolute: string): Promise<void> {
  const info = await lstat(absolute).catch(ignoreVanished);
  if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(absolute, { force: true });
}

function compareNodes(a: TreeNode, b: TreeNode): number {
  if (a.type !== b.type) return a.type === "folder" ? -1 : 1;
  return collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
