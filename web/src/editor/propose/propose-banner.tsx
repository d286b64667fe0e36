// Above the editor on a GitHub-connected workspace: the read-only banner, which offers admins "Propose changes";
// while proposing, the propose banner instead (where the edits go, how many there are, "Open pull request" and
// "Stop proposing"); and the notice of a pull request opened from the draft (or why GitHub's round trip failed).
// It also brings an admin back into propose mode when their draft has changes (the draft is on the server).
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../../api/client.js";
import type { DraftProposal } from "../../api/drafts.js";
import type { ConnectionStatus } from "../../api/github.js";
import { session } from "../../session.js";
import { useStore } from "../../store.js";
import { ConfirmDialog } from "../../ui/dialog.js";
import { hasUnsavedChanges } from "../editor-store.js";
import { ReadOnlyBanners, type ReadOnlyBannersProps } from "../read-only-banners.js";
import { useProposalReturn } from "./proposal-return.js";
import { afterDraftForgot, resumeProposing, startProposing, stopProposing } from "./propose-actions.js";
import { ProposeDialog } from "./propose-dialog.js";
import { canPropose, proposeMode, setProposeNotice, type ProposeNotice } from "./propose-mode.js";

export function ProposeBanner(props: ReadOnlyBannersProps) {
  const { status } = props;
  const state = useStore(proposeMode);
  const current = useStore(session);
  const [dialog, setDialog] = useState<"propose" | "stop" | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useProposalReturn();
  useEffect(() => void resumeProposing(), [status?.connected, current.roles.join()]);

  const allowed = canPropose();
  const proposing = state.on && allowed;
  const count = state.draft?.changes.length ?? 0;
  // GitHub disconnected (or the role taken away) while proposing: the tabs hold the draft's text, not the files'.
  useEffect(() => {
    if (state.on && !allowed && status !== undefined) void stopProposing();
  }, [allowed]);

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      setDialog(undefined);
    } catch (reason) {
      setError(describeError(reason));
    } finally {
      setBusy(false);
    }
  };
  const opened = async (proposal: DraftProposal) => {
    const changes = proposeMode.get().draft?.changes ?? [];
    setProposeNotice({ kind: "opened", number: proposal.number, url: proposal.url });
    setDialog(undefined);
    await afterDraftForgot(changes);
  };

  return (
    <>
      {proposing ? (
        <div class="banner banner-propose" data-testid="propose-banner">
          <p>
            <strong>
              Proposing changes to {status?.repository}@{status?.branch}
            </strong>{" "}
            — your edits go to your own draft, never to the workspace, and become a pull request.{" "}
            <span role="status" data-testid="draft-count">
              {count === 0 ? "No changes yet." : count === 1 ? "1 change." : `${count} changes.`}
            </span>
          </p>
          <div class="banner-actions">
            <button type="button" class="primary" onClick={() => setDialog("propose")}>Open pull request</button>
            <button type="button" disabled={busy} onClick={() => (hasUnsavedChanges() ? setDialog("stop") : void act(stopProposing))}>
              Stop proposing
            </button>
          </div>
        </div>
      ) : (
        <ReadOnlyBanners
          {...props}
          githubAction={
            allowed && (
              <button type="button" class="primary banner-action" disabled={busy} onClick={() => void act(startProposing)}>
                Propose changes
              </button>
            )
          }
        />
      )}
      {error && !dialog && <p class="error" role="alert">{error}</p>}
      {state.notice && <NoticeBanner notice={state.notice} status={status} />}
      {dialog === "propose" && <ProposeDialog status={status} onClose={() => setDialog(undefined)} onOpened={opened} />}
      {dialog === "stop" && (
        <ConfirmDialog
          title="Stop proposing?"
          message={<p>Files with unsaved changes lose them. What you saved stays in your draft, to come back to with Propose changes.</p>}
          confirmLabel="Stop proposing"
          danger
          busy={busy}
          error={error}
          onCancel={() => setDialog(undefined)}
          onConfirm={() => void act(stopProposing)}
        />
      )}
    </>
  );
}

function NoticeBanner({ notice, status }: { notice: ProposeNotice; status: ConnectionStatus | undefined }) {
  const dismiss = <button type="button" class="banner-action" onClick={() => setProposeNotice(undefined)}>Dismiss</button>;
  if (notice.kind === "error") {
    return (
      <div class="banner banner-error" role="alert" data-testid="propose-notice">
        <strong>The pull request was not opened:</strong> {notice.message} Your draft is kept. {dismiss}
      </div>
    );
  }
  const repositoryUrl = status?.repositoryUrl ?? (status?.repository ? `${status.githubWebUrl ?? "https://github.com"}/${status.repository}` : undefined);
  const url = notice.url ?? (repositoryUrl ? `${repositoryUrl}/pull/${notice.number}` : undefined);
  return (
    <div class="banner banner-good" role="status" data-testid="propose-notice">
      <strong>
        Pull request{" "}
        {url ? (
          <a href={url} target="_blank" rel="noreferrer">
            #{notice.number}
            <span class="visually-hidden"> (opens in a new tab)</span>
          </a>
        ) : (
          `#${notice.number}`
        )}{" "}
        opened.
      </strong>{" "}
      Your draft is empty again; the workspace changes once the pull request is merged and synced. {dismiss}
    </div>
  );
}
