// The editor's TypeScript service, in Node (the same module the Web Worker runs): the template workspace
// checks clean with the platform's types and a run's globals, a mistake is reported where it is, members of
// `ctx.log` and a helper's exports are offered, hover and go to definition answer across files.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createWorkspaceLanguageService,
  type WorkspaceLanguageService,
} from "../web/src/editor/typescript/workspace-language-service.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TEMPLATE = path.join(ROOT, "templates/workspace");
const LIB = path.join(ROOT, "node_modules/typescript/lib");

async function platformFiles() {
  const names = (await readdir(LIB)).filter((name) => /^lib\.(es5|es20(1[5-9]|2[0-3])(\.[\w.]+)?|decorators(\.legacy)?)\.d\.ts$/.test(name));
  const libs = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(path.join(LIB, name), "utf8")])));
  return {
    libs,
    funcspaceTypes: await readFile(path.join(TEMPLATE, "funcspace.d.ts"), "utf8"),
    globals: await readFile(path.join(ROOT, "web/src/editor/typescript/types/workflow-globals.d.ts"), "utf8"),
  };
}

async function templateWorkflows(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith(".ts")) files[path.relative(TEMPLATE, full)] = await readFile(full, "utf8");
    }
  };
  await walk(path.join(TEMPLATE, "workflows"));
  return files;
}

const at = (text: string, marker: string) => {
  const index = text.indexOf(marker);
  if (index < 0) throw new Error(`no ${marker} in the text`);
  return index + marker.length;
};

let service: WorkspaceLanguageService;
beforeAll(async () => {
  service = createWorkspaceLanguageService(await platformFiles());
  service.setFiles(await templateWorkflows());
});

describe("the editor's TypeScript service", () => {
  it("checks the template's workflows without a problem (funcspace types, helpers, a run's globals)", () => {
    expect(service.paths()).toContain("workflows/word-count.ts");
    expect(service.workspaceDiagnostics()).toEqual([]);
  });

  it("knows Node's globals a run has, and takes node: imports and packages without false errors", () => {
    const text = `import { readFile } from "node:fs/promises";
import lodash from "lodash";
export async function probe(signal: AbortSignal) {
  const response = await fetch(new URL("https://example.com/?a=1"), { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
  const bytes = Buffer.from(await response.arrayBuffer()).toString("base64");
  const timer = setTimeout(() => console.log(bytes, process.env.HOME, readFile, lodash), 10);
  clearTimeout(timer);
  return new TextDecoder().decode(new TextEncoder().encode(structuredClone(bytes))) + crypto.randomUUID();
}
`;
    service.setFiles({ "workflows/_probe.ts": text });
    expect(service.diagnostics("workflows/_probe.ts")).toEqual([]);
    // …but a name that does not exist in a run is an error (no DOM).
    service.setFiles({ "workflows/_probe.ts": `export const title = document.title;\n` });
    expect(service.diagnostics("workflows/_probe.ts").map((d) => d.message)).toEqual(["Cannot find name 'document'. Workflows run in Node.js, which has no DOM."]);
    service.setFiles({}, ["workflows/_probe.ts"]);
  });

  it("reports a type error at its line and column, and a missing relative import", () => {
    const text = `import { defineWorkflow } from "funcspace";
import { nothing } from "./lib/missing.ts";
export default defineWorkflow({
  name: "broken",
  async run(_params, ctx) {
    const count: number = "three";
    ctx.log.info(nothing);
    return count;
  },
});
`;
    service.setFiles({ "workflows/broken.ts": text });
    const found = service.diagnostics("workflows/broken.ts");
    expect(found.map(({ line, column, message }) => ({ line, column, message }))).toEqual([
      { line: 2, column: 25, message: expect.stringMatching(/^Cannot find module '\.\/lib\/missing\.ts'/) },
      { line: 6, column: 11, message: "Type 'string' is not assignable to type 'number'." },
    ]);
    expect(service.workspaceDiagnostics().map((d) => d.path)).toEqual(["workflows/broken.ts", "workflows/broken.ts"]);
    service.setFiles({}, ["workflows/broken.ts"]);
    expect(service.workspaceDiagnostics()).toEqual([]);
  });

  it("completes ctx.log's members and a helper's exports, with their signatures", () => {
    const text = `import { defineWorkflow } from "funcspace";
import { countWords } from "./lib/format-report.ts";
export default defineWorkflow({
  name: "complete",
  async run(_params, ctx) {
    ctx.log.
  },
});
`;
    service.setFiles({ "workflows/complete.ts": text });
    const members = service.completions("workflows/complete.ts", at(text, "ctx.log."), ".");
    expect(members?.isMemberCompletion).toBe(true);
    expect(members?.entries.map((entry) => entry.name).sort()).toEqual(["debug", "error", "info", "warn"]);
    const info = service.completionDetails("workflows/complete.ts", at(text, "ctx.log."), "info");
    expect(info?.signature).toBe("(method) WorkflowLogger.info(message: string, fields?: Record<string, unknown>): void");

    const exports = service.completions("workflows/complete.ts", text.indexOf("{ countWords") + 2);
    expect(exports?.entries.map((entry) => entry.name)).toEqual(expect.arrayContaining(["countWords", "formatReport"]));
  });

  it("answers hover with the type, and go to definition with the helper's file and line or the platform's types", () => {
    const source = `import { defineWorkflow } from "funcspace";\nimport { formatReport } from "./lib/format-report.ts";\nexport const report = formatReport([], 3);\n`;
    service.setFiles({ "workflows/uses-helper.ts": source });
    const hover = service.hover("workflows/uses-helper.ts", at(source, "export const rep"));
    expect(hover?.signature).toBe("const report: string");
    const [definition] = service.definitions("workflows/uses-helper.ts", at(source, "= formatRep"));
    expect(definition).toMatchObject({ path: "workflows/lib/format-report.ts", name: "formatReport" });
    expect(definition?.line).toBeGreaterThan(1);
    const [platform] = service.definitions("workflows/uses-helper.ts", at(source, "import { defineWork"));
    expect(platform).toMatchObject({ path: undefined, file: "funcspace.d.ts", name: "defineWorkflow" });
    service.setFiles({}, ["workflows/uses-helper.ts"]);
  });
  it("checks only the part of a long file on screen first, and finds the error there", () => {
    const steps = Array.from({ length: 80 }, (_, i) => `export function step${i}(values: number[]): number[] {\n  return values.map((v) => v * ${i}).filter((v) => v > ${i});\n}\n`).join("");
    const text = `${steps}export const broken: number = "text";\n`;
    service.setFiles({ "workflows/long.ts": text });
    const from = text.indexOf("export const broken");
    const region = service.regionDiagnostics("workflows/long.ts", [{ from, to: text.length }]);
    // One span: the last statement, not the 80 functions above it.
    expect(region.spans).toHaveLength(1);
    expect(region.spans![0]!.from).toBeGreaterThanOrEqual(from - 1);
    expect(region.items.map((d) => d.message)).toEqual(["Type 'string' is not assignable to type 'number'."]);
    // Once the whole file has been checked, the answer is the whole file's.
    expect(service.diagnostics("workflows/long.ts")).toHaveLength(1);
    expect(service.regionDiagnostics("workflows/long.ts", [{ from, to: text.length }]).spans).toBeUndefined();
    service.setFiles({}, ["workflows/long.ts"]);
  });
});
