// Renames a file in the draft (POST /api/drafts/mine/moves): the new path gets the file's content (the draft's
// version when the draft changed it) and notes where it came from; the old path becomes a deletion. Git has no
// renames: the pull request holds exactly this deletion and addition, which GitHub shows as a rename.
import type { DraftChange } from "../api-types.js";
import { BadRequestError, ConflictError, NotFoundError } from "../errors.js";
import { assertDraftable, notAFile } from "./draft-rules.js";
import type { DraftCallOptions, DraftCaller, DraftDeps } from "./draft-deps.js";
import { deleteDraftFile } from "./delete-draft-file.js";
import { checkDraftPath, writeDraftFile } from "./write-draft-file.js";
import { readWorkspaceVersion } from "./workspace-version.js";

export async function moveDraftFile(deps: DraftDeps, caller: DraftCaller, from: string, to: string, options: DraftCallOptions = {}): Promise<DraftChange | undefined> {
  const source = checkDraftPath(from);
  const target = checkDraftPath(to);
  if (source === target) throw new BadRequestError("The new name is the old one.", { code: "same_path" });
  await assertDraftable(deps, options);

  const sourceChange = await deps.drafts.getChange(caller, source, options);
  let content = sourceChange?.content;
  if (sourceChange?.kind === "deleted") throw new NotFoundError(`Your draft deletes "${source}": there is nothing to rename.`);
  if (!sourceChange) {
    const workspace = await readWorkspaceVersion(deps.workspaceDir, source);
    if (workspace.kind === "absent") throw new NotFoundError(`"${source}" is neither in the workspace nor in your draft.`);
    if (workspace.kind !== "file") throw notAFile(source, workspace.kind);
    content = workspace.content;
  }
  const targetChange = await deps.drafts.getChange(caller, target, options);
  const targetVersion = targetChange ? undefined : await readWorkspaceVersion(deps.workspaceDir, target);
  if ((targetChange && targetChange.kind !== "deleted") || targetVersion?.kind === "file" || targetVersion?.kind === "folder") {
    throw new ConflictError(`"${target}" exists already. Choose another name, or delete it first.`, { code: "exists" });
  }
  // Where the file first was: a file the draft added has no earlier place; a rename back to it is no rename.
  const origin = sourceChange?.kind === "added" ? sourceChange.renamedFrom : (sourceChange?.renamedFrom ?? source);
  const renamedFrom = origin === target ? undefined : origin;
  // A change of letter case only: the old spelling is the twin, and it goes away in the same draft.
  const moved = await writeDraftFile(deps, caller, target, content ?? Buffer.alloc(0), { ...options, renamedFrom, allowTwin: source });
  await deleteDraftFile(deps, caller, source, options);
  return moved;
}
