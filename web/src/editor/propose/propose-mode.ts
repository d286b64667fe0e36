// Propose mode: while GitHub manages the workspace (read-only), an admin edits their own draft instead, kept on
// the server (GET /api/drafts/mine) and opened as a pull request. This store says whether the editor is in that
// mode and holds the draft's changes as last read; the editor's file calls go to the draft while it is on
// (editor-files.ts). Nothing here imports the editor's store, which reads this one.
import { getDraft, type Draft, type DraftChange, type DraftChangeKind } from "../../api/drafts.js";
import { canWrite, connection, session } from "../../session.js";
import { createStore } from "../../store.js";

/** A note above the editor about the draft: a pull request opened from it, or why one was not. */
export type ProposeNotice = { kind: "opened"; number: number; url: string | undefined } | { kind: "error"; message: string };

export interface ProposeState {
  /** The person chose to propose changes (or came back to a draft with changes). */
  on: boolean;
  /**
   * The mode just switched and the open tabs are being read again from the other side: the editor stays read-only
   * meanwhile, or what is typed would be replaced by the version being read.
   */
  settling: boolean;
  /** The draft as last read; `undefined` until then. */
  draft: Draft | undefined;
  notice: ProposeNotice | undefined;
}

export const proposeMode = createStore<ProposeState>({ on: false, settling: false, draft: undefined, notice: undefined });

/** Drafts exist for admins of a GitHub-connected workspace only; every other person keeps the read-only editor. */
export function canPropose(): boolean {
  return connection.get()?.connected === true && canWrite(session.get());
}

/** The editor edits the draft now (the mode is on, and still allowed: GitHub may have been disconnected since). */
export function isProposing(): boolean {
  return proposeMode.get().on && canPropose();
}

let generation = 0;

/** Counts the mode's switches: a read that started before one is about the other side (editor-files.ts). */
export function modeGeneration(): number {
  return generation;
}

/** The editor edits the draft and may be typed in (the tabs hold the draft's versions). */
export function canEditDraft(): boolean {
  return isProposing() && !proposeMode.get().settling;
}

/** Switches the mode; `settling` until the caller has read the tabs again (settleProposing). */
export function setProposing(on: boolean): void {
  if (on !== proposeMode.get().on) generation++;
  proposeMode.set((state) => ({ ...state, on, settling: true }));
}

export function settleProposing(): void {
  proposeMode.set((state) => ({ ...state, settling: false }));
}

export function setProposeNotice(notice: ProposeNotice | undefined): void {
  proposeMode.set((state) => ({ ...state, notice }));
}

/** Reads the draft again (after every change made to it: the tree's marks and the Changes panel follow it). */
export async function refreshDraft(): Promise<Draft> {
  const draft = await getDraft();
  proposeMode.set((state) => ({ ...state, draft }));
  return draft;
}

/** The draft's change of `path` as last read. */
export function draftChangeOf(path: string): DraftChange | undefined {
  return proposeMode.get().draft?.changes.find((change) => change.path === path);
}

/** Path → what the draft does to it, for the tree's marks. */
export function draftMarks(draft: Draft | undefined): Record<string, DraftChangeKind> {
  return Object.fromEntries((draft?.changes ?? []).map((change) => [change.path, change.kind]));
}
