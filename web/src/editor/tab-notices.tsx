// Notes above the editor about the active tab's version, none of them modal: the file changed or was deleted
// elsewhere (Reload / Show diff), the text a reload replaced (Restore), a note about a copy. And the hook that
// looks for changes made elsewhere whenever the window comes back into view or focus.
import { useEffect } from "preact/hooks";
import type { Tab } from "./editor-store.js";
import { checkOpenTabs, dismissKeptCopy, dismissNote, reloadTheirs, restoreKeptCopy, showDiff } from "./tab-versions.js";

/**
 * Checks the open tabs' versions when the window regains focus or becomes visible (back from another browser
 * tab, app or window), and on arrival (tabs outlive a visit to another page).
 */
export function useOutsideChangeChecks(): void {
  useEffect(() => {
    const check = () => {
      if (document.visibilityState === "visible") void checkOpenTabs();
    };
    check();
    window.addEventListener("focus", check);
    document.addEventListener("visibilitychange", check);
    return () => {
      window.removeEventListener("focus", check);
      document.removeEventListener("visibilitychange", check);
    };
  }, []);
}

export function TabNotices({ tab }: { tab: Tab }) {
  return (
    <>
      {tab.outdated && !tab.conflict && <OutdatedNotice tab={tab} deleted={tab.outdated.etag === undefined} />}
      {tab.keptCopy !== undefined && (
        <div class="banner tab-notice" role="status" data-testid="kept-copy">
          Loaded the version on the server. Your previous text is kept until you save this file:{" "}
          <button type="button" onClick={() => restoreKeptCopy(tab.path)}>Restore my text</button>{" "}
          <button type="button" onClick={() => dismissKeptCopy(tab.path)}>Forget it</button>
          <span class="hint"> (Ctrl+Z in the editor brings it back too.)</span>
        </div>
      )}
      {tab.note && (
        <div class="banner tab-notice" role="status">
          {tab.note} <button type="button" onClick={() => dismissNote(tab.path)}>OK</button>
        </div>
      )}
    </>
  );
}

function OutdatedNotice({ tab, deleted }: { tab: Tab; deleted: boolean }) {
  if (deleted) {
    return (
      <div class="banner banner-readonly tab-notice" role="status" data-testid="outdated">
        <strong>{tab.path} was deleted</strong> outside this tab. Your text is still here; saving creates the file again.
      </div>
    );
  }
  return (
    <div class="banner banner-readonly tab-notice" role="status" data-testid="outdated">
      <strong>{tab.path} changed</strong> outside this tab (another tab, a person or a sync).{" "}
      {tab.dirty ? (
        <>
          You have unsaved changes: compare before choosing.{" "}
          <button type="button" class="primary" onClick={() => showDiff(tab.path)}>Show diff</button>{" "}
          <button type="button" onClick={() => void reloadTheirs(tab.path)}>Reload theirs</button>
        </>
      ) : (
        <>
          <button type="button" class="primary" onClick={() => void reloadTheirs(tab.path)}>Reload</button>{" "}
          <button type="button" onClick={() => showDiff(tab.path)}>Show diff</button>
        </>
      )}
    </div>
  );
}
