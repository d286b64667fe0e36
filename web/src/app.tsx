// The shell: who is signed in (and so which page may show at all), navigation for their role, the page for
// the current path, and the guard that asks before the browser leaves a page with unsaved edits.
// Until `/api/auth/me` answers nothing else is called; a visitor who is not signed in sees the sign-in page
// and a person nobody invited sees "Ask to be invited", and neither makes any other API call.
import { useEffect } from "preact/hooks";
import { AppHeader } from "./app-header.js";
import { NotInvitedPage } from "./auth/not-invited-page.js";
import { SignInPage } from "./auth/sign-in-page.js";
import { SwaSignInPage } from "./auth/swa-sign-in-page.js";
import { EditorPage } from "./editor/editor-page.js";
import { hasUnsavedChanges } from "./editor/editor-store.js";
import { HealthPage } from "./health/health-page.js";
import { followLink, navigate, useLocation } from "./router.js";
import { RunsPage } from "./runs/runs-page.js";
import { connection, isAdmin, loadSession, refreshConnection, session, signInError, type Session } from "./session.js";
import { GitHubSettingsPage } from "./settings/github-settings-page.js";
import { SecretsSettingsPage } from "./settings/secrets-page.js";
import { SyncPage } from "./settings/sync-page.js";
import { useStore } from "./store.js";
import { WorkflowsPage } from "./workflows/workflows-page.js";

export function App() {
  const url = useLocation();
  const current = useStore(session);
  const status = useStore(connection);
  const returnedError = useStore(signInError);
  const invited = current.status === "ready" && current.signedIn && current.role !== null;

  useEffect(() => {
    void loadSession();
    // The callback's `?signInError=` is read once (session.ts); the address should not keep it.
    const address = new URL(location.href);
    if (address.searchParams.has("signInError")) {
      address.searchParams.delete("signInError");
      history.replaceState(null, "", address.pathname + address.search);
    }
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!hasUnsavedChanges()) return;
      event.preventDefault();
      // Older browsers need returnValue set to show the prompt.
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, []);

  useEffect(() => {
    if (invited) void refreshConnection();
  }, [invited]);

  useEffect(() => {
    // The live address, not this render's: a page may have navigated since (after the setup code, to Settings).
    if (invited && (location.pathname === "/" || location.pathname === "/index.html")) navigate("/editor", { replace: true });
  }, [url.pathname, invited]);

  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      {/* Not invited: the page itself names the person and offers the one sign-out. */}
      <AppHeader current={current} status={status} pathname={url.pathname} invited={invited} />
      <main id="main">
        {invited && returnedError && (
          <p class="banner banner-error" role="alert">
            Signing in did not work: {returnedError}{" "}
            <button type="button" class="link-button" onClick={() => signInError.set(undefined)}>Dismiss</button>
          </p>
        )}
        <Page current={current} pathname={url.pathname} />
      </main>
    </>
  );
}

function Page({ current, pathname }: { current: Session; pathname: string }) {
  if (current.status === "loading") return <p class="muted placeholder">Loading…</p>;
  if (current.status === "error") {
    return (
      <p class="placeholder" role="alert">
        <span class="error">funcspace could not tell who you are: {current.error}</span>{" "}
        <button type="button" onClick={() => void loadSession()}>Retry</button>
      </p>
    );
  }
  if (!current.signedIn) {
    if (current.authMode === "github") return <SignInPage />;
    // Behind Static Web Apps in Azure an anonymous visitor never gets here (SWA sends them to its login first);
    // on this machine it says where sign-in lives and how to sign in offline.
    return <SwaSignInPage />;
  }
  if (current.role === null) return <NotInvitedPage />;

  if (pathname.startsWith("/workflows")) return <WorkflowsPage />;
  if (pathname === "/runs" || pathname.startsWith("/runs/")) return <RunsPage />;
  if (pathname.startsWith("/sync")) return <SyncPage />;
  if (pathname.startsWith("/settings")) {
    if (isAdmin(current)) return pathname.startsWith("/settings/secrets") ? <SecretsSettingsPage /> : <GitHubSettingsPage />;
    return (
      <div class="placeholder">
        <h1>Settings</h1>
        <p>
          Settings change how the workspace is connected to GitHub and hold the secrets workflows read, so only admins can open them. You have the{" "}
          {current.role} role.{" "}
          <a href="/sync" onClick={followLink}>See the sync status</a>
        </p>
      </div>
    );
  }
  if (pathname.startsWith("/health")) return <HealthPage />;
  if (pathname === "/" || pathname === "/index.html" || pathname.startsWith("/editor")) return <EditorPage />;
  return (
    <div class="placeholder">
      <h1>Page not found</h1>
      <p>
        Nothing here. <a href="/editor" onClick={followLink}>Go to the editor</a>.
      </p>
    </div>
  );
}
