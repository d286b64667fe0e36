// The GitHub App path against the stand-in's App side: registration by manifest, "Connect with GitHub" with
// its state and installation checks, connecting a repository, the initial sync on an installation token,
// a push delivered to the App's webhook, and the installation being deleted. Also the branch picker's listing.
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_NAMES } from "../src/azure/secret-names.js";
import { readHostSettings } from "../local/host-json.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { queuedJobs, resetGitHubState } from "./support/github-app-fixtures.js";
import { createCookieBrowser, type CookieBrowser } from "./support/cookie-browser.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";

// The platform's public URL as GitHub knows it; requests to it are routed to the test host.
const PUBLIC_URL = "https://funcspace.example.test";
const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };

let github: GitHubStandIn;
let repo: StandInRepository;
let host: TestHost;
// JSON on every call: unsafe JSON routes refuse anything else (a cross-site form cannot send it).
const alice = { "x-ms-client-principal": swaPrincipalHeader(["admin"], "alice"), "content-type": "application/json" };
const mallory = { "x-ms-client-principal": swaPrincipalHeader(["admin"], "mallory"), "content-type": "application/json" };

beforeAll(async () => {
  github = await startGitHubStandIn();
  repo = await github.createRepository("octo-user/site");
  await repo.commit({ "flows/hello.ts": "export default () => 'hello';\n" });
  await github.createRepository("octo-user/other");
  host = await startTestHost({
    env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, PUBLIC_URL, AUTH_MODE: "swa" },
    settings,
    enableQueues: false,
  });
  await resetGitHubState(host);
});
afterAll(async () => {
  await host.close();
  await github.close();
});

/** Each person's browser keeps the cookies our host sets (the flow cookie that binds a redirect round trip). */
const browsers = new Map<Record<string, string>, CookieBrowser>();
function browserOf(who: Record<string, string>): CookieBrowser {
  let browser = browsers.get(who);
  if (!browser) {
    browser = createCookieBrowser(host, { publicUrl: PUBLIC_URL, headers: who, stopAt: (url) => url.href.startsWith(`${PUBLIC_URL}/settings`) });
    browsers.set(who, browser);
  }
  return browser;
}
const hop = (url: string, who: Record<string, string>, init: RequestInit = {}) => browserOf(who).hop(url, init);
const browse = (url: string, who: Record<string, string>, init: RequestInit = {}) => browserOf(who).browse(url, init);

/** Starts the manifest flow as `who`: the form the UI would post to GitHub. */
async function startManifest(who: Record<string, string>, body: Record<string, unknown> = {}) {
  const response = await hop(`${PUBLIC_URL}/api/github/app/manifest`, who, { method: "POST", body: JSON.stringify(body) });
  return { response, form: response.ok ? ((await response.json()) as { action: string; manifest: string }) : undefined };
}

/** Starts "Connect with GitHub" as `who`: where the UI sends the browser. */
async function startConnect(who: Record<string, string>): Promise<string> {
  const response = await hop(`${PUBLIC_URL}/api/github/connect`, who, { method: "POST" });
  expect(response.status).toBe(200);
  return ((await response.json()) as { location: string }).location;
}

/**
 * Branches at `sha`, written straight into the bare repository: a push would send the App one webhook per branch,
 * which only slows these tests down (github-stand-in.test.ts lists branches made by a real push).
 */
function createBranches(repository: StandInRepository, names: string[], sha: string): void {
  const commands = names.map((name) => `create refs/heads/${name} ${sha}\n`).join("");
  execFileSync("git", ["update-ref", "--stdin"], { cwd: repository.bareDir, input: commands });
}

