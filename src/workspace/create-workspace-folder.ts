// Creates a folder (and its missing parents). Fails when something already has that name, as `create` does,
// also under another letter case (one name on Azure Files, see find-case-twin.ts). The check and the mkdir
// run under the write lock, so two requests for `Docs` and `docs` cannot both pass the check.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ConflictError } from "../errors.js";
import { assertWritable } from "./assert-writable.js";
import { caseConflict, findCaseTwin } from "./find-case-twin.js";
import { assertVisiblePath } from "./hidden-names.js";
import { resolveWorkspacePath } from "./safe-path.js";
import { assertShareName } from "./share-names.js";
import { withWriteLock } from "./with-write-lock.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export async function createWorkspaceFolder(deps: WorkspaceDeps, folderPath: string, options: WorkspaceCallOptions = {}): Promise<{ path: string }> {
  // Before any file-system call: on the share, even a realpath of such a name fails (EIO).
  assertShareName(folderPath);
  const { relative, absolute } = await resolveWorkspacePath(deps.workspaceDir, folderPath);
  assertVisiblePath(relative);
  await assertWritable(deps, options);
  return withWriteLock(deps, async (lock) => {
    const twin = await findCaseTwin(deps.workspaceDir, relative);
    if (twin) throw caseConflict("create", relative, twin);
    lock.assertHeld();
    try {
      await mkdir(path.dirname(absolute), { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOTDIR") {
        throw new ConflictError(`Cannot create "${relative}": one of its parent folders is a file.`, { code: "parent_is_file" });
      }
      throw error;
    }
    try {
      await mkdir(absolute);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new ConflictError(`"${relative}" already exists.`, { code: "already_exists" });
      }
      throw error;
    }
    return { path: relative };
  });
}
