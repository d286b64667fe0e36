// Signing out, by mode: github → POST /api/auth/sign-out, then a fresh page (no state of the old session
// stays); swa → SWA's /.auth/logout; local (npm start) → nothing to sign out of.
import { useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { signOut } from "../api/auth.js";
import { session } from "../session.js";
import { useStore } from "../store.js";

export function SignOut() {
  const current = useStore(session);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  if (current.authMode === "swa") return <a href="/.auth/logout">Sign out</a>;
  if (current.authMode !== "github" || !current.signedIn) return null;
  const leave = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await signOut();
      window.location.assign("/");
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="link-button" disabled={busy} onClick={() => void leave()}>
        Sign out
      </button>
      {error && (
        <span class="error" role="alert">
          {" "}
          {error}
        </span>
      )}
    </>
  );
}
