// The shell: navigation, the signed-in user, the page for the current path, and the guard that asks
// before the browser leaves a page with unsaved edits.
import { useEffect } from "preact/hooks";
import { EditorPage } from "./editor/editor-page.js";
import { hasUnsavedChanges } from "./editor/editor-store.js";
import { HealthPage } from "./health/health-page.js";
import { followLink, navigate, useLocation } from "./router.js";
import { connection, loadSession, refreshConnection, session } from "./session.js";
import { GitHubSettingsPage } from "./settings/github-settings-page.js";
import { useStore } from "./store.js";
import { WorkflowsPage } from "./workflows/workflows-page.js";

const PAGES = [
  { path: "/editor", label: "Editor" },
  { path: "/workflows", label: "Workflows" },
  { path: "/settings/github", label: "Settings", adminOnly: true },
  { path: "/health", label: "Health" },
];

export function App() {
  const url = useLocation();
  const user = useStore(session);
  const status = useStore(connection);

  useEffect(() => {
    void loadSession();
    void refreshConnection();
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
    if (url.pathname === "/" || url.pathname === "/index.html") navigate("/editor", { replace: true });
  }, [url.pathname]);

  const page = url.pathname.startsWith("/workflows") ? (
    <WorkflowsPage />
  ) : url.pathname.startsWith("/settings") ? (
    <GitHubSettingsPage />
  ) : url.pathname.startsWith("/health") ? (
    <HealthPage />
  ) : url.pathname === "/" || url.pathname.startsWith("/editor") ? (
    <EditorPage />
  ) : (
    <p class="placeholder">
      Nothing here. <a href="/editor" onClick={followLink}>Go to the editor</a>.
    </p>
  );

  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="app-header">
        <span class="brand">funcspace</span>
        <nav aria-label="Main">
          {PAGES.filter((p) => !p.adminOnly || user.isAdmin).map((p) => (
            <a key={p.path} href={p.path} onClick={followLink} aria-current={url.pathname.startsWith(p.path) ? "page" : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <span class="header-status">
          {status?.connected && (
            <span class="badge badge-neutral" title="The workspace follows this repository">
              GitHub: {status.repository}@{status.branch}
            </span>
          )}
          {user.viaSwa && (
            <>
              {" "}
              <span class="muted">{user.user}</span> <a href="/.auth/logout">Sign out</a>
            </>
          )}
        </span>
      </header>
      <main id="main">{page}</main>
    </>
  );
}
