// "Open pull request": first the check (GET /api/drafts/mine/check) says what would happen — the commit the
// branch starts from, where the branch is now, whose name the commit carries, and each file that changed since the
// draft started (a conflict) — and the button stays disabled, with the reason beside it, while it cannot go ahead.
// Then a title (required) and a description. The answer is the pull request (201), or GitHub's authorization
// first (202: the browser goes there and comes back to /editor?proposed=N or ?proposeError=).
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../../api/client.js";
import { checkDraft, conflictsOf, proposeDraft, type DraftAuthorMode, type DraftCheck, type DraftConflict, type DraftProposal } from "../../api/drafts.js";
import type { ConnectionStatus } from "../../api/github.js";
import { githubCommitUrl } from "../../session.js";
import { Dialog } from "../../ui/dialog.js";

export const AUTHOR_WORDS: Record<DraftAuthorMode, string> = {
  user: "as you (your GitHub account)",
  app: "by the funcspace App, naming you in the commit",
  pat: "with the connection's token, naming you in the commit",
};

export interface ProposeDialogProps {
  status: ConnectionStatus | undefined;
  onClose: () => void;
  /** The pull request was opened (the draft is empty now). */
  onOpened: (proposal: DraftProposal) => Promise<void>;
}

type Checked = { state: "checking" } | { state: "checked"; check: DraftCheck } | { state: "failed"; error: string };

export function ProposeDialog({ status, onClose, onOpened }: ProposeDialogProps) {
  const [checked, setChecked] = useState<Checked>({ state: "checking" });
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [refused, setRefused] = useState<DraftConflict[]>([]);
  const title = useRef<HTMLInputElement>(null);

  const runCheck = async () => {
    setChecked({ state: "checking" });
    try {
      setChecked({ state: "checked", check: await checkDraft() });
    } catch (reason) {
      setChecked({ state: "failed", error: describeError(reason) });
    }
  };
  useEffect(() => {
    title.current?.focus();
    void runCheck();
  }, []);

  const check = checked.state === "checked" ? checked.check : undefined;
  const conflicts = check?.conflicts.length ? check.conflicts : refused;
  const blocked = checked.state === "checking" ? "Checking your draft against the branch…" : checked.state === "failed" ? checked.error : check?.canPropose ? undefined : check?.reason;

  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setSubmitting(true);
    setError(undefined);
    try {
      const answer = await proposeDraft(String(data.get("title") ?? "").trim(), String(data.get("body") ?? ""));
      if (answer.kind === "authorize") {
        // GitHub asks the person to authorize the App to write as them, then sends the browser back to the editor.
        window.location.assign(answer.url);
        return;
      }
      const { kind: _kind, ...proposal } = answer;
      await onOpened(proposal);
    } catch (reason) {
      setError(describeError(reason));
      const found = conflictsOf(reason);
      if (found.length > 0) {
        setRefused(found);
        await runCheck();
      }
    } finally {
      setSubmitting(false);
    }
  };

  const commitLink = (sha: string) => {
    const url = status && githubCommitUrl(status, sha);
    return url ? <a href={url} target="_blank" rel="noreferrer"><code>{sha.slice(0, 7)}</code></a> : <code>{sha.slice(0, 7)}</code>;
  };

  return (
    <Dialog
      title="Open pull request"
      wide
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" form="propose-form" class="primary" disabled={blocked !== undefined || submitting} aria-describedby={blocked ? "propose-blocked" : undefined}>
            {submitting ? "Opening…" : "Open pull request"}
          </button>
        </>
      }
    >
      {check && (
        <dl class="facts" data-testid="propose-check">
          <dt>Into</dt>
          <dd><code>{check.repository}</code>, branch <code>{check.branch}</code></dd>
          <dt>Base commit</dt>
          <dd>{commitLink(check.baseSha)} (the workspace's commit, where your draft starts)</dd>
          <dt>Branch head</dt>
          <dd>
            {commitLink(check.headSha)} {check.headSha === check.baseSha ? "(the same commit)" : `(${check.branch} has moved on since)`}
          </dd>
          <dt>Commit</dt>
          <dd data-testid="propose-author">Made {AUTHOR_WORDS[check.author]}</dd>
        </dl>
      )}
      {conflicts.length > 0 && (
        <section aria-labelledby="propose-conflicts-title" data-testid="propose-conflicts">
          <h3 id="propose-conflicts-title">Conflicts</h3>
          <ul class="conflict-list">
            {conflicts.map((conflict) => (
              <li key={conflict.path}>
                <code>{conflict.path}</code>: {conflict.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <form id="propose-form" onSubmit={(event) => void submit(event)}>
        <div class="field">
          <label for="propose-title">
            Title <span class="required" aria-hidden="true">*</span>
          </label>
          <input ref={title} id="propose-title" type="text" name="title" required maxLength={256} autocomplete="off" aria-required="true" />
        </div>
        <div class="field">
          <label for="propose-body">Description</label>
          <textarea id="propose-body" name="body" rows={5} />
        </div>
      </form>
      {blocked && (
        <p id="propose-blocked" class={checked.state === "checking" ? "muted" : "error"} role={checked.state === "checking" ? "status" : "alert"}>
          {blocked}
        </p>
      )}
      {error && !blocked && <p class="error" role="alert">{error}</p>}
    </Dialog>
  );
}
