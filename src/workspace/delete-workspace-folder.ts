// Deletes a folder: an empty one by default, with everything inside only when asked (`recursive`).
// A folder that holds nothing but file-manager noise (.DS_Store...) counts as empty: the user cannot see
// that noise, so refusing because of it would make no sense to them.
import { readdir, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { ConflictError, NotFoundError } from "../errors.js";
import { assertWritable } from "./assert-writable.js";
import { assertVisiblePath, isHiddenName, isPlatformTempName } from "./hidden-names.js";
import { resolveWorkspacePath } from "./safe-path.js";
import { withWriteLock } from "./with-write-lock.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export interface DeleteFolderOptions extends WorkspaceCallOptions {
  recursive?: boolean;
}

export async function deleteWorkspaceFolder(deps: WorkspaceDeps, folderPath: string, options: DeleteFolderOptions = {}): Promise<void> {
  const { relative, absolute } = await resolveWorkspacePath(deps.workspaceDir, folderPath);
  assertVisiblePath(relative);
  await assertWritable(deps, options);
  await withWriteLock(deps, async () => {
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new NotFoundError(`There is no folder "${relative}" in the workspace.`);
    if (!info.isDirectory()) throw new ConflictError(`"${relative}" is a file, not a folder.`, { code: "not_a_folder" });
    if (options.recursive) {
      await rm(absolute, { recursive: true });
      return;
    }
    const names = await readdir(absolute);
    // An upload in flight (its temp file) makes the folder busy, not empty.
    const visible = names.filter((name) => !isHiddenName(name) || isPlatformTempName(name));
    if (visible.length > 0) {
      throw new ConflictError(
        `The folder "${relative}" is not empty (${visible.length} item${visible.length === 1 ? "" : "s"}). Delete with ?recursive=true to remove everything in it.`,
        { code: "folder_not_empty", details: { entries: visible.length } },
      );
    }
    await Promise.all(names.map((name) => rm(path.join(absolute, name), { force: true, recursive: true })));
    await rmdir(absolute);
  });
}
