import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { typeCheckChanges } from "./type-check-changes.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const platform = {
  funcspaceTypes: readFileSync(`${root}/templates/workspace/funcspace.d.ts`, "utf8"),
  globals: readFileSync(`${root}/web/src/editor/typescript/types/workflow-globals.d.ts`, "utf8"),
};
const check = (files: Record<string, string>, changed: string[]) => typeCheckChanges({ changed, read: (p) => files[p], platform });

const workflow = `import { defineWorkflow } from "funcspace";
import { greet } from "../lib/greet";

export default defineWorkflow({
  name: "hello",
  parameters: { who: { type: "string", required: true } },
  async run({ who }) {
    return greet(who);
  },
});
`;

describe("typeCheckChanges", () => {
  it("passes a changed workflow that uses funcspace's types and an unchanged helper correctly", () => {
    const result = check({ "flows/hello.ts": workflow, "lib/greet.ts": "export const greet = (name: string): string => `hi ${name}`;\n" }, ["flows/hello.ts"]);
    expect(result).toEqual({ problems: [], checked: ["flows/hello.ts"], cut: false });
  });

  it("reports a type error in a changed file at its line, through an import it makes", () => {
    const helper = "export const greet = (name: number): string => `hi ${name}`;\n";
    const result = check({ "flows/hello.ts": workflow, "lib/greet.ts": helper }, ["flows/hello.ts", "lib/greet.ts"]);
    expect(result.problems).toEqual([
      expect.objectContaining({ path: "flows/hello.ts", line: 8, title: "TypeScript error TS2345", message: expect.stringContaining("not assignable to parameter of type 'number'") }),
    ]);
  });

  it("reports a missing relative import, not a package without types, and never a problem of an unchanged file", () => {
    const files = {
      "flows/a.ts": `import lodash from "lodash";\nimport { x } from "./missing";\nexport default lodash(x);\n`,
      "flows/old.ts": "const n: number = 'not a number';\n",
    };
    const result = check(files, ["flows/a.ts", "README.md"]);
    expect(result.problems.map((p) => [p.path, p.line, p.title])).toEqual([["flows/a.ts", 2, "TypeScript error TS2307"]]);
  });

  it("serves nothing outside the workspace to an import that climbs out of it", () => {
    const reads: string[] = [];
    const result = typeCheckChanges({
      changed: ["a.ts"],
      read: (p) => {
        reads.push(p);
        return p === "a.ts" ? `import secret from "../../../../etc/passwd.ts";\nexport default secret;\n` : undefined;
      },
      platform,
    });
    expect(result.problems.map((p) => p.title)).toEqual(["TypeScript error TS2307"]);
    expect(reads.every((p) => !p.includes(".."))).toBe(true);
  });
});
