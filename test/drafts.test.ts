// The draft services (src/drafts/) on a real Azurite table and a real workspace folder, without HTTP: binary content
// that spans many table properties comes back byte for byte, the limits (paths, total bytes) refuse with 413 and keep
// what was there, renames (also of letter case only, and back again) and their revert, and a file edited back to the
// workspace's bytes. The workspace folder is never written.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DraftStore, MAX_DRAFT_FILE_BYTES } from "../src/azure/draft-store.js";
import { ConnectionStore } from "../src/azure/connection-store.js";
import { TABLES } from "../src/azure/resources.js";
import { createStorageClients, ensureStorageResources } from "../src/azure/storage.js";
import { deleteDraftFile, discardDraft, revertDraftChange } from "../src/drafts/delete-draft-file.js";
import type { DraftCaller, DraftDeps } from "../src/drafts/draft-deps.js";
import { loadDraftOverlay } from "../src/drafts/load-draft-overlay.js";
import { moveDraftFile } from "../src/drafts/move-draft-file.js";
import { readDraft, readDraftFile } from "../src/drafts/read-draft.js";
import { writeDraftFile } from "../src/drafts/write-draft-file.js";
import { connectionRecord } from "./support/github-app-fixtures.js";
import { readTreeState } from "./support/sync-fixtures.js";
import { useTestStorage } from "./support/storage.js";
import { createTempDir } from "./support/temp-dir.js";

let dir: { path: string; cleanup(): Promise<void> };
let deps: DraftDeps;
const workspace = () => path.join(dir.path, "workspace");

beforeAll(async () => {
  dir = await createTempDir("drafts-");
  await mkdir(path.join(workspace(), "flows"), { recursive: true });
  await writeFile(path.join(workspace(), "flows/hello.ts"), "hello v1\n");
  await writeFile(path.join(workspace(), "README.md"), "# readme\n");
  const storage = createStorageClients({ kind: "connectionString", connectionString: (await useTestStorage()).connectionString });
  await ensureStorageResources(storage);
  const connections = new ConnectionStore(storage.table(TABLES.connections), { stateDir: path.join(dir.path, "state") });
  await connections.delete();
  await connections.create(connectionRecord({ appliedSha: "a".repeat(40) }));
  deps = { drafts: new DraftStore(storage.table(TABLES.drafts)), workspaceDir: workspace(), connections, maxFileBytes: MAX_DRAFT_FILE_BYTES, maxChanges: 5, maxTotalBytes: 1.5 * 1024 * 1024 };
});
afterAll(async () => {
  await dir?.cleanup();
});

const caller = (): DraftCaller => ({ identityProvider: "test", userId: randomUUID(), name: "tess" });
const workspaceState = async () => JSON.stringify([...(await readTreeState(workspace())).files].map(([p, f]) => [p, f.content.toString("base64")]));

