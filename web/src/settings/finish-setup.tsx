// For the one-hour setup session (the first admin came in with the setup code, AUTH_MODE=github): what is
// left to do. Create the GitHub App below; then "Sign in with GitHub", which makes their login the first admin
// (github-app/sign-in/sign-in-with-github.ts) and ends the setup session.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { startSignIn } from "../api/auth.js";
import { getAppRegistration, type AppRegistration } from "../api/github.js";
import { useRedirect } from "../ui/use-redirect.js";

export function FinishSetup() {
  const [registration, setRegistration] = useState<AppRegistration | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const { busy, error: signInError, go: signIn } = useRedirect(startSignIn);
  const error = signInError ?? loadError;
  useEffect(() => {
    getAppRegistration().then(setRegistration, (e: unknown) => setLoadError(describeError(e)));
  }, []);
  return (
    <section class="card banner-readonly" aria-labelledby="finish-setup-title">
      <h2 id="finish-setup-title">Finish setting up</h2>
      {registration?.registered ? (
        <>
          <p>
            The GitHub App exists. Sign in with GitHub now: your GitHub login becomes the first admin, and this one-hour setup session ends. Give
            others their roles with <code>AUTH_READERS</code>, <code>AUTH_OPERATORS</code> and <code>AUTH_ADMINS</code>.
          </p>
          <button type="button" class="primary" disabled={busy} onClick={() => void signIn()}>Sign in with GitHub</button>
        </>
      ) : (
        <p>
          You are admin for one hour through the setup code. Create the GitHub App below (step 1 of 3); then sign in with GitHub, and your login stays
          admin.
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
