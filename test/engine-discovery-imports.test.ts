// Discovery follows imports (issue 20, item 3), over HTTP against a real workspace and the runner process: a
// workflow that failed for want of a helper loads once the helper exists, without its own file being touched;
// a change two imports deep reaches the next listing and the next run; and a listing where nothing changed
// imports nothing, however many workflows share a helper.
import { stat, utimes } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../src/api-types.js";
import type { WorkflowListing } from "../src/engine/workflow-catalog.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

let host: TestHost;
const list = async () => (await (await host.fetch("/api/workflows")).json()) as WorkflowListing;
const errorOf = (listing: WorkflowListing, file: string) => listing.errors.find((e) => e.file === file)?.error;
const names = (listing: WorkflowListing) => listing.workflows.map((w) => w.name);
const importCount = () => host.services.engine.catalog.importCount;

/** Writes through the files API, as the editor does (the new file's mtime is the server's now). */
async function put(relativePath: string, text: string): Promise<void> {
  const response = await host.fetch(`/api/workspace/files/${relativePath}`, { method: "PUT", body: text });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

async function run(name: string, params: Record<string, unknown> = {}): Promise<RunRecord> {
  const response = await host.fetch(`/api/workflows/${name}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ params }),
  });
  return (await response.json()) as RunRecord;
}

/** The file's size:mtime:inode, to show it was not touched. */
const fingerprint = async (relativePath: string) => {
  const info = await stat(path.join(host.workspaceDir, relativePath), { bigint: true });
  return `${info.size}:${info.mtimeNs}:${info.ino}`;
};

beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
  const ws = host.workspaceDir;
  // README's example before its helper exists: `./_text.ts` is missing.
  await writeWorkspaceFile(
    ws,
    "flows/hello.ts",
    `import { defineWorkflow } from "funcspace";\nimport { shout } from "./_text.ts";\n\n` +
      `export default defineWorkflow({ name: "hello", async run() { return shout("hi"); } });\n`,
  );
  // TypeScript's convention: "./_util.js" is satisfied by _util.ts.
  await writeWorkspaceFile(
    ws,
    "flows/js-suffix.ts",
    `import { twice } from "./_util.js";\nexport default { name: "js-suffix", run: () => twice(21) };\n`,
  );
  // Name and description two imports deep: flows/deep.ts → _meta.ts → lib/_words.ts.
  await writeWorkspaceFile(ws, "flows/lib/_words.ts", `export const WORD = "one";\n`);
  await writeWorkspaceFile(
    ws,
    "flows/_meta.ts",
    `import { WORD } from "./lib/_words.ts";\nexport const meta = { name: "deep-" + WORD, description: "word: " + WORD };\nexport const word = () => WORD;\n`,
  );
  await writeWorkspaceFile(
    ws,
    "flows/deep.ts",
    `import { meta, word } from "./_meta.ts";\nexport default { ...meta, run: () => ({ word: word() }) };\n`,
  );
  // Many workflows sharing one helper, and one that imports nothing from the workspace.
  for (let i = 0; i < 5; i++) {
    await writeWorkspaceFile(ws, `shared/w${i}.ts`, `import { base } from "./_base.ts";\nexport default { name: "shared-" + base + "-${i}", run: () => ${i} };\n`);
  }
  await writeWorkspaceFile(ws, "shared/_base.ts", `export const base = "a";\n`);
  await writeWorkspaceFile(ws, "plain.ts", `export default { name: "plain", run: () => 1 };\n`);
});
afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
});

describe("discovery follows imports", () => {
  it("clears a missing helper's load error once the helper is created, without touching the workflow", async () => {
    let listing = await list();
    expect(errorOf(listing, "flows/hello.ts")?.message).toMatch(/Cannot find module .*_text\.ts/);
    expect(errorOf(listing, "flows/js-suffix.ts")?.message).toMatch(/Cannot find module .*_util\.js/);
    expect(names(listing)).not.toContain("hello");
    const workflowBefore = await fingerprint("flows/hello.ts");

    // Another listing with nothing new: still the error (the cache is not what hides it).
    expect(errorOf(await list(), "flows/hello.ts")).toBeDefined();

    await put("flows/_text.ts", `export const shout = (text: string) => text.toUpperCase() + "!";\n`);
    listing = await list();
    expect(errorOf(listing, "flows/hello.ts")).toBeUndefined();
    expect(names(listing)).toContain("hello");
    expect(await fingerprint("flows/hello.ts")).toBe(workflowBefore);
    // The only candidate the other import can use is _util.js or _util.ts: it still fails.
    expect(errorOf(listing, "flows/js-suffix.ts")).toBeDefined();

    // A run of it works: the run worker that cached the failure does not keep it.
    const record = await run("hello");
    expect(record).toMatchObject({ status: "succeeded", output: "HI!" });

    await put("flows/_util.ts", `export const twice = (n: number) => n * 2;\n`);
    listing = await list();
    expect(errorOf(listing, "flows/js-suffix.ts")).toBeUndefined();
    expect(await run("js-suffix")).toMatchObject({ status: "succeeded", output: 42 });
  }, 60_000);

  it("picks up a change two imports deep in the next listing and the next run", async () => {
    let listing = await list();
    expect(listing.workflows.find((w) => w.file === "flows/deep.ts")).toMatchObject({ name: "deep-one", description: "word: one" });
    expect(await run("deep-one")).toMatchObject({ status: "succeeded", output: { word: "one" } });
    const deepBefore = await fingerprint("flows/deep.ts");
    const metaBefore = await fingerprint("flows/_meta.ts");

    const before = importCount();
    await put("flows/lib/_words.ts", `export const WORD = "two";\n`);
    // Straight to a run by the new name (no listing first): the run looks the workflow up as it is now.
    expect(await run("deep-two")).toMatchObject({ status: "succeeded", output: { word: "two" } });
    listing = await list();
    expect(listing.workflows.find((w) => w.file === "flows/deep.ts")).toMatchObject({ name: "deep-two", description: "word: two" });
    expect(names(listing)).not.toContain("deep-one");
    // Only the one workflow that imports it was imported again.
    expect(importCount()).toBe(before + 1);
    expect([await fingerprint("flows/deep.ts"), await fingerprint("flows/_meta.ts")]).toEqual([deepBefore, metaBefore]);

    // A helper that is deleted is a change too: the workflow is listed with the error.
    await host.fetch("/api/workspace/files/flows/lib/_words.ts", { method: "DELETE" });
    listing = await list();
    expect(errorOf(listing, "flows/deep.ts")?.message).toMatch(/Cannot find module .*_words\.ts/);
    await put("flows/lib/_words.ts", `export const WORD = "three";\n`);
    expect(names(await list())).toContain("deep-three");
  }, 60_000);

  it("imports nothing when nothing changed, and each workflow sharing a changed helper once", async () => {
    await list();
    const before = importCount();
    await list();
    await list();
    expect(importCount()).toBe(before);

    // A touched helper (same bytes, new mtime) re-examines exactly the five workflows that import it.
    const later = new Date(Date.now() + 5000);
    await utimes(path.join(host.workspaceDir, "shared/_base.ts"), later, later);
    const listing = await list();
    expect(importCount()).toBe(before + 5);
    expect(names(listing).filter((n) => n.startsWith("shared-a-"))).toHaveLength(5);
    await list();
    expect(importCount()).toBe(before + 5);
  }, 60_000);
});
