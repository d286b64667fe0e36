// Settings → GitHub: how the workspace is connected, or how to connect it: the App (recommended, with why) and
// a personal access token as the fallback, each a numbered flow.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { connect, getAppRegistration, type AppRegistration, type ConnectRequest, type SyncPreview } from "../api/github.js";
import { navigate, useLocation } from "../router.js";
import { connection, refreshConnection, session } from "../session.js";
import { useStore } from "../store.js";
import { tryConnect } from "./connect-flow.js";
import { AppConnect } from "./connect-forms.js";
import { ConnectedView } from "./connected-view.js";
import { FinishSetup } from "./finish-setup.js";
import { OverwriteDialog } from "./overwrite-dialog.js";
import { PatConnect } from "./pat-connect.js";
import { SettingsNav } from "./settings-nav.js";

interface PendingConfirmation {
  request: ConnectRequest;
  preview?: SyncPreview;
  previewError?: string;
  error?: string;
  busy: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function GitHubSettingsPage() {
  const status = useStore(connection);
  const current = useStore(session);
  const url = useLocation();
  const [pending, setPending] = useState<PendingConfirmation | undefined>();
  const installationId = Number(url.searchParams.get("installation_id") ?? url.searchParams.get("installationId") ?? "") || undefined;
  const createdApp = url.searchParams.get("app");
  const notice = createdApp !== null ? `The GitHub App ${createdApp} was created. Now connect it to your repository.` : url.searchParams.get("error");

  const [registration, setRegistration] = useState<AppRegistration | undefined>();
  const [registrationError, setRegistrationError] = useState<string | undefined>();

  useEffect(() => void refreshConnection(), []);
  useEffect(() => {
    if (!status || status.connected) return;
    getAppRegistration().then(setRegistration, (e: unknown) => setRegistrationError(describeError(e)));
  }, [status?.connected]);

  const onConnect = async (request: ConnectRequest): Promise<void> => {
    const outcome = await tryConnect(request);
    if (outcome.connected) return finish();
    // Wait for the user's decision in the dialog; the form shows an error only if they never connect.
    await new Promise<void>((resolve, reject) => {
      setPending({ request, busy: false, resolve, reject });
      outcome.preview.then(
        (preview) => setPending((p) => p && { ...p, preview }),
        (error: unknown) => setPending((p) => p && { ...p, previewError: describeError(error) }),
      );
    });
  };

  const finish = async () => {
    await refreshConnection();
    if (installationId || createdApp !== null) navigate("/settings/github", { replace: true });
  };

  const confirm = async () => {
    if (!pending) return;
    setPending({ ...pending, busy: true, error: undefined });
    try {
      await connect(pending.request, true);
      pending.resolve();
      setPending(undefined);
      await finish();
    } catch (error) {
      setPending({ ...pending, busy: false, error: describeError(error) });
    }
  };

  return (
    <div class="settings-page">
      <h1>Settings · GitHub</h1>
      <SettingsNav />
      {notice && <p class="banner" role="status">{notice}</p>}
      {current.provider === "setup" && <FinishSetup />}
      {!status && <p class="muted">Loading…</p>}
      {status?.connected && <ConnectedView status={status} />}
      {status && !status.connected && (
        <>
          <p class="muted">Connect a repository and the workspace follows it: every push is synced here, and editing moves to GitHub.</p>
          <div class="connect-options">
            <AppConnect onConnect={onConnect} installationId={installationId} registration={registration} registrationError={registrationError} />
            <PatConnect onConnect={onConnect} registration={registration} />
          </div>
        </>
      )}
      {pending && (
        <OverwriteDialog
          repository={pending.request.repository}
          branch={pending.request.branch}
          preview={pending.preview}
          previewError={pending.previewError}
          busy={pending.busy}
          error={pending.error}
          onCancel={() => {
            pending.reject(new Error("Not connected: the workspace was left as it is."));
            setPending(undefined);
          }}
          onConfirm={() => void confirm()}
        />
      )}
    </div>
  );
}
