// The caller's draft as the engine runs it: workspace-relative path → the draft's bytes, or null where the draft
// deletes the file (the engine's overlay: src/engine/README.md, "Draft runs").
import type { DraftCallOptions, DraftCaller, DraftDeps } from "./draft-deps.js";

export interface LoadedDraft {
  owner: string;
  files: Map<string, Uint8Array | null>;
}

export async function loadDraftOverlay(deps: DraftDeps, caller: DraftCaller, options: DraftCallOptions = {}): Promise<LoadedDraft> {
  const files = new Map<string, Uint8Array | null>();
  for (const change of await deps.drafts.readChanges(caller, options)) files.set(change.path, change.kind === "deleted" ? null : (change.content ?? Buffer.alloc(0)));
  return { owner: caller.name, files };
}
