// README's "Writing workflows" example as files: test/readme-example.test.ts runs it, and the first-run test checks
// that "Create your first workflow" writes the same files.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ReadmeFile {
  path: string;
  text: string;
}

/** The ```ts blocks of README's "Writing workflows" section whose first line is `// <file>` (a file name, then `:` or the end). */
export async function readmeExampleFiles(): Promise<ReadmeFile[]> {
  const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Writing workflows\n");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  const files: ReadmeFile[] = [];
  for (const [, text = ""] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const named = /^\/\/ ([\w./-]+\.(?:ts|mts|js|mjs))(?::|$)/m.exec(text.split("\n")[0] ?? "");
    if (named?.[1]) files.push({ path: named[1], text });
  }
  return files;
}
