// The overwrite rule shared by every connect flow (FR-012a): connecting replaces the workspace with the
// repository, so a workspace that holds files is only replaced when the user said so, after being offered
// a zip of it.
import { readdir } from "node:fs/promises";
import { ConflictError } from "../../src/errors.js";

export const WORKSPACE_ZIP_URL = "/api/workspace/zip";

export async function assertWorkspaceReplaceable(
  workspaceDir: string,
  acknowledgeOverwrite: boolean,
  options: { abortSignal?: AbortSignal } = {},
): Promise<void> {
  if (acknowledgeOverwrite) return;
  options.abortSignal?.throwIfAborted();
  let entries: string[];
  try {
    entries = await readdir(workspaceDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (entries.length === 0) return;
  throw new ConflictError(
    "The workspace is not empty: connecting replaces its files with the repository's. Download a zip of it first " +
      `(${WORKSPACE_ZIP_URL}), then connect again with acknowledgeOverwrite: true.`,
    { code: "workspace_not_empty", details: { zipUrl: WORKSPACE_ZIP_URL } },
  );
}
