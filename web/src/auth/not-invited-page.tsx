// The page for a person who is signed in but holds no role: who they are, that nobody invited them yet, and
// how an admin invites them in this deployment. Nothing else is shown or called for them.
import { session, providerLabel } from "../session.js";
import { useStore } from "../store.js";
import { SignOut } from "./sign-out.js";

export function NotInvitedPage() {
  const current = useStore(session);
  return (
    <div class="auth-page">
      <section class="card" aria-labelledby="not-invited-title">
        <h1 id="not-invited-title">Ask to be invited</h1>
        <p>
          You are signed in as <strong data-testid="signed-in-user">{current.user ?? "(unnamed)"}</strong> ({providerLabel(current.provider)}), but
          nobody has invited you to this funcspace yet.
        </p>
        {current.authMode === "swa" ? (
          <p>
            Ask an admin to invite you in the Azure portal: the Static Web App → <em>Role management</em> → <em>Invite</em>, for your GitHub
            login <strong>{current.user}</strong>, with the role <code>reader</code> (see the workspace, workflows and runs), <code>operator</code>{" "}
            (also run workflows and sync) or <code>admin</code> (also change code, settings and GitHub). Then open the invitation link they send
            you.
          </p>
        ) : (
          <p>
            Ask an admin to add your GitHub login <strong>{current.user}</strong> to the server's <code>AUTH_READERS</code> (see the workspace,
            workflows and runs), <code>AUTH_OPERATORS</code> (also run workflows and sync) or <code>AUTH_ADMINS</code> (also change code,
            settings and GitHub), or to invite you to an organisation or team listed there. Roles are read when you sign in: once invited, sign
            out and sign in again.
          </p>
        )}
        <SignOut />
      </section>
    </div>
  );
}
