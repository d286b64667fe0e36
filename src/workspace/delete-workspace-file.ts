// Deletes one file, honouring If-Match (delete only the version the editor saw).
import { stat, unlink } from "node:fs/promises";
import { NotFoundError } from "../errors.js";
import { assertWritable } from "./assert-writable.js";
import { getFileVersion, notAFile } from "./get-file-version.js";
import { assertVisiblePath } from "./hidden-names.js";
import { checkPreconditions, type Preconditions } from "./preconditions.js";
import { resolveWorkspacePath } from "./safe-path.js";
import { withWriteLock } from "./with-write-lock.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export interface DeleteFileOptions extends WorkspaceCallOptions, Preconditions {}

export async function deleteWorkspaceFile(deps: WorkspaceDeps, path: string, options: DeleteFileOptions = {}): Promise<void> {
  const { relative, absolute } = await resolveWorkspacePath(deps.workspaceDir, path);
  assertVisiblePath(relative);
  await assertWritable(deps, options);
  await withWriteLock(deps, async (lock) => {
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new NotFoundError(`There is no file "${relative}" in the workspace.`);
    if (info.isDirectory()) throw notAFile(relative);
    if (options.ifMatch || options.ifNoneMatch) {
      checkPreconditions((await getFileVersion(absolute, relative, options))?.etag, options, relative);
    }
    lock.assertHeld();
    await unlink(absolute);
  });
}
