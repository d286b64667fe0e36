// The sync equivalence property, shared by the local-disk suite (test/sync-equivalence.test.ts) and the SMB
// suite (test/sync-smb.test.ts): after any sequence of commits, a sync leaves the workspace equal to
// `git archive` of the commit extracted by `tar` — file by file, byte by byte, executable bits included
// where the file system keeps them, no extra files or folders — whichever fetch path (blobs, tarball) each
// sync takes. Case twins a commit may hold (a case rename next to a new file of the old name) are one name
// on a share: the oracle keeps the first in byte order, as the engine does. Commits are made with real git.
import fc from "fast-check";
import { expect } from "vitest";
import { syncOnce } from "../../src/sync/sync-once.js";
import type { FileChange, GitHubStandIn } from "./github-stand-in/index.js";
import { archiveState, createSyncFixture, diffWorkspace, withoutCaseTwins } from "./sync-fixtures.js";

// Folder segments and file names never collide, so no commit turns a file into a folder (tested elsewhere).
const FOLDERS = ["", "src", "src/nested", "a/b/c/d/e/f/g/h/i/j", "Docs", "ünï/文件夹"];
const NAMES = ["index.ts", "Readme.md", "empty", "data.bin", "run.sh", "ünï-cødé-文件.txt", `long-${"x".repeat(110)}.txt`, "space name.txt", ".hidden"];

interface ModelFile {
  content: Buffer;
  executable: boolean;
}
type Model = Map<string, ModelFile>;

const contentArb = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 4000 }).map((a) => Buffer.from(a)),
  fc.integer({ min: 1, max: 300_000 }).map((n) => Buffer.alloc(n, n % 251)),
);
const pathArb = fc.tuple(fc.constantFrom(...FOLDERS), fc.constantFrom(...NAMES)).map(([folder, name]) => (folder ? `${folder}/${name}` : name));

type Op =
  | { kind: "write"; path: string; content: Buffer; executable: boolean }
  | { kind: "delete"; pick: number }
  | { kind: "rename"; pick: number; to: string }
  | { kind: "caseRename"; pick: number }
  | { kind: "chmod"; pick: number }
  | { kind: "deleteFolder"; folder: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("write" as const), path: pathArb, content: contentArb, executable: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("rename" as const), pick: fc.nat(), to: pathArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("caseRename" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("chmod" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteFolder" as const), folder: fc.constantFrom(...FOLDERS.filter(Boolean)) }) },
);

const commitArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 8 }),
  forcePush: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 4, arbitrary: fc.constant(false) }),
  fetchMode: fc.constantFrom("blobs" as const, "tarball" as const, "auto" as const),
});

function applyOps(start: Model, ops: Op[]): Model {
  const model = new Map(start);
  const pick = (n: number) => [...model.keys()].sort()[n % Math.max(model.size, 1)];
  for (const op of ops) {
    if (op.kind === "write") {
      model.set(op.path, { content: op.content, executable: op.executable });
      continue;
    }
    if (op.kind === "deleteFolder") {
      for (const p of [...model.keys()]) if (p.startsWith(`${op.folder}/`)) model.delete(p);
      continue;
    }
    const from = pick(op.pick);
    if (from === undefined) continue;
    const file = model.get(from)!;
    if (op.kind === "delete") model.delete(from);
    if (op.kind === "chmod") model.set(from, { ...file, executable: !file.executable });
    if (op.kind === "rename" && !model.has(op.to)) {
      model.delete(from);
      model.set(op.to, file);
    }
    if (op.kind === "caseRename") {
      const at = from.lastIndexOf("/") + 1;
      const name = from.slice(at);
      const flipped = name === name.toUpperCase() ? name.toLowerCase() : name.toUpperCase();
      const to = from.slice(0, at) + flipped;
      if (flipped !== name && !model.has(to)) {
        model.delete(from);
        model.set(to, file);
      }
    }
  }
  if (model.size === 0) model.set("index.ts", { content: Buffer.from("export {};\n"), executable: false });
  return model;
}

function changesBetween(before: Model, after: Model): Record<string, FileChange> {
  const changes: Record<string, FileChange> = {};
  for (const p of before.keys()) if (!after.has(p)) changes[p] = null;
  for (const [p, f] of after) {
    const old = before.get(p);
    if (!old || !old.content.equals(f.content) || old.executable !== f.executable) changes[p] = { content: f.content, executable: f.executable };
  }
  return changes;
}

export async function checkSyncEquivalence(
  github: GitHubStandIn,
  options: { runs: number; /** A fresh workspace folder per sequence (on a share); default: a temp folder. */ workspaceDir?: () => Promise<string>; modes?: boolean; /** Files a first rerun may hash on a share whose mtimes settle late (then a second rerun hashes none). */ settleHashes?: number },
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(commitArb, { minLength: 1, maxLength: 4 }), async (commits) => {
      const fx = await createSyncFixture({ github, workspaceDir: options.workspaceDir ? await options.workspaceDir() : undefined });
      try {
        let model: Model = new Map();
        for (const commit of commits) {
          let sha: string;
          if (commit.forcePush && model.size > 0) {
            // An unrelated history: a parentless commit holding only the new tree.
            model = applyOps(new Map(), commit.ops);
            sha = await fx.repo.forcePush(Object.fromEntries([...model].map(([p, f]) => [p, { content: f.content, executable: f.executable }])));
          } else {
            const next = applyOps(model, commit.ops);
            const changes = changesBetween(model, next);
            model = next;
            if (Object.keys(changes).length === 0) continue;
            sha = await fx.repo.commit(changes);
          }
          const outcome = await syncOnce({ branch: "main", fetchMode: commit.fetchMode, allowEmpty: true }, fx.deps());
          expect(outcome.toSha).toBe(sha);
          expect(await diffWorkspace(fx.workspaceDir, withoutCaseTwins(await archiveState(fx.repo, sha, fx.root)), { modes: options.modes })).toEqual([]);
          // Run again on what was just written: nothing to do, nothing hashed (mtime and modes as the disk keeps them).
          const again = await syncOnce({ branch: "main", allowEmpty: true }, fx.deps());
          expect(again).toMatchObject({ result: "noop", counts: { added: 0, changed: 0, deleted: 0 } });
          expect(again.hashed).toBeLessThanOrEqual(options.settleHashes ?? 0);
          if (again.hashed > 0) expect(await syncOnce({ branch: "main", allowEmpty: true }, fx.deps())).toMatchObject({ result: "noop", hashed: 0 });
        }
      } finally {
        await fx.close();
      }
    }),
    { numRuns: options.runs, endOnFailure: true },
  );
}
