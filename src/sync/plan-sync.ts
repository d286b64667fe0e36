// Step 2: what must change on disk to make the workspace equal the target commit (rsync --delete semantics).
// Cheap first: a file whose size, mtime and executable bit still match the manifest is trusted to hold the
// manifest's blob; only the others are hashed (as git blobs) to decide. Pure planning: nothing is written.
import path from "node:path";
import pLimit from "p-limit";
import { hashGitBlobFile } from "./git-blob.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import type { DiskEntry, WorkspaceScan } from "./scan-workspace.js";
import { EmptyTargetError, throwIfCancelled } from "./sync-error.js";
import type { SkippedEntry, TargetFile, TargetTree } from "./target-tree.js";
import { caseFoldKey } from "../workspace/share-names.js";

export interface PlannedWrite extends TargetFile {
  kind: "add" | "change";
}

// The counts are reported as they are (the preview API): their shape is the API's (src/api-types.ts).
export type { SyncCounts } from "../api-types.js";
import type { SyncCounts } from "../api-types.js";

export interface SyncPlan {
  fromSha: string | undefined;
  toSha: string;
  /** Files to download and write. */
  writes: PlannedWrite[];
  /** Same content, only the executable bit differs. */
  chmods: TargetFile[];
  /** Disk entries (files, links, others) the target does not have, but for those removed as obstacles. */
  deletes: string[];
  /** Every disk entry the target does not have (obstacles included), for reports. */
  deletedPaths: string[];
  /** Folders the target does not have, deepest first (removed once empty). */
  deleteDirs: string[];
  /**
   * The outermost target folders the disk does not have (once obstacles are gone): each can be moved into
   * place whole from the staging folder. Names that could meet another folder on a case-insensitive share
   * are left out (their files are moved one by one).
   */
  newFolders: string[];
  /**
   * Entries in the way of a write, removed before the writes: a file where the target needs a folder
   * (`a` → `a/b.txt`), or a folder where the target needs a file.
   */
  obstacles: { files: string[]; dirs: string[] };
  /** Staging folders of an earlier run that crashed. */
  leftovers: string[];
  /** Files that already match, with what the manifest will record for them. */
  unchanged: Map<string, ManifestEntry>;
  skipped: SkippedEntry[];
  counts: SyncCounts;
  /** Bytes the writes will download (uncompressed). */
  bytesToFetch: number;
  /** Files hashed because the manifest could not vouch for them. */
  hashed: number;
  /** Nothing to do on disk. */
  isEmpty: boolean;
}

export interface PlanOptions {
  workspaceDir: string;
  concurrency: number;
  /**
   * False when the file system keeps no executable bits (Azure Files over SMB, see probe-workspace.ts): then
   * mode differences are neither planned nor counted, and a file is judged by content alone. Default true.
   */
  holdsModes?: boolean;
  allowEmpty?: boolean;
  abortSignal?: AbortSignal;
}

