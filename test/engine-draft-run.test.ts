// Draft runs (issue 21, item 2) on the local host's engine, with the runner process and real files: a draft
// changeset (a plain object, as the draft store hands it over) is run and listed over the workspace without the
// workspace folder, the pool's warm threads or the catalog's cached listing ever seeing it; what a draft changes,
// adds or deletes is what its run sees, helpers included; errors name workspace-relative files and lines.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DraftOverlay } from "../src/engine/draft-overlay.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

let host: TestHost;
let workspaceBefore: Map<string, string>;
const engine = () => host.services.engine;

const GREET = `export function greet(who: string): string {\n  return "hello " + who;\n}\n`;
const HELLO = `import { defineWorkflow } from "funcspace";
import { greet } from "../lib/greet.ts";

export default defineWorkflow({
  name: "hello",
  parameters: { who: { type: "string", default: "world" } },
  async run({ who }) {
    return { text: greet(who as string) };
  },
});
`;
const STABLE = `export default { name: "stable", run: () => "stable" };\n`;
const LAZY = `export default {
  name: "lazy",
  async run() {
    const { value } = await import("../lib/lazy.ts");
    return value;
  },
};
`;
const SECRET = `export default {
  name: "secret-reader",
  async run(params, ctx) {
    const value = await ctx.secrets.get("draft-token");
    return { value, length: value.length };
  },
};
`;

const SETTINGS = `import settings from "../lib/settings.json" with { type: "json" };\nexport default { name: "settings", run: () => settings };\n`;

const text = (content: string) => new TextEncoder().encode(content);
const draft = (files: Record<string, string | null>, owner = "alice"): DraftOverlay => ({
  owner,
  files: new Map(Object.entries(files).map(([file, content]) => [file, content === null ? null : text(content)])),
});
const run = (name: string, params: Record<string, unknown> = {}, overlay?: DraftOverlay) => engine().startRun(name, params, { startedBy: "bob", overlay });

/** Every file of the workspace → its SHA-256: the folder as bytes, to show that no draft wrote to it. */
async function snapshotWorkspace(): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const entry of await readdir(host.workspaceDir, { recursive: true, withFileTypes: true })) {
    const absolute = path.join(entry.parentPath, entry.name);
    const relative = path.relative(host.workspaceDir, absolute);
    snapshot.set(relative, entry.isFile() ? createHash("sha256").update(await readFile(absolute)).digest("hex") : entry.isDirectory() ? "folder" : "other");
  }
  return snapshot;
}

beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
  const ws = host.workspaceDir;
  await writeWorkspaceFile(ws, "lib/greet.ts", GREET);
  await writeWorkspaceFile(ws, "flows/hello.ts", HELLO);
  await writeWorkspaceFile(ws, "flows/stable.ts", STABLE);
  await writeWorkspaceFile(ws, "flows/lazy.ts", LAZY);
  await writeWorkspaceFile(ws, "lib/lazy.ts", `export const value = "lazy from the workspace";\n`);
  await writeWorkspaceFile(ws, "flows/secret-reader.mjs", SECRET);
  await writeWorkspaceFile(ws, "flows/settings.ts", SETTINGS);
  await writeWorkspaceFile(ws, "lib/settings.json", `{ "colour": "blue" }\n`);
  workspaceBefore = await snapshotWorkspace();
});
afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
});

