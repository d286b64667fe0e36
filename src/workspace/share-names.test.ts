import { describe, expect, it } from "vitest";
import { assertShareName, caseFoldKey, shareNameProblem } from "./share-names.js";
import { UnsafePathError } from "./safe-path.js";

// Names Azure Files (and the SMB test share) cannot hold, each with the reason we expect.
const refused: [string, RegExp][] = [
  ["what?.ts", /"\?"/],
  ["pipe|.ts", /"\|"/],
  ["a:b.ts", /":"/],
  ['quote".ts', /"""/],
  ["lt<.ts", /"<"/],
  ["gt>.ts", /">"/],
  ["star*.ts", /"\*"/],
  ["back\\slash.ts", /backslash/],
  ["tab\there.ts", /control character/],
  ["new\nline.ts", /control character/],
  ["del\u007f.ts", /control character/],
  ["trail.", /ends with a dot/],
  ["...", /ends with a dot/],
  ["trail ", /ends with a space/],
  ["CON", /reserved device name/],
  ["con", /reserved device name/],
  ["Lpt9", /reserved device name/],
  ["COM1", /reserved device name/],
  ["CLOCK$", /reserved device name/],
  ["nul", /reserved device name/],
  ["dir:x/file.ts", /"dir:x": a name contains ":"/],
  ["ok/trail./file.ts", /"trail\."/],
  [`${"é".repeat(128)}`, /longer than 255 bytes/],
  [`a/${"x".repeat(1030)}`, /longer than 1024 characters/],
];

const held = ["README.md", "readme.md", "con.ts", "aux.js", "COM0", "LPT10", ".hidden", "a.b.c", " lead", "ünï/文件夹/x.txt", "space name.txt", "x".repeat(255), "100%.txt", "q#q", "[x]", "a+b=c;d,e"];

describe("shareNameProblem", () => {
  it.each(refused)("refuses %j", (name, reason) => {
    expect(shareNameProblem(name)).toMatch(reason);
  });
  it.each(held)("accepts %j", (name) => {
    expect(shareNameProblem(name)).toBeUndefined();
  });
  it("gives the files API a 400 with the reason", () => {
    expect(() => assertShareName("src/what?.ts")).toThrow(UnsafePathError);
    try {
      assertShareName("src/what?.ts");
    } catch (error) {
      expect((error as UnsafePathError).status).toBe(400);
      expect((error as UnsafePathError).message).toMatch(/"\?".*Azure Files cannot hold it/);
    }
  });
});

describe("caseFoldKey (as Azure Files compares names)", () => {
  it.each([
    ["README.md", "readme.md"],
    ["Dir/File.txt", "dir/file.txt"],
    ["ÄÖÜ.txt", "äöü.txt"],
    ["ΣΊΣΥΦΟΣ", "σίσυφος"],
    ["Привет", "привет"],
  ])("%j and %j are one name", (a, b) => {
    expect(caseFoldKey(a)).toBe(caseFoldKey(b));
  });
  it.each([
    // Simple case mapping only: ß does not become SS, ﬀ does not become FF.
    ["straße", "STRASSE"],
    ["ﬀ", "FF"],
    // No normalisation: NFC and NFD spellings are two names on the share.
    ["\u00e9", "e\u0301"],
    ["a", "b"],
  ])("%j and %j are two names", (a, b) => {
    expect(caseFoldKey(a)).not.toBe(caseFoldKey(b));
  });
});