describe("registration by manifest", () => {
  it("posts app.yml with the public URL to GitHub and stores the App's credentials from the code", async () => {
    // A GET starts nothing (a link on another site could): the flow starts with a same-origin POST.
    expect((await host.fetch("/api/github/app/manifest", { headers: alice })).status).toBe(405);
    const { response: page, form } = await startManifest(alice);
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie().join()).toMatch(/^__Host-funcspace-flow=[\w-]+; Path=\/; Max-Age=600; Secure; HttpOnly; SameSite=Lax$/);
    const { action } = form!;
    const manifest = JSON.parse(form!.manifest);
    expect(action.startsWith(`${github.webUrl}/settings/apps/new?state=`)).toBe(true);
    expect(manifest).toMatchObject({
      hook_attributes: { url: `${PUBLIC_URL}/api/github/webhooks` },
      redirect_url: `${PUBLIC_URL}/api/github/app/callback`,
      setup_url: `${PUBLIC_URL}/api/github/connect/callback`,
      public: false,
      callback_urls: [`${PUBLIC_URL}/api/github/connect/callback`, `${PUBLIC_URL}/api/auth/callback`],
      default_permissions: { contents: "write", pull_requests: "write", checks: "write", metadata: "read", members: "read" },
      default_events: ["push", "pull_request", "check_run"],
    });

    const { url } = await browse(action, alice, { method: "POST", body: new URLSearchParams({ manifest: JSON.stringify(manifest) }) });
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/settings\\?app=`));
    const registration = await (await host.fetch("/api/github/app", { headers: alice })).json();
    const app = github.getApp(registration.slug)!;
    expect(registration).toEqual({
      registered: true,
      appId: app.id,
      slug: app.slug,
      htmlUrl: `${github.webUrl}/apps/${app.slug}`,
      registeredBy: "alice",
      registeredAt: expect.any(String),
      githubWebUrl: github.webUrl,
      // PUBLIC_URL here is a .test name: the page warns that GitHub cannot deliver to it.
      delivery: expect.objectContaining({ reachable: false, webhookUrl: `${PUBLIC_URL}/api/github/webhooks` }),
    });
    expect(await host.services.secrets.get(SECRET_NAMES.appPrivateKey)).toBe(app.pem);
    expect(await host.services.secrets.get(SECRET_NAMES.appWebhookSecret)).toBe(app.webhookSecret);
    expect(JSON.stringify(registration)).not.toContain(app.clientSecret);
    // The App's webhooks must reach this test host (in real life: PUBLIC_URL, or a smee channel).
    app.webhookUrl = `${host.url}/api/github/webhooks`;
  });

  it("refuses to replace the registered App unless asked, and a tampered or foreign state", async () => {
    const { response: again } = await startManifest(alice);
    expect(again.status).toBe(409);
    expect((await again.json()).error).toBe("app_already_registered");
    const { form } = await startManifest(alice, { overwrite: true });
    const state = new URL(form!.action).searchParams.get("state")!;
    const callback = (who: Record<string, string>, value: string) => hop(`${PUBLIC_URL}/api/github/app/callback?code=abc&state=${encodeURIComponent(value)}`, who);
    const bad = await callback(alice, `${state.slice(0, -2)}xx`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe("invalid_state");
    // Another admin's browser (no flow cookie, another user), and the same user in a browser that did not start it.
    expect((await callback(mallory, state)).status).toBe(400);
    const otherBrowser = await host.fetch(`/api/github/app/callback?code=abc&state=${encodeURIComponent(state)}`, { headers: alice });
    expect(otherBrowser.status).toBe(400);
    const anonymous = await host.fetch(`/api/github/app/callback?code=abc&state=${encodeURIComponent(state)}`);
    expect(anonymous.status).toBe(401);
  });
});

describe("Connect with GitHub", () => {
  let installationId: number;

  it("installs, verifies the installation (this App's, visible to the user) and lists its repositories", async () => {
    const { url } = await browse(await startConnect(alice), alice);
    const landed = new URL(url);
    expect(landed.pathname).toBe("/settings");
    installationId = Number(landed.searchParams.get("installation_id"));
    expect(installationId).toBeGreaterThan(0);
    const listed = await (await host.fetch(`/api/github/installations/${installationId}/repositories`, { headers: alice })).json();
    expect(listed.repositories.map((r: { fullName: string }) => r.fullName).sort()).toEqual(["octo-user/other", "octo-user/site"]);
    expect(listed.repositories[0].defaultBranch).toBe("main");
  });

  it("lists a repository's branches on the installation token: every page, default branch first, 404 for a repository it cannot see", async () => {
    // 205 branches (some with "/"): three pages of 100 on GitHub's side.
    const many = await github.createRepository("octo-user/many-branches");
    const main = await many.commit({ "README.md": "# many\n" });
    const names = Array.from({ length: 205 }, (_, i) => (i % 3 ? `feature/${String(i).padStart(3, "0")}` : `fix-${String(i).padStart(3, "0")}`));
    createBranches(many, names, main);
    const listBranches = (id: number, repository: string, who: Record<string, string> = alice) => host.fetch(`/api/github/installations/${id}/repositories/${repository}/branches`, { headers: who });

    const before = github.requests.length;
    const listed = await listBranches(installationId, "octo-user/many-branches");
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { branches: { name: string; sha: string }[]; truncated: boolean };
    expect(body.truncated).toBe(false);
    expect(body.branches.map((b) => b.name)).toEqual(["main", ...[...names].sort()]);
    expect(body.branches.every((b) => b.sha === main)).toBe(true);
    const pages = github.requests.slice(before).filter((r) => r.path === "/api/v3/repos/octo-user/many-branches/branches");
    expect(pages).toHaveLength(3);

    // A repository outside the installation (GitHub answers 404), a malformed name, a user who is not admin.
    await github.createRepository("acme/private-things", { private: true });
    const hidden = await listBranches(installationId, "acme/private-things");
    expect(hidden.status).toBe(404);
    const { message } = (await hidden.json()) as { message: string };
    expect(message).toContain("cannot see acme/private-things");
    expect(message).toContain("Add the repository to the installation on GitHub");
    expect((await listBranches(installationId, "octo-user/no-such-repo")).status).toBe(404);
    const malformed = await listBranches(installationId, "-bad-/many-branches");
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toBe("invalid_repository");
    const reader = { "x-ms-client-principal": swaPrincipalHeader(["reader"], "bob") };
    expect((await listBranches(installationId, "octo-user/many-branches", reader)).status).toBe(403);
  });

  it("caps a branch listing at 1,000 and still offers the default branch first when it lies beyond the cap", async () => {
    const huge = await github.createRepository("octo-user/huge", { defaultBranch: "zz-main" });
    const main = await huge.commit({ "README.md": "# huge\n" });
    createBranches(huge, Array.from({ length: 1010 }, (_, i) => `b/${String(i).padStart(4, "0")}`), main);
    const response = await host.fetch(`/api/github/installations/${installationId}/repositories/octo-user/huge/branches`, { headers: alice });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { branches: { name: string; sha: string }[]; truncated: boolean };
    expect(body.truncated).toBe(true);
    expect(body.branches).toHaveLength(1001);
    expect(body.branches[0]).toEqual({ name: "zz-main", sha: main });
    expect(body.branches.at(-1)?.name).toBe("b/0999");
  });

  it("refuses a tampered state, a state started by another user, and installations that are not this App's or not the user's", async () => {
    const freshState = async () => new URL(await startConnect(alice)).searchParams.get("state")!;
    const state = await freshState();
    const tampered = await hop(`${PUBLIC_URL}/api/github/connect/callback?installation_id=1&state=${encodeURIComponent(`${state}x`)}`, alice);
    expect(tampered.status).toBe(400);
    const foreignUser = await hop(`${PUBLIC_URL}/api/github/connect/callback?installation_id=1&state=${encodeURIComponent(state)}`, mallory);
    expect(foreignUser.status).toBe(400);

    // Another App's installation, and an installation of ours the signed-in GitHub user cannot see.
    const other = await github.createApp({ name: "someone-elses-app" });
    const foreign = await github.createInstallation(other.id, { account: "octo-user", repositories: "all" });
    const ours = github.getApp((await (await host.fetch("/api/github/app", { headers: alice })).json()).slug)!;
    const hidden = await github.createInstallation(ours.id, { account: "acme", repositories: "all", visibleTo: ["acme-admin"] });
    for (const id of [foreign.id, hidden.id]) {
      const { response } = await browse(`${PUBLIC_URL}/api/github/connect/callback?installation_id=${id}&state=${encodeURIComponent(await freshState())}`, alice);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("cannot be connected");
      const listing = await host.fetch(`/api/github/installations/${id}/repositories`, { headers: alice });
      expect(listing.status).toBe(403);
      const branches = await host.fetch(`/api/github/installations/${id}/repositories/octo-user/site/branches`, { headers: alice });
      expect(branches.status).toBe(403);
      expect((await branches.json()).message).toContain("Connect with GitHub");
      const connect = await host.fetch("/api/github/connection", {
        method: "POST",
        headers: alice,
        body: JSON.stringify({ kind: "app", installationId: id, repository: "octo-user/site", branch: "main", acknowledgeOverwrite: true }),
      });
      expect(connect.status).toBe(403);
    }
    expect(await host.services.connections.get()).toBeUndefined();
  });

  it("connects: a non-empty workspace needs acknowledgeOverwrite; then read-only at once with the initial sync queued", async () => {
    await writeFile(path.join(host.workspaceDir, "mine.ts"), "export default 'mine';\n");
    const request = { kind: "app", installationId, repository: "octo-user/site", branch: "main" };
    const refused = await host.fetch("/api/github/connection", { method: "POST", headers: alice, body: JSON.stringify(request) });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: "workspace_not_empty", zipUrl: "/api/workspace/zip" });
    const missingBranch = await host.fetch("/api/github/connection", {
      method: "POST",
      headers: alice,
      body: JSON.stringify({ ...request, branch: "nope", acknowledgeOverwrite: true }),
    });
    expect(missingBranch.status).toBe(400);
    expect((await missingBranch.json()).error).toBe("branch_not_found");

    // What the overwrite dialog shows: the dry run for the connection about to be made (nothing written).
    const preview = await (await host.fetch("/api/github/sync/preview", { method: "POST", headers: alice, body: JSON.stringify(request) })).json();
    expect(preview).toMatchObject({ repository: "octo-user/site", toSha: await repo.headSha(), added: ["flows/hello.ts"], deleted: ["mine.ts"] });
    expect(await readFile(path.join(host.workspaceDir, "mine.ts"), "utf8")).toBe("export default 'mine';\n");

    const created = await host.fetch("/api/github/connection", { method: "POST", headers: alice, body: JSON.stringify({ ...request, acknowledgeOverwrite: true }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ connected: true, kind: "app", repository: "octo-user/site", branch: "main", state: "Connecting", deliveryMode: "webhook", installationId });
    expect(await queuedJobs(host)).toEqual([expect.objectContaining({ trigger: "initial", sha: await repo.headSha(), allowEmpty: true })]);
    const write = await host.fetch("/api/workspace/files/mine.ts", { method: "PUT", headers: alice, body: "x" });
    expect(write.status).toBe(409);
    const twice = await host.fetch("/api/github/connection", { method: "POST", headers: alice, body: JSON.stringify({ ...request, acknowledgeOverwrite: true }) });
    expect(twice.status).toBe(409);
    expect((await twice.json()).error).toBe("already_connected");
  });

  it("syncs on an installation token, follows a push to the App's webhook, and turns Broken when the App is uninstalled", async () => {
    // A second host on the same storage and secrets runs the queue worker.
    const worker = await startTestHost({
      env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, PUBLIC_URL, AUTH_MODE: "swa", LOCAL_SECRETS_FILE: host.config.localSecretsFile, WORKSPACE_DIR: host.workspaceDir },
      settings,
    });
    try {
      const read = (file: string) => readFile(path.join(host.workspaceDir, file), "utf8").catch(() => undefined);
      const until = async <T>(probe: () => Promise<T | undefined>) => {
        for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
          const value = await probe();
          if (value !== undefined) return value;
        }
        throw new Error("condition not met in time");
      };
      expect(await until(() => read("flows/hello.ts"))).toBe("export default () => 'hello';\n");
      // Deletes come after every write (and after the lease's fence check): wait for them too.
      expect(await until(async () => ((await read("mine.ts")) === undefined ? "gone" : undefined))).toBe("gone");

      const sha = await repo.commit({ "flows/app-push.ts": "export default 'app';\n" });
      expect(await until(() => read("flows/app-push.ts"))).toBe("export default 'app';\n");
      const delivery = github.deliveries.findLast((d) => d.event === "push" && d.targetType === "integration");
      expect(delivery).toMatchObject({ statusCode: 202 });
      const status = await until(async () => {
        const body = await (await host.fetch("/api/github/connection", { headers: alice })).json();
        return body.appliedSha === sha ? body : undefined;
      });
      expect(status.state).toBe("Ready");

      const installation = (await host.services.connections.get())!.record.installationId!;
      await github.deleteInstallation(installation);
      await github.settleDeliveries();
      const broken = await (await host.fetch("/api/github/connection", { headers: alice })).json();
      expect(broken).toMatchObject({ state: "Broken", appliedSha: sha });
      expect(broken.stateReason).toContain("uninstalled");
      expect(await read("flows/app-push.ts")).toBe("export default 'app';\n");
      expect((await host.fetch("/api/workspace/files/flows/hello.ts", { method: "PUT", headers: alice, body: "x" })).status).toBe(409);
    } finally {
      await worker.close();
    }
  });
});
