// Discovery over HTTP against a real workspace folder: good workflows with their parameters, broken files
// listed with file and line (never breaking the list), helpers and excluded paths left out, and the cache that
// re-imports only files whose size/mtime changed.
import { utimes } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkflowListing } from "../src/engine/workflow-catalog.js";
import { copySampleWorkflows, writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

let host: TestHost;
const list = async () => (await (await host.fetch("/api/workflows")).json()) as WorkflowListing;

beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
  const ws = host.workspaceDir;
  await copySampleWorkflows(ws);
  // Broken in every way a file can be.
  await writeWorkspaceFile(ws, "broken/syntax.ts", `export default {\n  name: "syntax",\n  run() { return 1 +; },\n};\n`);
  await writeWorkspaceFile(ws, "broken/throws.mjs", `const x = 1;\nthrow new Error("top-level failure " + x);\n`);
  await writeWorkspaceFile(ws, "broken/no-run.ts", `import { defineWorkflow } from "funcspace";\nexport default defineWorkflow({ name: "no-run" } as never);\n`);
  await writeWorkspaceFile(ws, "broken/bad-param.ts", `export default { name: "bad-param", parameters: { n: { type: "float" } }, run() {} };\n`);
  await writeWorkspaceFile(ws, "broken/missing-helper.ts", `import { x } from "./nowhere.ts";\nexport default { name: "missing-helper", run: () => x };\n`);
  await writeWorkspaceFile(ws, "broken/_bad-helper.ts", `export const value = (() => { throw new TypeError("helper exploded"); })();\n`);
  await writeWorkspaceFile(ws, "broken/uses-bad-helper.ts", `import { value } from "./_bad-helper.ts";\nexport default { name: "uses-bad-helper", run: () => value };\n`);
  await writeWorkspaceFile(ws, "workflows/zz-duplicate.ts", `export default { name: "hello", run: () => "second hello" };\n`);
  // Not workflows, by convention or because they are helpers.
  await writeWorkspaceFile(ws, "_private.ts", `export default { name: "private", run: () => 1 };\n`);
  await writeWorkspaceFile(ws, "hello.test.ts", `export default { name: "a-test", run: () => 1 };\n`);
  await writeWorkspaceFile(ws, "node_modules/pkg/index.js", `export default { name: "in-node-modules", run: () => 1 };\n`);
  await writeWorkspaceFile(ws, ".github/scripts/tool.mjs", `export default { name: "in-dot-folder", run: () => 1 };\n`);
  await writeWorkspaceFile(ws, "types.d.ts", `declare const x: number;\n`);
  await writeWorkspaceFile(ws, "notes.md", `# not code\n`);
  await writeWorkspaceFile(ws, "plain-helper.mjs", `export const helper = () => 1;\n`);
  await writeWorkspaceFile(ws, "default-fn.js", `export default function () { return 1; }\n`);
});
afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
});

describe("GET /api/workflows", () => {
  it("lists the workflows with parameters and source path, and each broken file with its error", async () => {
    const listing = await list();
    expect(listing.workflows.map((w) => [w.name, w.file])).toEqual([
      ["always-fails", "workflows/always-fails.ts"],
      ["hello", "workflows/hello.ts"],
      ["word-count", "workflows/word-count.ts"],
    ]);
    expect(listing.workflows.find((w) => w.name === "hello")).toEqual({
      name: "hello",
      description: "Greets someone, as many times as asked.",
      file: "workflows/hello.ts",
      parameters: [
        { name: "who", type: "string", required: true, label: "Who to greet" },
        { name: "times", type: "integer", required: false, default: 1, label: "times", help: "How many greetings (1-10)." },
        { name: "shout", type: "boolean", required: false, default: false, label: "shout" },
      ],
    });

    const errors = Object.fromEntries(listing.errors.map((e) => [e.file, e.error]));
    expect(Object.keys(errors).sort()).toEqual([
      "broken/bad-param.ts",
      "broken/missing-helper.ts",
      "broken/no-run.ts",
      "broken/syntax.ts",
      "broken/throws.mjs",
      "broken/uses-bad-helper.ts",
      "workflows/zz-duplicate.ts",
    ]);
    expect(errors["broken/syntax.ts"]).toMatchObject({ file: "broken/syntax.ts", line: 3 });
    expect(errors["broken/throws.mjs"]).toMatchObject({ message: "top-level failure 1", file: "broken/throws.mjs", line: 2 });
    expect(errors["broken/no-run.ts"]!.message).toContain('"run" must be a function');
    expect(errors["broken/bad-param.ts"]!.message).toContain('parameter "n" has type "float"');
    expect(errors["broken/missing-helper.ts"]!.message).toMatch(/Cannot find module .*nowhere\.ts/);
    expect(errors["broken/uses-bad-helper.ts"]).toMatchObject({ name: "TypeError", message: "helper exploded", file: "broken/_bad-helper.ts", line: 1 });
    expect(errors["workflows/zz-duplicate.ts"]!.message).toContain('"hello" is already used by workflows/hello.ts');
    // No server path in any message or stack.
    expect(JSON.stringify(listing)).not.toContain(host.workspaceDir);
  });

  it("re-imports only the files whose size or mtime changed", async () => {
    await list();
    const catalog = host.services.engine.catalog;
    const before = catalog.importCount;
    await list();
    expect(catalog.importCount).toBe(before);

    const later = new Date(Date.now() + 5000);
    await utimes(path.join(host.workspaceDir, "workflows/hello.ts"), later, later);
    await list();
    expect(catalog.importCount).toBe(before + 1);

    await writeWorkspaceFile(host.workspaceDir, "broken/syntax.ts", `export default { name: "syntax-fixed", run: () => 1 };\n`);
    await writeWorkspaceFile(host.workspaceDir, "workflows/new-one.mts", `export default { name: "new-one", description: "added", run: () => 2 };\n`);
    const listing = await list();
    expect(catalog.importCount).toBe(before + 3);
    expect(listing.workflows.map((w) => w.name)).toEqual(expect.arrayContaining(["syntax-fixed", "new-one"]));
    expect(listing.errors.map((e) => e.file)).not.toContain("broken/syntax.ts");
  });

  it("keeps a file whose top-level code never ends from blocking the list", async () => {
    await writeWorkspaceFile(host.workspaceDir, "broken/hangs.mjs", `for (;;) {}\nexport default { name: "hangs", run() {} };\n`);
    const catalog = host.services.engine.catalog;
    const started = Date.now();
    const listing = await list();
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(listing.errors.find((e) => e.file === "broken/hangs.mjs")?.error.message).toContain("did not finish loading within");
    expect(listing.workflows.map((w) => w.name)).toContain("hello");
    expect(catalog.importCount).toBeGreaterThan(0);
  }, 40_000);
});