describe("drafts", () => {
  it("keeps binary content that spans many table properties byte for byte, and the overlay carries it", async () => {
    const me = caller();
    const before = await workspaceState();
    // Written twice: a replace is where the table counts the encoded entity against its 1 MiB.
    await writeDraftFile(deps, me, "assets/blob.bin", randomBytes(MAX_DRAFT_FILE_BYTES));
    const bytes = randomBytes(MAX_DRAFT_FILE_BYTES);
    const change = await writeDraftFile(deps, me, "assets/blob.bin", bytes);
    expect(change).toMatchObject({ path: "assets/blob.bin", kind: "added", size: MAX_DRAFT_FILE_BYTES });
    expect((await readDraftFile(deps, me, "assets/blob.bin")).content.equals(bytes)).toBe(true);
    await expect(writeDraftFile(deps, me, "assets/too-big.bin", randomBytes(MAX_DRAFT_FILE_BYTES + 1))).rejects.toMatchObject({ status: 413 });
    const overlay = await loadDraftOverlay(deps, me);
    expect(Buffer.from(overlay.files.get("assets/blob.bin")!).equals(bytes)).toBe(true);
    expect(await workspaceState()).toBe(before);
  });

  it("refuses past the paths and bytes a draft may hold, and keeps what it had", async () => {
    const me = caller();
    for (let i = 0; i < 5; i++) await writeDraftFile(deps, me, `n/${i}.txt`, Buffer.from(`${i}`));
    await expect(writeDraftFile(deps, me, "n/5.txt", Buffer.from("5"))).rejects.toMatchObject({ status: 413, code: "draft_full" });
    // Editing a path already in the draft is no new path.
    expect(await writeDraftFile(deps, me, "n/0.txt", Buffer.from("zero"))).toMatchObject({ kind: "added", size: 4 });
    await discardDraft(deps, me);
    expect((await readDraft(deps, me)).changes).toEqual([]);

    const other = caller();
    await writeDraftFile(deps, other, "big/a.bin", randomBytes(700 * 1024));
    await writeDraftFile(deps, other, "big/b.bin", randomBytes(700 * 1024));
    await expect(writeDraftFile(deps, other, "big/c.bin", randomBytes(700 * 1024))).rejects.toMatchObject({ status: 413, code: "draft_full" });
    // Replacing a file counts its new size, not both.
    expect(await writeDraftFile(deps, other, "big/b.bin", randomBytes(704 * 1024))).toMatchObject({ size: 704 * 1024 });
    expect((await readDraft(deps, other)).changes.map((c) => c.path)).toEqual(["big/a.bin", "big/b.bin"]);
  });

  it("renames (letter case only too), reverts a rename whole, and drops an edit back to the workspace's bytes", async () => {
    const me = caller();
    const before = await workspaceState();
    // README.md → readme.md: the old spelling is the only twin, and it goes in the same draft.
    const renamed = await moveDraftFile(deps, me, "README.md", "readme.md");
    expect(renamed).toMatchObject({ path: "readme.md", kind: "added", renamedFrom: "README.md" });
    expect((await readDraft(deps, me)).changes.map((c) => [c.path, c.kind])).toEqual([
      ["README.md", "deleted"],
      ["readme.md", "added"],
    ]);
    // …and back: nothing left.
    await moveDraftFile(deps, me, "readme.md", "README.md");
    expect((await readDraft(deps, me)).changes).toEqual([]);

    // A chain of renames keeps the first name; reverting the last one brings the file back at its first place.
    await moveDraftFile(deps, me, "flows/hello.ts", "flows/hi.ts");
    await moveDraftFile(deps, me, "flows/hi.ts", "flows/greet.ts");
    expect((await readDraft(deps, me)).changes.map((c) => [c.path, c.kind, c.renamedFrom ?? ""])).toEqual([
      ["flows/greet.ts", "added", "flows/hello.ts"],
      ["flows/hello.ts", "deleted", ""],
    ]);
    await revertDraftChange(deps, me, "flows/greet.ts");
    expect((await readDraft(deps, me)).changes).toEqual([]);

    // An edit, then the workspace's bytes again: no change. A deletion of a workspace file, then restoring it: none either.
    await writeDraftFile(deps, me, "flows/hello.ts", Buffer.from("hello v2\n"));
    expect(await writeDraftFile(deps, me, "flows/hello.ts", Buffer.from("hello v1\n"))).toBeUndefined();
    await deleteDraftFile(deps, me, "flows/hello.ts");
    expect(await writeDraftFile(deps, me, "flows/hello.ts", Buffer.from("hello v1\n"))).toBeUndefined();
    expect((await readDraft(deps, me)).changes).toEqual([]);
    // A rename onto an existing file is refused.
    await expect(moveDraftFile(deps, me, "flows/hello.ts", "README.md")).rejects.toMatchObject({ status: 409, code: "exists" });
    expect(await workspaceState()).toBe(before);
  });
});
