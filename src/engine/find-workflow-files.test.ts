import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempDir } from "../../test/support/temp-dir.js";
import { findWorkflowFiles, isWorkflowCandidate, readFingerprint } from "./find-workflow-files.js";

describe("isWorkflowCandidate", () => {
  it.each([
    ["hello.ts", true],
    ["workflows/report.mts", true],
    ["a/b/c.js", true],
    ["tool.mjs", true],
    ["_helper.ts", false],
    ["workflows/_shared.mjs", false],
    ["hello.test.ts", false],
    ["lib/x.test.mjs", false],
    ["funcspace.d.ts", false],
    ["types.d.mts", false],
    ["node_modules/pkg/index.js", false],
    ["a/node_modules/b.ts", false],
    [".github/tool.mjs", false],
    ["a/.hidden/b.ts", false],
    [".eslintrc.js", false],
    ["script.cjs", false],
    ["notes.md", false],
    ["data.json", false],
  ])("%s → %s", (file, expected) => {
    expect(isWorkflowCandidate(file)).toBe(expected);
  });
});

describe("findWorkflowFiles", () => {
  let dir: Awaited<ReturnType<typeof createTempDir>> | undefined;
  afterEach(() => dir?.cleanup());

  it("walks the workspace, skips excluded folders without entering them, and fingerprints each file", async () => {
    dir = await createTempDir();
    for (const file of ["b.ts", "a/one.mjs", "a/_helper.ts", "node_modules/x/index.js", ".git/hooks/h.js", "a/deep/two.ts", "readme.md"]) {
      await mkdir(path.dirname(path.join(dir.path, file)), { recursive: true });
      await writeFile(path.join(dir.path, file), "export {};\n");
    }
    const files = await findWorkflowFiles(dir.path, { concurrency: 2 });
    expect(files.map((f) => f.relativePath)).toEqual(["a/deep/two.ts", "a/one.mjs", "b.ts"]);
    const b = files.find((f) => f.relativePath === "b.ts")!;
    expect(b.absolutePath).toBe(path.join(dir.path, "b.ts"));
    expect(b.fingerprint).toBe(await readFingerprint(b.absolutePath));
    await writeFile(b.absolutePath, "export {}; // changed\n");
    expect(await readFingerprint(b.absolutePath)).not.toBe(b.fingerprint);
    expect(await readFingerprint(path.join(dir.path, "gone.ts"))).toBeUndefined();
  });
});
