// The rules every draft edit checks: drafts exist only on a connected workspace, hold a bounded number of
// paths, never hold two spellings of one name (Azure Files would take them for one: see find-case-twin.ts),
// and change files only.
import type { ConnectionRecord } from "../connection/connection-record.js";
import { BadRequestError, ConflictError, PayloadTooLargeError } from "../errors.js";
import { caseConflict, findCaseTwin } from "../workspace/find-case-twin.js";
import { caseFoldKey } from "../workspace/share-names.js";
import type { DraftChange } from "../api-types.js";
import { MAX_DRAFT_TOTAL_BYTES, type DraftCallOptions, type DraftDeps } from "./draft-deps.js";

/** The connection record; 409 `not_connected` when GitHub does not manage the workspace. */
export async function assertDraftable(deps: DraftDeps, options: DraftCallOptions = {}): Promise<ConnectionRecord> {
  const stored = await deps.connections.get(options);
  if (!stored) {
    throw new ConflictError("The workspace is not connected to GitHub: there is nothing to propose to. Edit the workspace's files directly.", {
      code: "not_connected",
    });
  }
  return stored.record;
}

// The rules below take the draft's changes as listed once by the caller (one table query per edit, not one per rule).

/** 413 when the draft, whose other changes are `others`, already holds as many paths as it may. */
export function assertRoomFor(deps: DraftDeps, others: readonly DraftChange[]): void {
  if (others.length >= deps.maxChanges) {
    throw new PayloadTooLargeError(
      `Your draft already changes ${others.length} paths, the most one draft may hold. Open a pull request with these, or discard some, then go on.`,
      { code: "draft_full", details: { maxChanges: deps.maxChanges } },
    );
  }
}

/** 413 when the draft's other changes (`others`) and `bytes` more would pass MAX_DRAFT_TOTAL_BYTES. */
export function assertTotalRoom(deps: DraftDeps, others: readonly DraftChange[], bytes: number): void {
  const held = others.reduce((sum, c) => sum + (c.size ?? 0), 0);
  const max = deps.maxTotalBytes ?? MAX_DRAFT_TOTAL_BYTES;
  if (held + bytes > max) {
    throw new PayloadTooLargeError(
      `Your draft would hold more than ${Math.round((max / 1024 / 1024) * 10) / 10} MiB of content. Open a pull request with what it has, or discard some changes, then go on.`,
      { code: "draft_full", details: { maxTotalBytes: max } },
    );
  }
}

/** 409 `case_conflict` when `relative` (a path the draft adds) is another spelling of a workspace entry or of a path the draft (`changes`) adds. */
export async function draftCaseTwin(deps: DraftDeps, changes: readonly DraftChange[], relative: string, options: { allow?: string } = {}): Promise<void> {
  const twin = await findCaseTwin(deps.workspaceDir, relative, { allow: options.allow });
  if (twin) throw caseConflict("add", relative, twin);
  const mine = relative.split("/");
  for (const change of changes) {
    if (change.kind !== "added" || change.path === options.allow || change.path === relative) continue;
    const theirs = change.path.split("/");
    // The same name, or a folder of it, spelled another way (`Src/x.ts` beside the draft's `src/y.ts`).
    for (let i = 1; i <= Math.min(mine.length, theirs.length); i++) {
      const a = mine.slice(0, i).join("/");
      const b = theirs.slice(0, i).join("/");
      if (a === b) continue;
      if (caseFoldKey(a) === caseFoldKey(b)) {
        throw new ConflictError(
          `Cannot add "${relative}": your draft adds "${change.path}", and Azure Files, which ignores letter case in names, would take "${a}" and "${b}" for one. Use one spelling.`,
          { code: "case_conflict", details: { path: relative, existing: change.path } },
        );
      }
      break;
    }
  }
}

export function notAFile(relative: string, kind: "folder" | "other"): BadRequestError {
  return new BadRequestError(
    kind === "folder" ? `"${relative}" is a folder in the workspace: a draft changes files.` : `"${relative}" is not a regular file (a link?): a draft changes files only.`,
    { code: "not_a_file" },
  );
}
