// What the draft does to a path, as a letter (A, M, D, as git and most editors show it) that a screen reader
// hears in words: the letter is hidden from it and the words are hidden from the eye.
import type { DraftChangeKind } from "../../api/drafts.js";

const LETTERS: Record<DraftChangeKind, string> = { added: "A", modified: "M", deleted: "D" };

export const CHANGE_WORDS: Record<DraftChangeKind, string> = {
  added: "added in your draft",
  modified: "modified in your draft",
  deleted: "deleted in your draft",
};

export function ChangeBadge({ kind }: { kind: DraftChangeKind }) {
  return (
    <span class={`change-badge change-${kind}`} title={CHANGE_WORDS[kind]} data-change={kind}>
      <span aria-hidden="true">{LETTERS[kind]}</span>
      <span class="visually-hidden">, {CHANGE_WORDS[kind]}</span>
    </span>
  );
}
