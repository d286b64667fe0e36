import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeRelativePath, resolveWorkspacePath, UnsafePathError } from "./safe-path.js";

// Hostile paths as a route sees them (the HTTP layer has decoded the URL once), with the reason we expect.
const hostile: [string, RegExp][] = [
  ["..", /"\.\." segment/],
  ["../etc/passwd", /"\.\." segment/],
  ["a/../../etc/passwd", /"\.\." segment/],
  ["a/..", /"\.\." segment/],
  ["../", /"\.\." segment/],
  ["a/b/../../..", /"\.\." segment/],
  [".", /"\." segment/],
  ["./a", /"\." segment/],
  ["a/./b", /"\." segment/],
  ["a/.", /"\." segment/],
  ["/etc/passwd", /absolute path/],
  ["//etc/passwd", /absolute path/],
  ["/", /absolute path/],
  ["\\etc\\passwd", /backslash/],
  ["..\\..\\windows\\win.ini", /backslash/],
  ["a\\..\\b", /backslash/],
  ["\\\\server\\share\\x", /backslash/],
  ["C:\\Windows", /backslash/],
  ["C:/Windows/win.ini", /absolute Windows path/],
  ["c:foo", /absolute Windows path/],
  ["%2e%2e/etc/passwd", /percent-encoded/],
  ["%2E%2E%2Fetc%2Fpasswd", /percent-encoded/],
  ["..%2fetc", /percent-encoded/],
  ["a/..%2f..%2fetc", /percent-encoded/],
  ["..%5c..%5cetc", /percent-encoded/],
  [".%2e/x", /percent-encoded/],
  ["a%00.ts", /percent-encoded/],
  ["%c0%ae%c0%ae/etc/passwd", /overlong UTF-8/],
  ["%c1%9c..", /overlong UTF-8/],
  ["%u002e%u002e/etc", /%u escape/],
  ["%e0%80%ae%e0%80%ae/etc", /overlong UTF-8/],
  ["%f0%80%80%ae", /overlong UTF-8/],
  ["a%ff.ts", /overlong UTF-8/],
  ["a\u0000b", /NUL or control/],
  ["a.ts\u0000.png", /NUL or control/],
  ["a\nb", /NUL or control/],
  ["a\rb", /NUL or control/],
  ["a\u001fb", /NUL or control/],
  ["a\u007fb", /NUL or control/],
  ["", /empty/],
  ["a//b", /empty folder name/],
  ["a//", /empty folder name/],
  ["x".repeat(256), /longer than 255 bytes/],
  [`src/${"x".repeat(256)}/a.ts`, /longer than 255 bytes/],
  ["é".repeat(128), /longer than 255 bytes/],
  [`${"a/".repeat(512)}b`, /longer than 1024 characters/],
];

const safe: [string, string][] = [
  ["a", "a"],
  ["a/b.ts", "a/b.ts"],
  ["a/b/", "a/b"],
  [".env", ".env"],
  ["..foo", "..foo"],
  ["foo..", "foo.."],
  ["...", "..."],
  ["a/.../b..", "a/.../b.."],
  [`src/${"x".repeat(255)}/a.ts`, `src/${"x".repeat(255)}/a.ts`],
  ["a b/c d.ts", "a b/c d.ts"],
  ["ünïcode/файл.ts", "ünïcode/файл.ts"],
  ["100% done.txt", "100% done.txt"],
  ["100%20.txt", "100%20.txt"],
  ["caf%C3%A9.md", "caf%C3%A9.md"],
  ["x".repeat(255), "x".repeat(255)],
  ["é".repeat(127), "é".repeat(127)],
];

describe("normalizeRelativePath", () => {
  it("has a table of at least 30 hostile paths", () => {
    expect(hostile.length).toBeGreaterThanOrEqual(30);
  });

  it.each(hostile)("refuses %j", (input, reason) => {
    let thrown: unknown;
    try {
      normalizeRelativePath(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsafePathError);
    const error = thrown as UnsafePathError;
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_path");
    expect(error.message).toMatch(reason);
    // The message is shown to users and logged: control characters are escaped in it.
    expect([...error.message].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
  });

  it.each(safe)("accepts %j as %j", (input, expected) => {
    expect(normalizeRelativePath(input)).toBe(expected);
  });

  it("accepts the root only when asked", () => {
    expect(normalizeRelativePath("", { allowRoot: true })).toBe("");
    expect(normalizeRelativePath("/", { allowRoot: true })).toBe("");
    expect(() => normalizeRelativePath("")).toThrow(UnsafePathError);
  });

  it("rejects a non-string with a TypeError", () => {
    expect(() => normalizeRelativePath(42 as unknown as string)).toThrow(TypeError);
  });
});

describe("resolveWorkspacePath", () => {
  let base: string;
  let workspace: string;
  let outside: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "safe-path-"));
    workspace = path.join(base, "workspace");
    outside = path.join(base, "outside");
    await mkdir(path.join(workspace, "sub"), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(outside, "secret.txt"), "secret");
    await symlink(outside, path.join(workspace, "out"));
    await symlink(path.join(outside, "secret.txt"), path.join(workspace, "secret-link"));
    await symlink("sub", path.join(workspace, "in"));
    await symlink(path.join(workspace, "out"), path.join(workspace, "chain"));
    await symlink(path.join(outside, "not-yet"), path.join(workspace, "dangling"));
    await symlink("../outside-sibling", path.join(workspace, "sibling"));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("resolves a path inside the workspace, existing or not", async () => {
    const result = await resolveWorkspacePath(workspace, "sub/new/file.ts");
    expect(result).toEqual({ relative: "sub/new/file.ts", absolute: path.join(workspace, "sub", "new", "file.ts") });
    expect((await resolveWorkspacePath(workspace, "", { allowRoot: true })).absolute).toBe(workspace);
  });

  it("follows a symbolic link that stays inside", async () => {
    expect((await resolveWorkspacePath(workspace, "in/x.ts")).relative).toBe("in/x.ts");
  });

  it.each([
    ["out"],
    ["out/secret.txt"],
    ["out/new/file.ts"],
    ["secret-link"],
    ["chain/secret.txt"],
    ["dangling"],
    ["dangling/x"],
    ["sibling/x"],
  ])("refuses %j, which leads out through a symbolic link", async (input) => {
    await expect(resolveWorkspacePath(workspace, input)).rejects.toThrow(/leads out of the workspace through a symbolic link/);
  });

  it("refuses hostile input before touching the disk", async () => {
    await expect(resolveWorkspacePath(path.join(base, "does-not-exist"), "../x")).rejects.toThrow(UnsafePathError);
  });
});
