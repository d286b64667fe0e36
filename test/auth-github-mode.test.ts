// AUTH_MODE=github end to end at the HTTP level, against the GitHub stand-in (OAuth web flow, users, org and
// team memberships) and Azurite: the setup code admits the first admin, who creates the App; signing in with
// GitHub from that browser makes them admin; others get the roles configuration gives them (a login, an org, a
// team) or none; sessions rotate on sign-in, end on sign-out; a replayed or foreign callback is refused; nothing
// secret reaches the log. (The same path in Chromium: test/ui-auth-github.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSetupCode } from "../functions/announce-setup.js";
import { SECRET_NAMES } from "../src/azure/secret-names.js";
import { createCookieBrowser, type CookieBrowser } from "./support/cookie-browser.js";
import { classicToken } from "./support/pat-tokens.js";
import { startGitHubStandIn, type GitHubStandIn } from "./support/github-stand-in/index.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

const PUBLIC_URL = "https://funcspace.example.test";
let github: GitHubStandIn;
let host: TestHost;

beforeAll(async () => {
  github = await startGitHubStandIn({ userLogin: "ada" });
  github.addUser("ada", { orgs: { acme: { role: "admin" } } });
  github.addUser("tess", { orgs: { acme: { role: "member" } }, teams: ["acme/ops"] });
  github.addUser("olly", { orgs: { acme: { role: "member" } } });
  github.addUser("pam", { orgs: { acme: { role: "member", state: "pending" } } });
  github.addUser("eve");
  host = await startTestHost({ enableQueues: false, env: githubModeEnv({ AUTH_OPERATORS: "team:acme/ops", AUTH_READERS: "org:acme" }) });
});
afterAll(async () => {
  await host?.close();
  await github?.close();
});

const json = { "content-type": "application/json" };
const githubModeEnv = (extra: Record<string, string>) => ({ AUTH_MODE: "github", PUBLIC_URL, GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, ...extra });
const browser = () => createCookieBrowser(host, { publicUrl: PUBLIC_URL });
const me = async (b: CookieBrowser) => (await b.api("/api/auth/me")).json() as Promise<Record<string, unknown>>;

/** Signs in with GitHub as `login` in browser `b`; returns where the browser lands. */
async function signIn(b: CookieBrowser, login: string): Promise<URL> {
  github.signInAs(login);
  const start = await b.api("/api/auth/sign-in", { method: "POST" });
  expect(start.status).toBe(200);
  const { location } = (await start.json()) as { location: string };
  expect(location.startsWith(`${github.webUrl}/login/oauth/authorize?`)).toBe(true);
  expect(new URL(location).searchParams.get("redirect_uri")).toBe(`${PUBLIC_URL}/api/auth/callback`);
  return new URL((await b.browse(location)).url);
}