describe("draft runs", () => {
  it("runs the draft's version of a workflow, while a normal run keeps the workspace's", async () => {
    const edited = draft({ "flows/hello.ts": HELLO.replace("{ text: greet(who as string) }", '{ text: "draft: " + greet(who as string) }') });
    const drafted = await run("hello", { who: "Ada" }, edited);
    expect(drafted).toMatchObject({ status: "succeeded", output: { text: "draft: hello Ada" }, file: "flows/hello.ts", draft: { owner: "alice", changes: 1 } });
    expect(drafted.startedBy).toBe("bob");
    const normal = await run("hello", { who: "Ada" });
    expect(normal).toMatchObject({ status: "succeeded", output: { text: "hello Ada" } });
    expect(normal.draft).toBeUndefined();
    // The record as stored, and as listed, says it was a draft run.
    expect((await engine().getRun(drafted.id)).draft).toEqual({ owner: "alice", changes: 1 });
    const listed = (await engine().listRuns({ limit: 10 })).runs;
    expect(listed.find((r) => r.id === drafted.id)?.draft).toEqual({ owner: "alice", changes: 1 });
    expect(listed.find((r) => r.id === normal.id)?.draft).toBeUndefined();
  });

  it("uses the draft's version of a helper the workflow imports", async () => {
    // As the draft store hands content over: a Buffer.
    const helperOnly: DraftOverlay = { owner: "alice", files: new Map([["lib/greet.ts", Buffer.from(GREET.replace('"hello "', '"hi there, "'))]]) };
    expect(await run("hello", { who: "Bo" }, helperOnly)).toMatchObject({ status: "succeeded", output: { text: "hi there, Bo" } });
    expect(await run("hello", { who: "Bo" })).toMatchObject({ status: "succeeded", output: { text: "hello Bo" } });
  });

  it("reads a JSON module the draft changes or adds", async () => {
    const overlay = draft({
      "lib/settings.json": `{ "colour": "green" }`,
      "lib/extra.json": `{ "size": 3 }`,
      "flows/settings.ts": SETTINGS.replace("run: () => settings", 'run: async () => ({ ...settings, ...(await import("../lib/extra.json", { with: { type: "json" } })).default })'),
    });
    expect(await run("settings", {}, overlay)).toMatchObject({ status: "succeeded", output: { colour: "green", size: 3 } });
    expect(await run("settings")).toMatchObject({ status: "succeeded", output: { colour: "blue" } });
  });

  it("runs a workflow the draft adds, with a helper it adds, and only in the draft", async () => {
    const added = draft({
      "flows/added.ts": `import { shout } from "../lib/_shout.ts";\nexport default { name: "added", run: () => shout("new") };\n`,
      "lib/_shout.ts": `export const shout = (word: string) => word.toUpperCase() + "!";\n`,
    });
    expect(await run("added", {}, added)).toMatchObject({ status: "succeeded", output: "NEW!", file: "flows/added.ts", draft: { changes: 2 } });
    await expect(run("added")).rejects.toMatchObject({ status: 404 });
  });

  it("fails, naming the workspace-relative import, when the draft deletes a helper the workflow imports", async () => {
    const deleted = draft({ "lib/greet.ts": null });
    const drafted = await run("hello", { who: "Cy" }, deleted);
    expect(drafted.status).toBe("failed");
    expect(drafted.draft).toEqual({ owner: "alice", changes: 1 });
    expect(drafted.error?.message).toBe("Cannot find module 'lib/greet.ts' imported from flows/hello.ts");
    expect(drafted.error?.file).toBe("flows/hello.ts");
    expect((await engine().getRun(drafted.id)).status).toBe("failed");
    expect(await run("hello", { who: "Cy" })).toMatchObject({ status: "succeeded", output: { text: "hello Cy" } });
  });

  it("fails at the workspace-relative file and line of a syntax error, in the workflow or in a helper it loads while running", async () => {
    const broken = draft({ "flows/hello.ts": HELLO.replace("async run({ who }) {", "async run({ who }) {\n    return 1 +;") });
    const drafted = await run("hello", {}, broken);
    expect(drafted.status).toBe("failed");
    expect(drafted.error).toMatchObject({ file: "flows/hello.ts", line: 8 });

    const lazyBroken = draft({ "lib/lazy.ts": `export const value =\n  "unterminated;\n` });
    const lazy = await run("lazy", {}, lazyBroken);
    expect(lazy.status).toBe("failed");
    expect(lazy.error).toMatchObject({ file: "lib/lazy.ts", line: 2 });
    for (const record of [drafted, lazy]) {
      const kept = JSON.stringify(record.error);
      expect(kept).not.toContain(host.workspaceDir);
      expect(kept).not.toContain(host.tempDir);
    }
    expect(await run("lazy")).toMatchObject({ status: "succeeded", output: "lazy from the workspace" });
  });

  it("names the workspace-relative file and line of an error the draft's code throws", async () => {
    const throwing = draft({ "lib/greet.ts": `export function greet(who: string): string {\n  throw new Error("no greeting for " + who);\n}\n` });
    const drafted = await run("hello", { who: "Di" }, throwing);
    expect(drafted.status).toBe("failed");
    expect(drafted.error).toMatchObject({ message: "no greeting for Di", file: "lib/greet.ts", line: 2 });
    expect(drafted.error?.stack).toContain("lib/greet.ts:2");
    expect(drafted.error?.stack).not.toContain(host.workspaceDir);
  });

  it("gives the draft's run the workflow secrets a normal run gets", async () => {
    await engine().secrets!.upsert("draft-token", "tok-0123456789abcdef");
    const changed = draft({ "flows/secret-reader.mjs": SECRET.replace("length: value.length", "length: value.length, draft: true") });
    expect(await run("secret-reader", {}, changed)).toMatchObject({ status: "succeeded", output: { value: "[secret]", length: 20, draft: true } });
    expect(await run("secret-reader")).toMatchObject({ status: "succeeded", output: { value: "[secret]", length: 20 } });
  });

  it("refuses to queue a draft run, and a draft whose paths are not workspace files", async () => {
    await expect(engine().startRun("hello", {}, { wait: false, overlay: draft({ "lib/greet.ts": GREET }) })).rejects.toMatchObject({
      status: 400,
      code: "draft_run_not_queued",
    });
    for (const bad of ["../outside.ts", "/etc/passwd", "lib//greet.ts", "lib/./greet.ts", "lib/greet.ts/"]) {
      await expect(run("hello", {}, draft({ [bad]: "x" }))).rejects.toMatchObject({ status: 400, code: "invalid_draft" });
    }
  });

  it("does not mix the draft's code and the workspace's, however runs alternate or overlap", async () => {
    const pool = engine().pool;
    for (let i = 0; i < 6; i++) {
      const overlay = draft({ "lib/greet.ts": GREET.replace('"hello "', `"draft ${i} says hello to "`) });
      const [drafted, normal] = await Promise.all([run("hello", { who: "Ed" }, overlay), run("hello", { who: "Ed" })]);
      expect(drafted.output).toEqual({ text: `draft ${i} says hello to Ed` });
      expect(normal.output).toEqual({ text: "hello Ed" });
      // Right after the draft, on the pool's warm thread.
      expect((await run("hello", { who: "Fay" })).output).toEqual({ text: "hello Fay" });
      expect((await run("hello", { who: "Gus" }, overlay)).output).toEqual({ text: `draft ${i} says hello to Gus` });
    }
    // The draft's threads are its own: the pool holds only its spare and idle threads.
    expect(pool.size).toBeLessThanOrEqual(3);
  });
});

