// Hostile archives served by the stand-in in place of `git archive`: each one must fail the sync with a
// clear error, write nothing outside the workspace, and leave the workspace exactly as it was.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { pack as createPack, type Pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncOnce } from "../src/sync/sync-once.js";
import { SyncError } from "../src/sync/sync-error.js";
import { archiveState, createSyncFixture, diffWorkspace, type SyncFixture } from "./support/sync-fixtures.js";

let fx: SyncFixture;
let good: string;
let next: string;
let prefix: string;

beforeAll(async () => {
  fx = await createSyncFixture();
  good = await fx.repo.commit({ "a.txt": "a\n", "dir/b.txt": "b\n" });
  await syncOnce({ branch: "main" }, fx.deps());
  next = await fx.repo.commit({ "a.txt": "A\n", "dir/b.txt": null, "c.txt": "c\n" });
  prefix = `${fx.repo.owner}-${fx.repo.name}-${next.slice(0, 7)}`;
});
afterAll(async () => {
  await fx.close();
});

type Entry = { header: Parameters<Pack["entry"]>[0]; content?: Buffer };

/** A gzipped tar made entry by entry with tar-stream (as an attacker would, not by git). */
function hostileTarball(entries: Entry[]): () => Readable {
  return () => {
    const pack = createPack();
    // The engine hangs up mid-archive when it refuses one, which destroys the pack and its entry streams with
    // an AbortError: expected here, and an unheard 'error' event would crash the test process.
    pack.on("error", () => undefined);
    void (async () => {
      for (const { header, content } of entries) {
        await new Promise<void>((resolve, reject) =>
          pack.entry(header, content ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve())).on("error", () => undefined),
        );
      }
      pack.finalize();
    })().catch((error: unknown) => pack.destroy(error as Error));
    return pack.pipe(createGzip());
  };
}

const file = (name: string, content: string | Buffer, mode = 0o644): Entry => ({
  header: { name, type: "file", mode, size: Buffer.byteLength(content) },
  content: Buffer.from(content),
});
const legit = (): Entry[] => [{ header: { name: `${prefix}/`, type: "directory", mode: 0o755 } }, file(`${prefix}/a.txt`, "A\n"), file(`${prefix}/c.txt`, "c\n")];

/** 8 MiB of zeros: each entry is under the size limit, together they inflate ~1000x. */
const ZEROS = Buffer.alloc(8 * 1024 * 1024);

const outside = () => path.join(fx.root, "evil-outside.txt");

