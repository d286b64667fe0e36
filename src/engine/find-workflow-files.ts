// The files discovery considers: .ts/.mts/.js/.mjs anywhere in the workspace except helpers by convention
// (`_name`), tests (`*.test.*`), type declarations, `node_modules/` and dot-folders (.git, .vscode...).
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";

export interface WorkflowFile {
  /** Workspace-relative, forward slashes. */
  relativePath: string;
  absolutePath: string;
  /** size:mtime:inode — discovery re-imports a file only when this changes. */
  fingerprint: string;
}

/** The fingerprint of a file that is not there (an import that found nothing is watched for its arrival). */
export const MISSING = "missing";

const WORKFLOW_EXTENSIONS = /\.(ts|mts|js|mjs)$/;

/** Whether a workspace-relative path can hold a workflow (the same rules as the folder walk). */
export function isWorkflowCandidate(relativePath: string): boolean {
  const segments = relativePath.split("/");
  const name = segments.at(-1) ?? "";
  if (segments.slice(0, -1).some((folder) => folder.startsWith(".") || folder === "node_modules")) return false;
  return (
    WORKFLOW_EXTENSIONS.test(name) &&
    !name.startsWith("_") &&
    !name.startsWith(".") &&
    !/\.test\./.test(name) &&
    !/\.d\.m?ts$/.test(name)
  );
}

export async function findWorkflowFiles(
  workspaceDir: string,
  options: { concurrency?: number; abortSignal?: AbortSignal } = {},
): Promise<WorkflowFile[]> {
  const limit = pLimit(options.concurrency ?? 16);
  const found: WorkflowFile[] = [];

  async function walk(relativeDir: string): Promise<void> {
    options.abortSignal?.throwIfAborted();
    const entries = await limit(() => readdir(path.join(workspaceDir, relativeDir), { withFileTypes: true }));
    await Promise.all(
      entries.map(async (entry) => {
        const relativePath = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!entry.name.startsWith(".") && entry.name !== "node_modules") await walk(relativePath);
        } else if (entry.isFile() && isWorkflowCandidate(relativePath)) {
          const absolutePath = path.join(workspaceDir, relativePath);
          found.push({ relativePath, absolutePath, fingerprint: (await limit(() => readFingerprint(absolutePath))) ?? MISSING });
        }
      }),
    );
  }

  await walk("");
  return found.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
}

/** size:mtime:inode of a file (`undefined` when it is gone): a save, a sync or a rename changes it. */
export async function readFingerprint(absolutePath: string): Promise<string | undefined> {
  try {
    const info = await stat(absolutePath, { bigint: true });
    return `${info.size}:${info.mtimeNs}:${info.ino}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