describe("draft listings", () => {
  it("shows the workflows the draft adds, renames and breaks, and leaves the workspace's listing as it was", async () => {
    const before = await engine().listWorkflows();
    const imports = engine().catalog.importCount;
    const overlay = draft({
      "flows/added.ts": `export default { name: "added", parameters: { n: { type: "number" } }, run: () => 1 };\n`,
      "flows/stable.ts": STABLE.replace('name: "stable"', 'name: "stable-renamed"'),
      "lib/greet.ts": "export const greet = ;\n",
    });
    const listing = await engine().listWorkflows({ overlay });
    const names = listing.workflows.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(["added", "stable-renamed", "lazy", "secret-reader"]));
    expect(names).not.toContain("stable");
    expect(names).not.toContain("hello");
    expect(listing.workflows.find((w) => w.name === "added")?.parameters).toEqual([expect.objectContaining({ name: "n", type: "number" })]);
    // The broken helper, and the workflow that imports it (lib/greet.ts is a workflow candidate too: no `_`).
    expect(listing.errors).toEqual([
      { file: "flows/hello.ts", error: expect.objectContaining({ file: "lib/greet.ts", line: 1 }) },
      { file: "lib/greet.ts", error: expect.objectContaining({ file: "lib/greet.ts", line: 1 }) },
    ]);

    // The catalog imported nothing for the draft, and lists the workspace as before.
    expect(engine().catalog.importCount).toBe(imports);
    const after = await engine().listWorkflows();
    expect(after).toEqual(before);
    expect(after.workflows.map((w) => w.name)).toContain("stable");
    expect(after.workflows.map((w) => w.name)).not.toContain("added");
  });

  it("drops a workflow the draft deletes", async () => {
    const listing = await engine().listWorkflows({ overlay: draft({ "flows/stable.ts": null }) });
    expect(listing.workflows.map((w) => w.name)).not.toContain("stable");
    expect(listing.workflows.map((w) => w.name)).toContain("hello");
    await expect(run("stable", {}, draft({ "flows/stable.ts": null }))).rejects.toMatchObject({ status: 404 });
  });
});

describe("the workspace folder", () => {
  it("is byte for byte as it was before the drafts ran", async () => {
    expect(await snapshotWorkspace()).toEqual(workspaceBefore);
  });
});