export async function planSync(
  target: TargetTree,
  context: { manifest: Manifest | undefined; scan: WorkspaceScan },
  options: PlanOptions,
): Promise<SyncPlan> {
  const { manifest, scan } = context;
  if (target.files.size === 0 && scan.files.size > 0 && !options.allowEmpty) throw new EmptyTargetError(scan.files.size, target.skipped.length);

  const holdsModes = options.holdsModes ?? true;
  const writes: PlannedWrite[] = [];
  const chmods: TargetFile[] = [];
  const unchanged = new Map<string, ManifestEntry>();
  const limit = pLimit(options.concurrency);
  let hashed = 0;

  /** Decides one file on disk, once its content's blob id is known ("" when the size alone rules it out). */
  const decide = (file: TargetFile, disk: DiskEntry, known: ManifestEntry | undefined, diskSha: string) => {
    if (diskSha !== file.sha) {
      writes.push(plannedWrite(file, "change"));
      return;
    }
    // A file system that keeps no executable bits (SMB) is judged by what the manifest saw after writing.
    const modeMatches = !holdsModes || (known !== undefined ? known.executable === file.executable : disk.executable === file.executable);
    if (!modeMatches) {
      chmods.push(file);
      return;
    }
    unchanged.set(file.path, { sha: file.sha, size: disk.size, mtimeMs: disk.mtimeMs, executable: file.executable, diskExecutable: disk.executable });
  };
  // A plain loop, with a task only for a file to hash: an async function per file cost a promise and a
  // closure each, 50,000 of them at once for a cold sync of that many files (issue 23).
  const hashing: Promise<void>[] = [];
  for (const file of target.files.values()) {
    const disk = scan.files.get(file.path);
    if (!disk || disk.kind !== "file") {
      writes.push(plannedWrite(file, disk ? "change" : "add"));
      continue;
    }
    const known = manifest?.files.get(file.path);
    // mtime and size are only a hint that the content is still what the manifest recorded; anything else
    // (a moved mtime included) costs a hash of this one file, never a rewrite.
    const trusted =
      known !== undefined &&
      known.size === disk.size &&
      known.mtimeMs === disk.mtimeMs &&
      (!holdsModes || known.diskExecutable === disk.executable);
    if (trusted) decide(file, disk, known, known.sha);
    else if (disk.size !== file.size) decide(file, disk, undefined, "");
    else {
      hashing.push(
        limit(() => {
          throwIfCancelled(options.abortSignal);
          hashed++;
          return hashGitBlobFile(path.join(options.workspaceDir, file.path), disk.size, { abortSignal: options.abortSignal });
        }).then((diskSha) => decide(file, disk, undefined, diskSha)),
      );
    }
  }
  await Promise.all(hashing);
  throwIfCancelled(options.abortSignal);

  const targetDirs = new Set<string>();
  for (const filePath of target.files.keys()) {
    for (let dir = parentOf(filePath); dir !== "" && !targetDirs.has(dir); dir = parentOf(dir)) targetDirs.add(dir);
  }
  // A name the commit has but the workspace cannot hold (skipped) is never deleted from the disk either: on a
  // share it cannot be there, and on a local disk (npm start) a file of that name is left untouched and
  // reported rather than silently lost. A case twin is not kept: its name is held by the spelling kept, and a
  // stale copy beside it (possible on a case-sensitive disk only) would make the workspace differ from that.
  const kept = new Set(target.skipped.filter((s) => s.kind === "name").map((s) => s.path));
  const deletes = [...scan.files.keys()].filter((p) => !target.files.has(p) && !kept.has(p)).sort();
  const deleteDirs = [...scan.dirs].filter((d) => !targetDirs.has(d)).sort((a, b) => depth(b) - depth(a) || (a < b ? 1 : -1));

  // Names compared as the share compares them (caseFoldKey: the same rule as the target's case twins).
  const diskDirsFolded = new Map([...scan.dirs].map((d) => [caseFoldKey(d), d]));
  const foldedCount = new Map<string, number>();
  for (const d of targetDirs) {
    if (scan.dirs.has(d)) continue;
    const key = caseFoldKey(d);
    foldedCount.set(key, (foldedCount.get(key) ?? 0) + 1);
  }
  const newFolders = [...targetDirs]
    .filter((d) => !scan.dirs.has(d) && (parentOf(d) === "" || scan.dirs.has(parentOf(d))))
    .filter((d) => !diskDirsFolded.has(caseFoldKey(d)) && foldedCount.get(caseFoldKey(d)) === 1)
    .sort();

  // What stands where a write goes and is of the other kind: a folder where a file is written, a file where a
  // folder is needed. Also under another case: on a case-insensitive share the file `A` is where the folder `a/`
  // would be. Such a disk entry is never in the target (the target keeps one spelling of a name), so it would be
  // deleted anyway: it goes first, with everything under it.
  let diskFilesFolded: Map<string, string> | undefined;
  const fileUnderAnyCase = (dir: string): string | undefined => {
    if (scan.files.has(dir)) return dir;
    diskFilesFolded ??= new Map(deletes.map((p) => [caseFoldKey(p), p]));
    return diskFilesFolded.get(caseFoldKey(dir));
  };
  const dirUnderAnyCase = (file: string): string | undefined => {
    if (scan.dirs.has(file)) return file;
    const twin = diskDirsFolded.get(caseFoldKey(file));
    return twin !== undefined && !targetDirs.has(twin) ? twin : undefined;
  };
  const obstacleFiles = new Set<string>();
  const obstacleDirs = new Set<string>();
  for (const write of writes) {
    const dirThere = dirUnderAnyCase(write.path);
    if (dirThere !== undefined) obstacleDirs.add(dirThere);
    for (let dir = parentOf(write.path); dir !== ""; dir = parentOf(dir)) {
      const fileThere = fileUnderAnyCase(dir);
      if (fileThere !== undefined) obstacleFiles.add(fileThere);
    }
  }

  writes.sort((a, b) => (a.path < b.path ? -1 : 1));
  chmods.sort((a, b) => (a.path < b.path ? -1 : 1));
  // Obstacles go first, with everything under them; the later delete passes must not meet them again
  // (by then a write may have put a folder or file of the same name there).
  const underObstacle = (p: string) => obstacleFiles.has(p) || [...ancestorsOf(p), p].some((a) => obstacleDirs.has(a));
  const laterDeletes = obstacleFiles.size + obstacleDirs.size === 0 ? deletes : deletes.filter((p) => !underObstacle(p));
  const laterDeleteDirs = obstacleDirs.size === 0 ? deleteDirs : deleteDirs.filter((d) => !underObstacle(d));
  const counts: SyncCounts = {
    added: writes.filter((w) => w.kind === "add").length,
    changed: writes.filter((w) => w.kind === "change").length + chmods.length,
    deleted: deletes.length,
    skipped: target.skipped.length,
    unchanged: unchanged.size,
  };
  return {
    fromSha: manifest?.commitSha,
    toSha: target.commitSha,
    writes,
    chmods,
    deletes: laterDeletes,
    deleteDirs: laterDeleteDirs,
    newFolders,
    obstacles: { files: [...obstacleFiles], dirs: [...obstacleDirs] },
    leftovers: scan.leftovers,
    unchanged,
    skipped: target.skipped,
    counts,
    bytesToFetch: writes.reduce((sum, w) => sum + w.size, 0),
    hashed,
    isEmpty: writes.length + chmods.length + deletes.length + deleteDirs.length + scan.leftovers.length === 0,
    deletedPaths: deletes,
  };
}

/**
 * A write, always built as this one literal: `{ ...file, kind }` gave each of them a hidden class of its own
 * (a map, a descriptor array and a property array: ~220 bytes a file, 11 MB of a 50,000-file sync's heap in
 * a heap snapshot; issue 23).
 */
function plannedWrite(file: TargetFile, kind: PlannedWrite["kind"]): PlannedWrite {
  return { path: file.path, sha: file.sha, size: file.size, executable: file.executable, kind };
}

export function parentOf(relative: string): string {
  const at = relative.lastIndexOf("/");
  return at < 0 ? "" : relative.slice(0, at);
}

function ancestorsOf(relative: string): string[] {
  const result: string[] = [];
  for (let dir = parentOf(relative); dir !== ""; dir = parentOf(dir)) result.push(dir);
  return result;
}

function depth(relative: string): number {
  let n = 0;
  for (const c of relative) if (c === "/") n++;
  return n;
}
