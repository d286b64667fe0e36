// Workspace helpers for the engine tests: copy the template's sample workflows, write files, poll.
import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
export { until } from "./wait-for.js";

export const TEMPLATE_WORKFLOWS = fileURLToPath(new URL("../../templates/workspace/workflows", import.meta.url));

export async function copySampleWorkflows(workspaceDir: string): Promise<void> {
  await cp(TEMPLATE_WORKFLOWS, path.join(workspaceDir, "workflows"), { recursive: true });
}

export async function writeWorkspaceFile(workspaceDir: string, relativePath: string, content: string): Promise<void> {
  const absolute = path.join(workspaceDir, relativePath);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
}

