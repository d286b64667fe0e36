// `npm run init-workspace <folder>`: copies templates/workspace/ (compose file, VS Code attach configuration,
// sample workflows, README) into a new or existing folder, the start of a workspace-only repository.
// Conflicts are checked before anything is written, so a refused run leaves the folder as it was.
import { constants } from "node:fs";
import { copyFile, mkdir, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const TEMPLATE_DIR = fileURLToPath(new URL("../templates/workspace/", import.meta.url));

export interface InitWorkspaceOptions {
  /** The template folder; defaults to templates/workspace/ of this checkout. */
  templateDir?: string;
}

/** Copies the template into `targetDir` and returns the relative paths written. Throws if any would be overwritten. */
export async function initWorkspace(targetDir: string, options: InitWorkspaceOptions = {}): Promise<string[]> {
  if (typeof targetDir !== "string" || targetDir.trim() === "") {
    throw new TypeError("targetDir must name a folder, e.g. `npm run init-workspace ../my-workspace`");
  }
  const templateDir = options.templateDir ?? TEMPLATE_DIR;
  const files = (await readdir(templateDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(templateDir, path.join(entry.parentPath, entry.name)))
    .sort();

  const existing: string[] = [];
  for (const file of files) {
    if (await stat(path.join(targetDir, file)).then(() => true, () => false)) existing.push(file);
  }
  if (existing.length > 0) {
    throw new Error(
      `${targetDir} already has ${existing.join(", ")}: move ${existing.length === 1 ? "it" : "them"} away or pick an empty folder.`,
    );
  }

  for (const file of files) {
    await mkdir(path.dirname(path.join(targetDir, file)), { recursive: true });
    await copyFile(path.join(templateDir, file), path.join(targetDir, file), constants.COPYFILE_EXCL);
  }
  return files;
}

async function main(argv: string[]): Promise<number> {
  const target = argv[0];
  if (!target || argv.length > 1) {
    console.error("usage: npm run init-workspace <folder>");
    return 2;
  }
  try {
    const written = await initWorkspace(path.resolve(target));
    for (const file of written) console.log(`  ${path.join(target, file)}`);
    console.log(`\nNext: cd ${target} && git init && ENABLE_DEBUGGING=true docker compose up  (then read README.md)`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
