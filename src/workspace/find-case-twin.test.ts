import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseConflict, findCaseTwin } from "./find-case-twin.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "case-twin-"));
  await mkdir(path.join(root, "src", "Lib"), { recursive: true });
  await writeFile(path.join(root, "README.md"), "");
  await writeFile(path.join(root, "src", "Lib", "a.ts"), "");
  await writeFile(path.join(root, "straße.txt"), "");
  await writeFile(path.join(root, "café.txt".normalize("NFC")), "");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("findCaseTwin", () => {
  it.each([
    ["README.md", undefined, undefined],
    ["readme.md", undefined, { requested: "readme.md", existing: "README.md", type: "file" }],
    ["readme.md", "README.md", undefined],
    ["readme.md/x", undefined, { requested: "readme.md", existing: "README.md", type: "file" }],
    ["new.md", undefined, undefined],
    ["new/deeper/x.ts", undefined, undefined],
    ["Src/x.ts", undefined, { requested: "Src", existing: "src", type: "folder" }],
    ["src/lib/a.ts", undefined, { requested: "src/lib", existing: "src/Lib", type: "folder" }],
    ["src/Lib/A.TS", undefined, { requested: "src/Lib/A.TS", existing: "src/Lib/a.ts", type: "file" }],
    ["src/Lib/b.ts", undefined, undefined],
    // Compared as the share compares: one character to one, no normalisation.
    ["STRASSE.txt", undefined, undefined],
    ["STRAßE.TXT", undefined, { requested: "STRAßE.TXT", existing: "straße.txt", type: "file" }],
    ["CAFÉ.txt".normalize("NFD"), undefined, undefined],
    ["CAFÉ.txt".normalize("NFC"), undefined, { requested: "CAFÉ.txt".normalize("NFC"), existing: "café.txt".normalize("NFC"), type: "file" }],
  ] as const)("%s (allowing %s)", async (relative, allow, expected) => {
    expect(await findCaseTwin(root, relative, { allow })).toEqual(expected);
  });

  it("names the existing entry and the spelling to use", () => {
    const error = caseConflict("create", "Src/x.ts", { requested: "Src", existing: "src", type: "folder" });
    expect(error).toMatchObject({ status: 409, code: "case_conflict", details: { path: "Src/x.ts", existing: "src" } });
    expect(error.message).toBe(
      'Cannot create "Src/x.ts": the folder "src" exists, and Azure Files, which ignores letter case in names, would take "Src" for it. Use "src/x.ts", or rename "src" first.',
    );
  });
});
