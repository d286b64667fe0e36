// The workspace's own version of a path, as a draft starts from it: absent, a folder, or a file with its bytes
// and git blob id (the id the connected commit's tree lists, since a connected workspace is that commit).
import { lstat, readFile } from "node:fs/promises";
import { hashGitBlob } from "../sync/git-blob.js";
import { resolveWorkspacePath } from "../workspace/safe-path.js";

export type WorkspaceVersion = { kind: "absent" } | { kind: "folder" } | { kind: "other" } | { kind: "file"; content: Buffer; blobSha: string; executable: boolean };

export async function readWorkspaceVersion(workspaceDir: string, relative: string): Promise<WorkspaceVersion> {
  const { absolute } = await resolveWorkspacePath(workspaceDir, relative);
  const info = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
    throw error;
  });
  if (!info) return { kind: "absent" };
  if (info.isDirectory()) return { kind: "folder" };
  // A symbolic link or a device: a draft edits files only.
  if (!info.isFile()) return { kind: "other" };
  const content = await readFile(absolute);
  return { kind: "file", content, blobSha: hashGitBlob(content), executable: (info.mode & 0o111) !== 0 };
}
