// What workspace authors get without installing anything: templates/workspace/funcspace.d.ts types the samples
// (run's params follow `parameters`), rejects misuse, and says the same as the engine's own types.
import { execFile } from "node:child_process";
import { cp, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createTempDir } from "./support/temp-dir.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const tsc = path.join(repo, "node_modules/typescript/bin/tsc");
const run = promisify(execFile);

async function typecheck(dir: string): Promise<{ ok: boolean; output: string }> {
  try {
    await run(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.json")], { cwd: dir });
    return { ok: true, output: "" };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) };
  }
}

let dir: Awaited<ReturnType<typeof createTempDir>> | undefined;
afterAll(() => dir?.cleanup());

describe("funcspace.d.ts", () => {
  it("typechecks the template workspace, catches a misused parameter, and matches src/engine's types", async () => {
    dir = await createTempDir();
    await cp(path.join(repo, "templates/workspace"), dir.path, { recursive: true });
    expect(await typecheck(dir.path)).toEqual({ ok: true, output: "" });

    const definitions = JSON.stringify(path.join(repo, "src/engine/workflow-definition.ts"));
    await writeFile(
      path.join(dir.path, "workflows/_same-types.ts"),
      `import type * as Engine from ${definitions};
import type * as Public from "funcspace";
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type P = { a: { type: "integer"; required: true }; b: { type: "string"; default: "x" }; c: { type: "boolean" } };
export const same: [
  Same<Engine.ParameterDefinition, Public.ParameterDefinition>,
  Same<Engine.WorkflowContext, Public.WorkflowContext>,
  Same<Engine.WorkflowDefinition<P, number>, Public.WorkflowDefinition<P, number>>,
  Same<Engine.ParamsOf<P>, Public.ParamsOf<P>>,
] = [true, true, true, true];
`,
    );
    await writeFile(
      path.join(dir.path, "workflows/misuse.ts"),
      `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "misuse",
  parameters: { count: { type: "integer", required: true }, label: { type: "string" } },
  async run({ count, label }) {
    const text: string = count;
    return label.length;
  },
});
`,
    );
    const { ok, output } = await typecheck(dir.path);
    expect(ok).toBe(false);
    const errors = output.split("\n").filter((line) => line.includes("error TS"));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/workflows\/misuse\.ts\(6,11\): error TS2322: Type 'number' is not assignable to type 'string'/);
    expect(errors[1]).toMatch(/workflows\/misuse\.ts\(7,12\): error TS18048: 'label' is possibly 'undefined'/);
  }, 60_000);
});