describe("AUTH_MODE=github", () => {
  let first: CookieBrowser;
  let setupCode: string;
  beforeAll(() => {
    first = browser();
  });

  it("before any App exists, says setup is needed and prints a one-time code that every instance agrees on", async () => {
    expect(await me(first)).toMatchObject({ authMode: "github", signedIn: false, setupRequired: true, roles: [] });
    expect((await first.api("/api/workspace/tree")).status).toBe(401);
    expect((await first.api("/api/auth/sign-in", { method: "POST" })).status).toBe(409); // no App to sign in with
    setupCode = (await announceSetupCode(host.services))!;
    expect(setupCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(host.logs.some((line) => line.includes(`first-run setup code: ${setupCode}`))).toBe(true);
    // Another instance (same storage and key) prints the same code.
    expect(await announceSetupCode(host.services)).toBe(setupCode);
  });

  it("admits the first admin with the code, once", async () => {
    const wrong = await first.api("/api/auth/setup", { method: "POST", headers: json, body: JSON.stringify({ code: "AAAA-BBBB-CCCC" }) });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: "invalid_setup_code" });
    const plain = await first.api("/api/auth/setup", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ code: setupCode }) });
    expect(plain.status).toBe(415);
    const ok = await first.api("/api/auth/setup", { method: "POST", headers: json, body: JSON.stringify({ code: setupCode.toLowerCase() }) });
    expect(ok.status).toBe(201);
    expect(ok.headers.getSetCookie().join()).toMatch(/^__Host-funcspace-session=[\w.-]+; Path=\/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax$/);
    expect(await me(first)).toMatchObject({ signedIn: true, provider: "setup", role: "admin" });
    const again = await browser().api("/api/auth/setup", { method: "POST", headers: json, body: JSON.stringify({ code: setupCode }) });
    expect(again.status).toBe(403);
  });

  it("the setup admin creates the App; setup is then over", async () => {
    const start = await first.api("/api/github/app/manifest", { method: "POST", headers: json, body: "{}" });
    expect(start.status).toBe(200);
    const form = (await start.json()) as { action: string; manifest: string };
    const { url } = await first.browse(form.action, { method: "POST", body: new URLSearchParams({ manifest: form.manifest }) });
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/settings\\?app=`));
    const registration = (await (await first.api("/api/github/app")).json()) as { slug: string; registeredBy: string };
    expect(registration.registeredBy).toBe("setup (one-time code)");
    // Org rules need the App on the org (GitHub answers memberships to an App's user token only there).
    await github.createInstallation(github.getApp(registration.slug)!.id, { account: "acme", repositories: "all" });
    expect(await me(browser())).toMatchObject({ signedIn: false, setupRequired: false });
    const late = await browser().api("/api/auth/setup", { method: "POST", headers: json, body: JSON.stringify({ code: setupCode }) });
    expect(late.status).toBe(409);
    expect(await announceSetupCode(host.services)).toBeUndefined();
  });

  it("signing in with GitHub from the setup browser makes that person admin, in a new session", async () => {
    const setupCookie = first.cookies.get("__Host-funcspace-session");
    const landed = await signIn(first, "ada");
    expect(landed.href).toBe(`${PUBLIC_URL}/`);
    const session = first.cookies.get("__Host-funcspace-session");
    expect(session).toBeDefined();
    expect(session).not.toBe(setupCookie);
    expect(await me(first)).toMatchObject({ signedIn: true, user: "ada", provider: "github", role: "admin", roles: ["reader", "operator", "admin"] });
    // The setup session ended with it.
    const old = await host.fetch("/api/workspace/tree", { headers: { cookie: `__Host-funcspace-session=${setupCookie}` } });
    expect(old.status).toBe(401);
    expect((await first.api("/api/workspace/files/hello.ts", { method: "PUT", body: "export default 1;\n" })).status).toBe(201);
  });

  it.each([
    ["a team in AUTH_OPERATORS", "tess", "operator"],
    ["an org in AUTH_READERS", "olly", "reader"],
    ["an org invitation not yet accepted", "pam", null],
    ["nobody's list", "eve", null],
  ])("gives %s (%s) the role %s", async (_label, login, role) => {
    const b = browser();
    expect((await signIn(b, login)).href).toBe(`${PUBLIC_URL}/`);
    expect(await me(b)).toMatchObject({ signedIn: true, user: login, role });
    const tree = await b.api("/api/workspace/tree");
    const run = await b.api("/api/github/sync", { method: "POST" });
    if (role === null) {
      expect(tree.status).toBe(403);
      expect(await tree.json()).toMatchObject({ error: "not_invited", message: expect.stringContaining(`signed in as ${login}`) });
    } else {
      expect(tree.status).toBe(200);
      expect(run.status).toBe(role === "operator" ? 404 : 403); // operators may sync (nothing is connected: 404)
    }
    expect((await b.api("/api/workspace/files/x.ts", { method: "PUT", body: "x" })).status).toBe(403);
  });

  it("refuses a callback replayed, finished in another browser, or denied on GitHub", async () => {
    const b = browser();
    github.signInAs("olly");
    const { location } = (await (await b.api("/api/auth/sign-in", { method: "POST" })).json()) as { location: string };
    const authorize = await fetch(location, { redirect: "manual" });
    const callback = authorize.headers.get("location")!;
    // Another browser (an attacker's link): no flow cookie.
    const foreign = await browser().hop(callback);
    expect(foreign.status).toBe(302);
    expect(foreign.headers.get("location")).toMatch(/\/\?signInError=/);
    expect(foreign.headers.getSetCookie().join()).not.toContain("funcspace-session");
    // The right browser signs in; the same callback again does not.
    expect((await b.hop(callback)).headers.get("location")).toBe(`${PUBLIC_URL}/`);
    const replay = await b.hop(callback);
    expect(replay.headers.get("location")).toMatch(/\/\?signInError=.*invalid.*expired/i);
    // The person clicks Cancel on GitHub.
    const c = browser();
    github.denyNextAuthorization();
    const denied = await signIn(c, "olly");
    expect(denied.searchParams.get("signInError")).toBeTruthy();
    expect(await me(c)).toMatchObject({ signedIn: false });
  });

  it("rotates the session on every sign-in and ends it on sign-out", async () => {
    const b = browser();
    await signIn(b, "olly");
    const firstCookie = `__Host-funcspace-session=${b.cookies.get("__Host-funcspace-session")}`;
    await signIn(b, "olly");
    const secondCookie = `__Host-funcspace-session=${b.cookies.get("__Host-funcspace-session")}`;
    expect(secondCookie).not.toBe(firstCookie);
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie: firstCookie } })).status).toBe(401);
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie: secondCookie } })).status).toBe(200);
    const out = await b.api("/api/auth/sign-out", { method: "POST" });
    expect(out.status).toBe(204);
    expect(b.cookies.has("__Host-funcspace-session")).toBe(false);
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie: secondCookie } })).status).toBe(401);
    // Cross-site sign-out (a page logging people out) is refused like any other cross-site write.
    await signIn(b, "olly");
    const forced = await b.api("/api/auth/sign-out", { method: "POST", headers: { "sec-fetch-site": "cross-site" } });
    expect(forced.status).toBe(403);
    expect((await b.api("/api/workspace/tree")).status).toBe(200);
  });

  it("never ignores its own rules for identity headers, and keeps secrets out of the log", async () => {
    const forged = await host.fetch("/api/workspace/tree", {
      headers: { "x-ms-client-principal": Buffer.from(JSON.stringify({ userId: "x", userRoles: ["authenticated", "admin"] })).toString("base64") },
    });
    expect(forged.status).toBe(401);
    const log = host.logs.join("\n");
    for (const name of [SECRET_NAMES.appClientSecret, SECRET_NAMES.appPrivateKey, SECRET_NAMES.appWebhookSecret, SECRET_NAMES.sessionSigningKey]) {
      const value = await host.services.secrets.get(name);
      expect(value, name).toBeTruthy();
      expect(log.includes(value!), name).toBe(false);
    }
    expect(log).not.toMatch(/gh[ur]_[A-Za-z0-9]{20,}/); // user and refresh tokens from the code exchange
    expect(log).not.toMatch(/funcspace-session=[\w-]{20,}/);
  });
});

describe("AUTH_REPOSITORY_ROLES=true: the permission on the connected repository gives a role", () => {
  let roles: TestHost;
  beforeAll(async () => {
    // Same storage, secrets (the App) and grants as the host above; the configuration adds repository roles.
    roles = await startTestHost({
      enableQueues: false,
      env: githubModeEnv({ AUTH_REPOSITORY_ROLES: "true", LOCAL_SECRETS_FILE: host.config.localSecretsFile }),
    });
  });
  afterAll(() => roles?.close());

  const on = (h: TestHost) => createCookieBrowser(h, { publicUrl: PUBLIC_URL });

  it("maps admin → admin, write → operator, read → reader, none → no role, once a repository is connected", async () => {
    const repo = await github.createRepository("acme/flows", { private: true, collaborators: { eve: "read", pam: "write", tess: "admin" } });
    await repo.commit({ "flows/hello.ts": "export default 1;\n" });
    // Before anything is connected, the repository gives nothing: eve has no role.
    const eveBefore = on(roles);
    await signIn(eveBefore, "eve");
    expect(await me(eveBefore)).toMatchObject({ user: "eve", role: null });

    // ada is admin through the setup grant (kept in storage, whatever the configuration): she connects acme/flows.
    const ada = on(roles);
    await signIn(ada, "ada");
    expect(await me(ada)).toMatchObject({ role: "admin" });
    const token = classicToken();
    github.addToken(token, { type: "classic", login: "ada", scopes: ["repo"] });
    const connected = await ada.api("/api/github/connection", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ kind: "pat", token, repository: "acme/flows", branch: "main", acknowledgeOverwrite: true }),
    });
    expect(connected.status).toBe(201);
    expect(await connected.json()).toMatchObject({ connectedBy: "ada" });

    for (const [login, role] of [["eve", "reader"], ["pam", "operator"], ["tess", "admin"], ["olly", null]] as const) {
      const b = on(roles);
      await signIn(b, login);
      expect(await me(b), login).toMatchObject({ user: login, role });
    }
    // Connected means read-only, for admins too; a reader from the repository still reads.
    const eve = on(roles);
    await signIn(eve, "eve");
    expect((await eve.api("/api/workspace/tree")).status).toBe(200);
    expect((await eve.api("/api/github/sync", { method: "POST" })).status).toBe(403);
    const disconnect = await ada.api("/api/github/connection", { method: "DELETE" });
    expect(disconnect.status).toBe(200);
    const history = (await (await ada.api("/api/github/sync-runs")).json()) as { runs: { trigger: string; requestedBy?: string }[] };
    expect(history.runs.find((r) => r.trigger === "disconnect")).toMatchObject({ requestedBy: "ada" });

    // A public repository: anyone on GitHub can read it, so reading gives no role; triage (granted) does.
    const open = await github.createRepository("acme/open", { private: false, collaborators: { eve: "triage" } });
    await open.commit({ "flows/hello.ts": "export default 1;\n" });
    const again = await ada.api("/api/github/connection", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ kind: "pat", token, repository: "acme/open", branch: "main", acknowledgeOverwrite: true }),
    });
    expect(again.status).toBe(201);
    for (const [login, role] of [["eve", "reader"], ["olly", null], ["pam", null]] as const) {
      const b = on(roles);
      await signIn(b, login);
      expect(await me(b), login).toMatchObject({ user: login, role });
    }
  });
});

