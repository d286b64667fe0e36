// The page for a visitor who is not signed in behind Static Web Apps (AUTH_MODE=swa). In Azure SWA sends such a
// visitor to its login before this page loads; here it is what someone sees when they open the UI on this machine:
// through the SWA CLI (`npm run start:swa`, whose /.auth/login page needs a CDN and so fails offline), or on the
// local host's own URL, which has no /.auth at all. Each case says how to get in: the CLI's sign-in, or its cookie
// set by hand (the emulator reads the client principal, base64 JSON, from the StaticWebAppsAuthCookie cookie).
import { useEffect, useState } from "preact/hooks";

const SWA_CLI_URL = "http://127.0.0.1:4280/";

/** What the emulator's cookie holds: a client principal (who, and the roles to act with). */
const EXAMPLE_PRINCIPAL = { identityProvider: "github", userId: "1", userDetails: "you", userRoles: ["anonymous", "authenticated", "admin"] };

/** One line to paste into the browser console on the CLI's origin; `path=/` so every page and /api send it. */
export const COOKIE_SNIPPET = `document.cookie = "StaticWebAppsAuthCookie=" + btoa(JSON.stringify(${JSON.stringify(EXAMPLE_PRINCIPAL)})) + "; path=/"; location.reload();`;

type Front = "checking" | "swa" | "local-host";

export function SwaSignInPage() {
  const [front, setFront] = useState<Front>("checking");
  useEffect(() => {
    // SWA (Azure or the CLI) answers /.auth/me with the client principal; funcspace's local host has no /.auth.
    void fetch("/.auth/me", { headers: { accept: "application/json" }, cache: "no-store" })
      .then(async (response) => (response.ok && "clientPrincipal" in ((await response.json()) as object) ? "swa" : "local-host"))
      .catch((): Front => "local-host")
      .then(setFront);
  }, []);
  const onThisMachine = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(location.hostname);
  const login = `/.auth/login/github?post_login_redirect_uri=${encodeURIComponent(location.pathname + location.search)}`;

  return (
    <div class="auth-page">
      <section class="card" aria-labelledby="swa-sign-in-title">
        <h1 id="swa-sign-in-title">Sign in to funcspace</h1>
        {front === "checking" && <p class="muted">Checking how this page is served…</p>}
        {front === "swa" && (
          <>
            <p>Azure Static Web Apps signs you in with GitHub; what you may do is the role an admin invited you with.</p>
            <p>
              <a class="button primary" href={login}>Sign in with GitHub</a>
            </p>
          </>
        )}
        {front === "local-host" && (
          <div class="banner banner-readonly" role="status" data-testid="swa-not-here">
            <p>
              <strong>This is funcspace's local host, not the Static Web Apps front door.</strong> Under <code>AUTH_MODE=swa</code> signing in
              is done by the Static Web Apps CLI: run <code>npm run start:swa</code> in a second terminal and open{" "}
              <a href={SWA_CLI_URL}>{SWA_CLI_URL}</a>.
            </p>
            <p class="small">Without Static Web Apps, <code>npm start</code> (AUTH_MODE=local) makes you the admin on this machine.</p>
          </div>
        )}
      </section>
      {onThisMachine && front !== "checking" && (
        <section class="card" aria-labelledby="swa-emulator-title">
          <h2 id="swa-emulator-title">Signing in on this machine (the SWA CLI's emulator)</h2>
          <p>
            The CLI's login form at <code>/.auth/login/github</code> loads its script from a CDN, so offline it shows an unstyled page that cannot
            sign you in. The emulator only reads a cookie, which you can set yourself on <a href={SWA_CLI_URL}>{SWA_CLI_URL}</a>:
          </p>
          <ol>
            <li>
              Open the browser's developer tools (F12) on <code>{SWA_CLI_URL}</code>, Console tab.
            </li>
            <li>
              Paste this line and press Enter (change <code>userDetails</code> to your name, and the last role to <code>operator</code> or{" "}
              <code>reader</code> to try those):
              <pre class="code-snippet" data-testid="swa-cookie-snippet">{COOKIE_SNIPPET}</pre>
            </li>
          </ol>
          <p class="small muted">
            The cookie is <code>StaticWebAppsAuthCookie</code>, path <code>/</code>: base64 of the client principal{" "}
            <code>{JSON.stringify(EXAMPLE_PRINCIPAL)}</code>. Only the emulator accepts a cookie made by hand; Azure seals its own.
          </p>
          {front === "local-host" && <SetCookieHere />}
        </section>
      )}
    </div>
  );
}

/**
 * On the local host's own page: cookies are kept per host name, not per port (RFC 6265, section 8.5), so a cookie
 * set here on 127.0.0.1 is sent to the CLI on 127.0.0.1:4280 as well; one click instead of the console.
 */
function SetCookieHere() {
  const [done, setDone] = useState<string | undefined>();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const user = (form.elements.namedItem("user") as HTMLInputElement).value.trim() || "you";
    const role = (form.elements.namedItem("role") as HTMLSelectElement).value;
    const principal = { ...EXAMPLE_PRINCIPAL, userDetails: user, userRoles: ["anonymous", "authenticated", role] };
    document.cookie = `StaticWebAppsAuthCookie=${btoa(JSON.stringify(principal))}; path=/; SameSite=Lax`;
    setDone(`${user} (${role})`);
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Set the emulator's cookie here">
      <label>
        User <input type="text" name="user" defaultValue="you" autocomplete="off" spellcheck={false} />
      </label>
      <label>
        Role{" "}
        <select name="role" defaultValue="admin">
          <option value="admin">admin</option>
          <option value="operator">operator</option>
          <option value="reader">reader</option>
        </select>
      </label>
      <button type="submit">Set the cookie</button>
      {done && (
        <span role="status">
          Set for {done}: open <a href={SWA_CLI_URL}>{SWA_CLI_URL}</a>
        </span>
      )}
    </form>
  );
}
