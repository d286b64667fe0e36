// README's "Writing workflows" example is copy-paste runnable: its code blocks (each opens with a comment naming
// its file) are taken from README.md as they are, written into an empty workspace through the files API, and the
// workflow runs and succeeds through the API. The blocks import nothing the README does not show, and they
// typecheck against the workspace template's funcspace.d.ts, as they would in a reader's editor.
import { execFile } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord, WorkflowList } from "../src/api-types.js";
import { readmeExampleFiles, type ReadmeFile } from "./support/readme-example.js";
import { createTempDir } from "./support/temp-dir.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

let host: TestHost;
let files: ReadmeFile[];
let tsDir: Awaited<ReturnType<typeof createTempDir>> | undefined;
beforeAll(async () => {
  files = await readmeExampleFiles();
  host = await startTestHost();
}, 60_000);
afterAll(async () => {
  await host?.close();
  await tsDir?.cleanup();
});

const json = { "content-type": "application/json" };

describe("README's workflow example", () => {
  it("shows every file it imports", () => {
    expect(files.map((f) => f.path).sort()).toEqual(["workflows/_text.ts", "workflows/hello.ts"]);
    for (const file of files) {
      for (const [, specifier = ""] of file.text.matchAll(/from\s+"([^"]+)"/g)) {
        if (specifier === "funcspace") continue;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), specifier));
        expect(files.map((f) => f.path), `${file.path} imports ${specifier}`).toContain(target);
      }
    }
  });

  it("typechecks against the workspace template's funcspace.d.ts", async () => {
    tsDir = await createTempDir();
    for (const name of ["tsconfig.json", "funcspace.d.ts"]) await copyFile(path.join(ROOT, "templates/workspace", name), path.join(tsDir.path, name));
    for (const file of files) {
      await mkdir(path.dirname(path.join(tsDir.path, file.path)), { recursive: true });
      await writeFile(path.join(tsDir.path, file.path), file.text);
    }
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", path.join(tsDir.path, "tsconfig.json")], { cwd: tsDir.path }).then(
      () => "",
      (error: { stdout?: string }) => String(error.stdout),
    );
    expect(result).toBe("");
  }, 60_000);

  it("runs as written: the files written through the API, the workflow listed and run", async () => {
    for (const file of files) {
      const written = await host.fetch(`/api/workspace/files/${file.path}`, { method: "PUT", body: file.text, headers: { "if-none-match": "*" } });
      expect(written.status, `PUT ${file.path}`).toBe(201);
    }
    const list = (await (await host.fetch("/api/workflows")).json()) as WorkflowList;
    expect(list.errors).toEqual([]);
    expect(list.workflows.map((w) => w.name)).toEqual(["hello"]);

    const run = async (params: Record<string, unknown>) => {
      const response = await host.fetch("/api/workflows/hello/runs", { method: "POST", headers: json, body: JSON.stringify({ params }) });
      return (await response.json()) as RunRecord;
    };
    const loud = await run({ who: "Ada", times: 2, loud: true });
    expect(loud.error).toBeUndefined();
    expect(loud.status).toBe("succeeded");
    expect(loud.output).toEqual({ lines: ["HELLO, ADA!", "HELLO, ADA!"] });
    expect(loud.logs?.map((l) => l.message)).toContain("greeting");
    // Every parameter has a default: the run form can be submitted as it opens (Ctrl/Cmd-Enter in the editor).
    const defaults = await run({});
    expect(defaults.status).toBe("succeeded");
    expect(defaults.output).toEqual({ lines: ["Hello, world!"] });
  }, 60_000);
});
