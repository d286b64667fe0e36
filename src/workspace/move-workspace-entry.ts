// Renames or moves a file or a folder. `to` is the full new path (not the folder to move into). An existing
// target is a 409 unless `overwrite` is set; then it is replaced (a file over a file is one atomic rename).
// A rename that only changes letter case is allowed: on Azure Files (case-insensitive) the "existing target"
// is the entry itself.
import { lstat, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { BadRequestError, ConflictError, NotFoundError } from "../errors.js";
import { assertWritable } from "./assert-writable.js";
import { assertVisiblePath } from "./hidden-names.js";
import { resolveWorkspacePath } from "./safe-path.js";
import { assertShareName } from "./share-names.js";
import { withWriteLock } from "./with-write-lock.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export interface MoveRequest {
  from: string;
  to: string;
  overwrite?: boolean;
}

export interface MoveResult {
  from: string;
  to: string;
  type: "file" | "folder";
  /** True when an existing entry at `to` was replaced. */
  replaced: boolean;
}

export async function moveWorkspaceEntry(deps: WorkspaceDeps, move: MoveRequest, options: WorkspaceCallOptions = {}): Promise<MoveResult> {
  // Only the new name (an entry of an illegal name, left on a local disk, may still be moved to a legal one),
  // before any file-system call: on the share, even a realpath of such a name fails (EIO).
  assertShareName(move.to);
  const from = await resolveWorkspacePath(deps.workspaceDir, move.from);
  const to = await resolveWorkspacePath(deps.workspaceDir, move.to);
  assertVisiblePath(from.relative);
  assertVisiblePath(to.relative);
  await assertWritable(deps, options);
  if (from.relative === to.relative) throw new BadRequestError(`"${from.relative}" is already there: from and to are the same path.`, { code: "same_path" });
  if (to.relative.startsWith(`${from.relative}/`)) {
    throw new BadRequestError(`Cannot move "${from.relative}" into itself ("${to.relative}").`, { code: "move_into_itself" });
  }
  return withWriteLock(deps.workspaceDir, async () => {
    const source = await lstat(from.absolute).catch(() => undefined);
    if (!source || !(source.isFile() || source.isDirectory())) {
      throw new NotFoundError(`There is nothing at "${from.relative}" to move.`);
    }
    const type = source.isDirectory() ? "folder" : "file";
    const target = await lstat(to.absolute).catch(() => undefined);
    const sameEntry =
      target !== undefined && target.ino === source.ino && target.dev === source.dev && from.relative.toLowerCase() === to.relative.toLowerCase();
    let replaced = false;
    if (target && !sameEntry) {
      if (!move.overwrite) {
        throw new ConflictError(`"${to.relative}" already exists. Send "overwrite": true to replace it.`, {
          code: "target_exists",
          details: { path: to.relative },
        });
      }
      // rename() replaces a file in one step, but not a non-empty folder nor across kinds.
      if (!(target.isFile() && type === "file")) await rm(to.absolute, { recursive: true, force: true });
      replaced = true;
    }
    try {
      await mkdir(path.dirname(to.absolute), { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOTDIR") {
        throw new ConflictError(`Cannot move to "${to.relative}": one of its parent folders is a file.`, { code: "parent_is_file" });
      }
      throw error;
    }
    await rename(from.absolute, to.absolute);
    return { from: from.relative, to: to.relative, type, replaced };
  });
}
