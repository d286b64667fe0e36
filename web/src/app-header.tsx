// The header: the brand, navigation for the person's role, the GitHub connection and who is signed in. On a
// narrow window (below styles.css's 800 px breakpoint) the navigation and the account fold into a Menu button
// (a disclosure: Escape or a followed link closes it, the focus going back to the button).
import { useEffect, useRef, useState } from "preact/hooks";
import { SignOut } from "./auth/sign-out.js";
import { followLink } from "./router.js";
import { isAdmin, type Session } from "./session.js";
import type { ConnectionStatus } from "./api/github.js";
import { useNarrowLayout } from "./ui/use-narrow-layout.js";

const PAGES = [
  { path: "/editor", label: "Editor" },
  { path: "/workflows", label: "Workflows" },
  { path: "/runs", label: "Runs" },
  { path: "/sync", label: "Sync", whenConnected: true },
  // Settings → GitHub first; the Settings navigation (settings/settings-nav.tsx) leads on to Secrets.
  { path: "/settings/github", section: "/settings", label: "Settings", adminOnly: true },
  { path: "/health", label: "Health" },
];

export interface AppHeaderProps {
  current: Session;
  status: ConnectionStatus | undefined;
  pathname: string;
  /** Signed in with a role: only then is there anything to navigate to. */
  invited: boolean;
}

export function AppHeader({ current, status, pathname, invited }: AppHeaderProps) {
  const narrow = useNarrowLayout();
  const [menuOpen, setMenuOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const open = narrow && menuOpen;

  // A followed link, or a window wide enough to show everything, closes the menu.
  useEffect(() => setMenuOpen(false), [pathname, narrow]);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !toggle.current?.contains(target)) setMenuOpen(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !open) return;
    event.preventDefault();
    setMenuOpen(false);
    toggle.current?.focus();
  };
  const onFocusOut = (event: FocusEvent) => {
    const next = event.relatedTarget as Node | null;
    if (open && next && !menu.current?.contains(next) && !toggle.current?.contains(next)) setMenuOpen(false);
  };

  return (
    <header class="app-header">
      <span class="brand">funcspace</span>
      {invited && (
        <>
          <button
            ref={toggle}
            type="button"
            class="menu-toggle"
            aria-expanded={open}
            aria-controls="main-menu"
            onClick={() => setMenuOpen(!open)}
            onKeyDown={onKeyDown}
          >
            Menu
          </button>
          <div ref={menu} id="main-menu" class="header-menu" data-open={open || undefined} onKeyDown={onKeyDown} onFocusOut={onFocusOut}>
            <nav aria-label="Main">
              {PAGES.filter((p) => (!p.adminOnly || isAdmin(current)) && (!p.whenConnected || status?.connected)).map((p) => (
                <a key={p.path} href={p.path} onClick={followLink} aria-current={pathname.startsWith(p.section ?? p.path) ? "page" : undefined}>
                  {p.label}
                </a>
              ))}
            </nav>
            <span class="header-status">
              {status?.connected && (
                <a
                  href="/sync"
                  onClick={followLink}
                  class="badge badge-neutral github-badge"
                  title={status.pin ? "The workspace is pinned to one commit: pushes are recorded, not applied. See its sync status" : "The workspace follows this repository: see its sync status"}
                >
                  {/* A pin holds back every push: worth seeing from every page, and before the name an ellipsis may cut. */}
                  GitHub{status.pin && <> (pinned {status.pin.sha.slice(0, 7)})</>}: {status.repository}@{status.branch}
                </a>
              )}
              <Account current={current} />
            </span>
          </div>
        </>
      )}
    </header>
  );
}

function Account({ current }: { current: Session }) {
  return (
    <span class="account">
      <span class="account-user" data-testid="account-user">{current.user}</span>{" "}
      <span class="badge badge-role" data-testid="account-role" title="Your role in this funcspace">
        {current.role}
      </span>{" "}
      <SignOut />
    </span>
  );
}