const cases: { name: string; entries: () => Entry[]; reason: string; message: RegExp; limits?: object }[] = [
  { name: "path traversal", entries: () => [...legit(), file(`${prefix}/../../evil-outside.txt`, "pwned")], reason: "unsafe_path", message: /unsafe path.*"\.\." segment/ },
  { name: "absolute path", entries: () => [...legit(), file(outside(), "pwned")], reason: "unsafe_path", message: /absolute path/ },
  {
    name: "hard link",
    entries: () => [...legit(), { header: { name: `${prefix}/hard`, type: "link", linkname: "/etc/passwd", mode: 0o644 } }],
    reason: "entry_link",
    message: /a hard link "hard"/,
  },
  {
    name: "device file",
    entries: () => [...legit(), { header: { name: `${prefix}/dev`, type: "character-device", devmajor: 1, devminor: 3, mode: 0o666 } }],
    reason: "entry_character-device",
    message: /a device file "dev"/,
  },
  { name: "FIFO", entries: () => [...legit(), { header: { name: `${prefix}/pipe`, type: "fifo", mode: 0o644 } }], reason: "entry_fifo", message: /a FIFO "pipe"/ },
  {
    name: "gzip bomb",
    entries: () => [
      ...legit(),
      ...Array.from({ length: 12 }, (_, i): Entry => ({
        header: { name: `${prefix}/zeros${i}`, type: "file", mode: 0o644, size: ZEROS.byteLength },
        content: ZEROS,
      })),
    ],
    reason: "compression_ratio",
    message: /inflates more than 200x/,
  },
  {
    name: "oversized file",
    entries: () => [file(`${prefix}/a.txt`, "A".repeat(5000)), file(`${prefix}/c.txt`, "c\n")],
    reason: "file_too_large",
    message: /"a.txt" is 4.9 KiB, more than the 4.0 KiB/,
    limits: { maxFileBytes: 4096 },
  },
  {
    name: "too many entries",
    entries: () => [...legit(), ...Array.from({ length: 60 }, (_, i) => file(`${prefix}/many/${i}`, "x"))],
    reason: "too_many_entries",
    message: /more than 50 entries/,
    limits: { limits: { maxEntries: 50 } },
  },
  { name: "content that differs from the tree", entries: () => [file(`${prefix}/a.txt`, "EVIL\n"), file(`${prefix}/c.txt`, "c\n")], reason: "content_mismatch", message: /"a.txt" does not match the commit's tree/ },
  { name: "entry outside the top folder", entries: () => [...legit(), file("other-top/x.txt", "x")], reason: "outside_top_folder", message: /outside its top folder/ },
  { name: "a .git folder", entries: () => [...legit(), file(`${prefix}/.git/config`, "[core]")], reason: "git_folder", message: /inside "\.git"/ },
  { name: "a name the engine reserves", entries: () => [...legit(), file(`${prefix}/.funcspace-sync-owner`, "{}")], reason: "reserved_name", message: /"\.funcspace-sync-owner", a name the sync engine reserves/ },
  {
    name: "a name the engine reserves, in other case (the same name on a case-insensitive share)",
    entries: () => [...legit(), file(`${prefix}/.FUNCSPACE-SYNC-LOCK/x`, "x")],
    reason: "reserved_name",
    message: /"\.FUNCSPACE-SYNC-LOCK", a name the sync engine reserves/,
  },
  {
    name: "a name the engine reserves, spelled with a long s (ſ: S on the share, but toLowerCase keeps it)",
    entries: () => [...legit(), file(`${prefix}/.funcſpace-sync-lock`, "x")],
    reason: "reserved_name",
    message: /"\.funcſpace-sync-lock", a name the sync engine reserves/,
  },
];

describe("hostile archives", () => {
  it.each(cases)("refuses $name and leaves the workspace as it was", async ({ entries, reason, message, limits }) => {
    fx.github.faults.serveTarball(fx.repo.fullName, next, hostileTarball(entries()));
    try {
      const error = await syncOnce({ branch: "main", fetchMode: "tarball" }, fx.deps(limits as never)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SyncError);
      expect((error as SyncError).step).toBe("fetch");
      expect((error as SyncError).code).toBe("unsafe_repository");
      expect((error as SyncError).details).toMatchObject({ reason });
      expect((error as Error).message).toMatch(message);
    } finally {
      fx.github.faults.reset();
    }
    expect(existsSync(outside())).toBe(false);
    expect((await readdir(fx.root)).filter((n) => !["workspace", "state"].includes(n) && !n.startsWith("archive-"))).toEqual([]);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, good, fx.root))).toEqual([]);
  });

  it("skips a symlink pointing out (reported, never created) and applies the rest", async () => {
    const entries = [...legit(), { header: { name: `${prefix}/escape`, type: "symlink", linkname: "../../../etc/passwd", mode: 0o777 } } as Entry];
    fx.github.faults.serveTarball(fx.repo.fullName, next, hostileTarball(entries));
    // A truncated tree plans from the archive itself, so its own symlink entry is what gets reported.
    fx.github.faults.truncateTrees({ keepEntries: 1 });
    try {
      const outcome = await syncOnce({ branch: "main", fetchMode: "tarball" }, fx.deps());
      expect(outcome.skipped).toEqual([{ path: "escape", kind: "symlink", reason: "Azure Files cannot store symbolic links, and this one points outside the repository" }]);
    } finally {
      fx.github.faults.reset();
    }
    expect(existsSync(path.join(fx.workspaceDir, "escape"))).toBe(false);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, next, fx.root))).toEqual([]);
  });

  it("then syncs the genuine archive", async () => {
    await syncOnce({ branch: "main", fetchMode: "tarball" }, fx.deps());
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, next, fx.root))).toEqual([]);
  });
});

describe("the entry limit", () => {
  // The tree counts every file and folder under the root; the archive adds its top folder. A hostile pass found a
  // tree of exactly maxEntries accepted as blobs and refused as a tarball (and so by auto, which picks the tarball).
  it.each(["blobs", "tarball", "auto"] as const)("is the same through every fetch path (%s): exactly the limit passes, one more is refused", async (fetchMode) => {
    const limited = await createSyncFixture();
    try {
      const files = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`d/f${i}.txt`, `x${i}\n`]));
      // 49 files in d/: 50 entries with the folder.
      const atLimit = await limited.repo.commit(files(49));
      expect(await syncOnce({ branch: "main", fetchMode }, limited.deps({ limits: { maxEntries: 50 } }))).toMatchObject({ result: "applied" });
      expect(await diffWorkspace(limited.workspaceDir, await archiveState(limited.repo, atLimit, limited.root))).toEqual([]);
      await limited.repo.commit({ "d/f49.txt": "x49\n" });
      const refused = await syncOnce({ branch: "main", fetchMode }, limited.deps({ limits: { maxEntries: 50 } })).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SyncError);
      expect(String((refused as Error).message)).toMatch(/more than 50 entries/);
      expect(await diffWorkspace(limited.workspaceDir, await archiveState(limited.repo, atLimit, limited.root))).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});
