// A draft changeset as the engine runs it: the workspace with some files replaced, added or deleted, seen only
// by the draft's own worker thread (worker/overlay-hooks.ts serves the draft's content; worker/module-hooks.ts
// resolves imports against it). The workspace folder is never written: on a GitHub-connected workspace it is
// the repository's, and other runs use it at the same time.
import { BadRequestError } from "../errors.js";
import { normalizeRelativePath } from "../workspace/safe-path.js";

/** Workspace-relative POSIX paths → the draft's content, or null when the draft deletes that file. */
export type OverlayFiles = ReadonlyMap<string, Uint8Array | null>;

export interface DraftOverlay {
  /** Who owns the draft (recorded on the run: e.g. "alice"). */
  owner: string;
  /** Workspace-relative POSIX paths → the draft's content, or null when the draft deletes that file. */
  files: OverlayFiles;
}

/**
 * Checks a draft at the door: an owner, and paths that name files inside the workspace exactly as the files API
 * would write them (a path such as `a//b.ts` or `../x.ts` would match nothing, or something outside, when the
 * module hooks compare it with the URLs Node resolves). BadRequestError `invalid_draft` says what is wrong.
 */
export function checkDraftOverlay(overlay: DraftOverlay): void {
  if (typeof overlay?.owner !== "string" || overlay.owner.trim() === "") {
    throw new BadRequestError("A draft run needs the draft's owner.", { code: "invalid_draft" });
  }
  if (!(overlay.files instanceof Map)) throw new BadRequestError("A draft's files must be a Map of paths to contents.", { code: "invalid_draft" });
  for (const [relativePath, content] of overlay.files) {
    let normalized: string;
    try {
      normalized = normalizeRelativePath(relativePath);
    } catch (error) {
      throw new BadRequestError(`The draft's path "${String(relativePath)}" is not a workspace file: ${(error as Error).message}`, { code: "invalid_draft", cause: error });
    }
    if (normalized !== relativePath) {
      throw new BadRequestError(`The draft's path "${relativePath}" is not in normal form (write it "${normalized}").`, { code: "invalid_draft" });
    }
    if (content !== null && !(content instanceof Uint8Array)) {
      throw new BadRequestError(`The draft's "${relativePath}" must be bytes (Uint8Array), or null for a deleted file.`, { code: "invalid_draft" });
    }
  }
}

