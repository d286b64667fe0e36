// GET /api/workspace/search through the real local host on a temporary workspace: paths and text matched
// ignoring case, with line and column; binary and hidden files left out; the caps flagged; a bad query
// refused; and a reader may search while a caller without a role may not.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceSearchResult } from "../src/api-types.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ enableQueues: false, env: { AUTH_MODE: "swa" } });
  const put = async (relative: string, content: string | Buffer) => {
    await mkdir(path.dirname(path.join(host.workspaceDir, relative)), { recursive: true });
    await writeFile(path.join(host.workspaceDir, relative), content);
  };
  await put("workflows/greet.ts", 'import { defineWorkflow } from "funcspace";\n\nexport const GREETING = "Hello";\n  greeting twice: greeting\n');
  await put("workflows/_text.ts", "export function shout(text: string) {\n  return text.toUpperCase();\n}\n");
  await put("docs/greeting-notes.md", "nothing to see\n");
  await put("assets/logo.bin", Buffer.from([0x67, 0x72, 0x65, 0x65, 0x74, 0x00, 0xff]));
  await put(".DS_Store", "greet");
  await put("many.txt", Array.from({ length: 150 }, (_, i) => `needle ${i}`).join("\n"));
});
afterAll(async () => {
  await host.close();
});

const reader = { "x-ms-client-principal": swaPrincipalHeader(["reader"]) };
const search = async (query: string, headers: Record<string, string> = reader) => {
  const response = await host.fetch(`/api/workspace/search?q=${encodeURIComponent(query)}`, { headers });
  return { status: response.status, body: (await response.json()) as WorkspaceSearchResult & { error?: string } };
};

describe("workspace search", () => {
  it("finds text in files, ignoring case, with line, column and the line itself", async () => {
    const { status, body } = await search("GREETING");
    expect(status).toBe(200);
    expect(body.truncated).toBe(false);
    expect(body.files).toEqual([
      { path: "docs/greeting-notes.md", nameMatch: true, matches: [] },
      {
        path: "workflows/greet.ts",
        nameMatch: false,
        matches: [
          { line: 3, column: 14, text: 'export const GREETING = "Hello";' },
          { line: 4, column: 3, text: "  greeting twice: greeting" },
        ],
      },
    ]);
  });

  it("matches paths, leaves binary files' bytes and hidden files out", async () => {
    const { body } = await search("greet");
    expect(body.files.map((file) => [file.path, file.nameMatch, file.matches.length])).toEqual([
      ["docs/greeting-notes.md", true, 0],
      ["workflows/greet.ts", true, 2],
    ]);
    expect((await search("toUpperCase")).body.files.map((file) => file.path)).toEqual(["workflows/_text.ts"]);
    expect((await search("no such text anywhere")).body.files).toEqual([]);
  });

  it("caps the lines of one file and says so", async () => {
    const { body } = await search("needle");
    expect(body.files[0]?.matches).toHaveLength(100);
    expect(body.truncated).toBe(true);
  });

  it("refuses an empty or overlong query, and callers without a role", async () => {
    expect(await search("")).toMatchObject({ status: 400, body: { error: "invalid_query" } });
    expect(await search("x".repeat(201))).toMatchObject({ status: 400, body: { error: "invalid_query" } });
    expect((await search("greet", { "x-ms-client-principal": swaPrincipalHeader([]) })).status).toBe(403);
    expect((await search("greet", {})).status).toBe(401);
  });
});
