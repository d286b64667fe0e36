// Case twins: two spellings of one name, such as `readme.md` beside `README.md`, or `Src/x.ts` when a folder
// `src` exists. On the Azure Files share (case-insensitive, case-preserving; see share-names.ts) they are one
// entry: a second spelling would silently write into the first, and a laptop (case-sensitive disk) that held
// both would give a workspace that cannot be deployed or synced. So the files API refuses to create, or move
// anything to, a name whose spelling differs from an existing sibling's by letter case only, on every file
// system. Writing to the exact existing spelling stays allowed.
//
// Decided by listing each folder on the way, not by stat or inode: on the share a stat of either spelling
// succeeds and each spelling gets its own inode number (/work/shared/smb-share/README.md), and on a
// case-sensitive disk a stat of the new spelling simply fails. Callers run this under the write lock
// (with-write-lock.ts), so a check and the create that follows it cannot interleave with another's.
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { ConflictError } from "../errors.js";
import { caseFoldKey } from "./share-names.js";

export interface CaseTwin {
  /** The requested path up to the name that clashes: `Src` of `Src/x.ts`. */
  requested: string;
  /** The existing entry, spelled as the disk spells it: `src`. */
  existing: string;
  type: "file" | "folder";
}

export interface FindCaseTwinOptions {
  /** An existing path that is not a conflict (the source of a move, when only its letter case changes). */
  allow?: string;
}

/**
 * The first existing entry that one name of `relative` (normalised, workspace-relative) would meet on the
 * share under another spelling, or undefined. One `readdir` per folder on the way, all at once (one round
 * trip's wait on a share); a folder that does not exist ends the walk.
 */
export async function findCaseTwin(root: string, relative: string, options: FindCaseTwinOptions = {}): Promise<CaseTwin | undefined> {
  const names = relative.split("/");
  const listings = await Promise.all(names.map((_, i) => listFolder(path.join(root, ...names.slice(0, i)))));
  for (let i = 0; i < names.length; i++) {
    const listing = listings[i];
    const name = names[i]!;
    if (listing === undefined) return undefined;
    if (listing.includes(name)) continue;
    const key = caseFoldKey(name);
    const prefix = names.slice(0, i).join("/");
    const twin = listing.find((other) => caseFoldKey(other) === key && join(prefix, other) !== options.allow);
    if (twin === undefined) return undefined;
    const existing = join(prefix, twin);
    const info = await lstat(path.join(root, ...existing.split("/"))).catch(() => undefined);
    return { requested: join(prefix, name), existing, type: info?.isDirectory() ? "folder" : "file" };
  }
  return undefined;
}

/**
 * The 409 for a case twin. `action` is what the request tried ("create", "move to"); the message names the
 * existing entry and the spelling to use instead.
 */
export function caseConflict(action: string, relative: string, twin: CaseTwin): ConflictError {
  const instead = `${twin.existing}${relative.slice(twin.requested.length)}`;
  const clash =
    twin.requested === relative
      ? `the ${twin.type} "${twin.existing}" exists, and Azure Files, which ignores letter case in names, would take both for one ${twin.type}`
      : `the ${twin.type} "${twin.existing}" exists, and Azure Files, which ignores letter case in names, would take "${twin.requested}" for it`;
  return new ConflictError(`Cannot ${action} "${relative}": ${clash}. Use "${instead}", or rename "${twin.existing}" first.`, {
    code: "case_conflict",
    details: { path: relative, existing: twin.existing },
  });
}

const join = (prefix: string, name: string) => (prefix === "" ? name : `${prefix}/${name}`);

async function listFolder(absolute: string): Promise<string[] | undefined> {
  try {
    return await readdir(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}
