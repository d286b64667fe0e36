// The manifest is written a piece at a time (manifest.ts): the file must still be the one JSON document that
// JSON.stringify of the whole gave, and read back to the same entries, for any path a repository can hold.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest, writeManifest, type Manifest, type ManifestEntry } from "./manifest.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "manifest-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function manifestOf(files: Map<string, ManifestEntry>): Manifest {
  return {
    workspaceDir: "/work/space",
    repository: "octo/repo",
    commitSha: "c".repeat(40),
    writtenAt: "2026-12-03T16:00:00.000Z",
    files,
    skipped: [{ path: "link", kind: "symlink", reason: "Azure Files cannot store symbolic links" }],
  };
}

describe("writeManifest", () => {
  it("writes what JSON.stringify of the whole document gave, and reads it back", async () => {
    const files = new Map<string, ManifestEntry>();
    // Enough entries for many pieces, and paths JSON must escape.
    for (let i = 0; i < 3000; i++) {
      files.set(`dir ${i % 7}/"quoted" \\ tab\t é ${i}.ts`, { sha: i.toString(16).padStart(40, "0"), size: i * 1000, mtimeMs: 1_700_000_000_000.25 + i, executable: i % 3 === 0, diskExecutable: i % 5 === 0 });
    }
    const file = path.join(dir, "sync", "w.manifest.json");
    const manifest = manifestOf(files);
    await writeManifest(file, manifest);

    const whole = JSON.stringify({
      format: 1,
      workspaceDir: manifest.workspaceDir,
      repository: manifest.repository,
      commitSha: manifest.commitSha,
      writtenAt: manifest.writtenAt,
      files: [...files].map(([p, e]) => [p, e.sha, e.size, e.mtimeMs, (e.executable ? 1 : 0) | (e.diskExecutable ? 2 : 0)]),
      skipped: manifest.skipped,
    });
    expect(await readFile(file, "utf8")).toBe(whole);
    expect(await readManifest(file, manifest.workspaceDir)).toEqual(manifest);
    expect(await readdir(path.dirname(file))).toEqual(["w.manifest.json"]);
  });

  it("writes an empty manifest", async () => {
    const file = path.join(dir, "empty.json");
    await writeManifest(file, manifestOf(new Map()));
    expect((await readManifest(file, "/work/space"))?.files.size).toBe(0);
  });
});
