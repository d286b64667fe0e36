// The page for a visitor who is not signed in (AUTH_MODE=github): "Sign in with GitHub", the reason a sign-in
// came back refused (`/?signInError=…`), and on a fresh server the one-time setup code that makes the first
// admin, who creates the GitHub App in Settings → GitHub and then signs in with GitHub like everyone else.
import { useState } from "preact/hooks";
import { ApiError, describeError } from "../api/client.js";
import { redeemSetupCode, startSignIn } from "../api/auth.js";
import { navigate } from "../router.js";
import { loadSession, session, signInError } from "../session.js";
import { useStore } from "../store.js";
import { useRedirect } from "../ui/use-redirect.js";

export function SignInPage() {
  const current = useStore(session);
  const returnedError = useStore(signInError);
  const { busy, error, go } = useRedirect(startSignIn);
  const [notice, setNotice] = useState<string | undefined>();
  const signIn = () => go(() => signInError.set(undefined));

  return (
    <div class="auth-page">
      <section class="card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to funcspace</h1>
        {returnedError && (
          <p class="error" role="alert">
            Signing in did not work: {returnedError}
          </p>
        )}
        <p>funcspace signs you in with your GitHub account. What you may do (read, run, or change code) is the role an admin gave your login.</p>
        <button type="button" class="primary" disabled={busy} onClick={() => void signIn()}>
          Sign in with GitHub
        </button>
        {busy && <span class="muted"> Opening GitHub…</span>}
        {error && <p class="error" role="alert">{error}</p>}
        {notice && <p class="banner" role="status">{notice}</p>}
      </section>
      {current.setupRequired && <SetupCodeForm onSetupDone={setNotice} />}
    </div>
  );
}

function SetupCodeForm({ onSetupDone }: { onSetupDone: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (event: Event) => {
    event.preventDefault();
    const field = (event.currentTarget as HTMLFormElement).elements.namedItem("code") as HTMLInputElement;
    setBusy(true);
    setError(undefined);
    try {
      await redeemSetupCode(field.value.trim());
      field.value = "";
      // A one-hour admin session: create the GitHub App, then sign in with GitHub to stay admin.
      await loadSession();
      navigate("/settings/github", { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.code === "setup_done") {
        onSetupDone(e.message);
        await loadSession();
      } else {
        setError(describeError(e));
        setBusy(false);
      }
    }
  };

  return (
    <section class="card" aria-labelledby="setup-title">
      <h2 id="setup-title">First run: enter the setup code from the server log</h2>
      <p>
        No GitHub App exists yet, so nobody can sign in with GitHub. The server printed a one-time code in its log (
        <code>first-run setup code: ABCD-EFGH-JKLM</code>). It gives you an hour as admin to create the GitHub App in Settings → GitHub; then
        sign in with GitHub and your login stays admin.
      </p>
      <form class="inline-form" onSubmit={(event) => void submit(event)} autocomplete="off">
        <label for="setup-code">Setup code</label>
        <input
          id="setup-code"
          name="code"
          type="text"
          required
          spellcheck={false}
          autocomplete="off"
          placeholder="ABCD-EFGH-JKLM"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "setup-code-error" : undefined}
        />
        <button type="submit" class="primary" disabled={busy}>
          Continue
        </button>
      </form>
      {error && (
        <p class="error" id="setup-code-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
