// Renames or moves a file or a folder. `to` is the full new path (not the folder to move into). An existing
// target is a 409 unless `overwrite` is set; then it is replaced (a file over a file is one atomic rename).
// A target that Azure Files would take for another existing entry (`readme.md` beside `README.md`, or a folder
// spelled `Src` when `src` exists) is a 409 `case_conflict` on every file system (find-case-twin.ts).
//
// A rename that only changes letter case (`README.md` → `readme.md`, `Dir` → `dir`) is allowed. "Is the target
// the source itself?" is decided by listing the folder, never by inode: on the SMB share each spelling stats
// with its own inode number (/work/shared/smb-share/README.md), so an inode test there took the source for
// another entry. On a case-insensitive file system the entry goes through a temporary name in the same
// folder, as the sync does (src/sync/apply-plan.ts, moveCaseTwinsAside): a direct rename between two
// spellings of one name is a no-op on some file systems and clients.
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { BadRequestError, ConflictError, NotFoundError } from "../errors.js";
import { assertWritable } from "./assert-writable.js";
import { caseConflict, findCaseTwin } from "./find-case-twin.js";
import { assertVisiblePath, PLATFORM_PREFIX } from "./hidden-names.js";
import { resolveWorkspacePath } from "./safe-path.js";
import { assertShareName, caseFoldKey } from "./share-names.js";
import { withWriteLock } from "./with-write-lock.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

/**
 * The hidden name an entry has for a moment during a case-only rename. Not a temp-file name: the tree's sweep
 * of old temp files must never remove an entry that a crash left here.
 */
const CASE_RENAME_PREFIX = `${PLATFORM_PREFIX}case-`;

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
  if (caseFoldKey(to.relative).startsWith(`${caseFoldKey(from.relative)}/`)) {
    throw new BadRequestError(`Cannot move "${from.relative}" into itself ("${to.relative}").`, { code: "move_into_itself" });
  }
  return withWriteLock(deps, async (lock) => {
    const source = await lstat(from.absolute).catch(() => undefined);
    if (!source || !(source.isFile() || source.isDirectory())) {
      throw new NotFoundError(`There is nothing at "${from.relative}" to move.`);
    }
    const type = source.isDirectory() ? "folder" : "file";
    // The source itself is no twin of its new spelling.
    const twin = await findCaseTwin(deps.workspaceDir, to.relative, { allow: from.relative });
    if (twin) throw caseConflict("move to", to.relative, twin);
    const result = { from: from.relative, to: to.relative, type } as const;
    if (caseFoldKey(from.relative) === caseFoldKey(to.relative)) {
      const renamed = await renameCaseOnly(from, to, lock);
      if (renamed) return { ...result, replaced: false };
    }
    const target = await lstat(to.absolute).catch(() => undefined);
    let replaced = false;
    if (target) {
      if (!move.overwrite) {
        throw new ConflictError(`"${to.relative}" already exists. Send "overwrite": true to replace it.`, {
          code: "target_exists",
          details: { path: to.relative },
        });
      }
      lock.assertHeld();
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
    lock.assertHeld();
    await rename(from.absolute, to.absolute);
    return { ...result, replaced };
  });
}

type Resolved = { relative: string; absolute: string };

/**
 * `from` and `to` are one path to Azure Files. Renames the entry when `to` is a new spelling of it (true), or
 * says (false) that `to` is another entry, which a case-sensitive disk can hold beside it: the caller then
 * treats it as any existing target (409, or replaced with `overwrite`). The listing of the folder decides.
 */
async function renameCaseOnly(from: Resolved, to: Resolved, lock: { assertHeld(): void }): Promise<boolean> {
  const folder = path.posix.dirname(to.relative);
  if (path.posix.dirname(from.relative) !== folder) {
    // `dir/a` → `Dir/a`: a folder on the way is spelled two ways. Only a case-sensitive disk can hold both,
    // and on the share they are one folder; the last name is what a rename changes.
    throw new ConflictError(
      `Cannot move "${from.relative}" to "${to.relative}": they differ in the letter case of a folder, which Azure Files ignores. Rename that folder itself.`,
      { code: "case_conflict", details: { path: to.relative, existing: from.relative } },
    );
  }
  const names = await readdir(path.dirname(to.absolute));
  const fromName = path.basename(from.absolute);
  const toName = path.basename(to.absolute);
  const fromListed = names.includes(fromName);
  if (names.includes(toName)) {
    if (fromListed) return false;
    // `from` is another spelling of the entry listed as `to` (a case-insensitive file system found it).
    throw new BadRequestError(`"${from.relative}" is already spelled "${to.relative}".`, { code: "same_path" });
  }
  // The entry is listed under neither spelling: it went away since the lstat.
  if (!fromListed) throw new NotFoundError(`There is nothing at "${from.relative}" to move.`);
  lock.assertHeld();
  // A case-sensitive disk has no entry at the new spelling: one rename. Otherwise the same entry answers to it.
  const caseInsensitive = await lstat(to.absolute).then(
    () => true,
    () => false,
  );
  if (!caseInsensitive) {
    await rename(from.absolute, to.absolute);
    return true;
  }
  const aside = path.join(path.dirname(from.absolute), `${CASE_RENAME_PREFIX}${randomBytes(4).toString("hex")}`);
  await rename(from.absolute, aside);
  try {
    await rename(aside, to.absolute);
  } catch (error) {
    // Put it back under its old name rather than leave it hidden.
    await rename(aside, from.absolute).catch(() => undefined);
    throw error;
  }
  return true;
}
