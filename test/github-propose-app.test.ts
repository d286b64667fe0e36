// Proposals through funcspace's GitHub App (issue 21, item 1: authorship and permissions) on a real host with the
// stand-in's App, installation tokens and OAuth pages:
// - an App registered before proposals existed (Contents: read) gets a 409 with the upgrade steps, and once the
//   permissions are raised the next proposal goes through (a fresh installation token) as the App's bot, with the
//   person named in a `Proposed-by:` trailer;
// - a person signed in with the App (AUTH_MODE=github) proposes as themselves: one trip through GitHub's
//   authorization, back through the sign-in callback, the commit and the pull request theirs; a github.com
//   session of someone else is refused.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Octokit } from "@octokit/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getGitHubRuntime } from "../functions/github-runtime.js";
import { readHostSettings } from "../local/host-json.js";
import type { ConnectionStatus, Draft, ProposeAnswer } from "../src/api-types.js";
import { issueSession } from "../src/auth/sessions.js";
import { connect, registerApp, resetGitHubState } from "./support/github-app-fixtures.js";
import { createCookieBrowser, type CookieBrowser } from "./support/cookie-browser.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";

const run = promisify(execFile);
const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };
const PUBLIC_URL = "https://funcspace.example.test";

let github: GitHubStandIn;
let host: TestHost | undefined;
let repo: StandInRepository;

beforeAll(async () => {
  github = await startGitHubStandIn({ userLogin: "octo-user" });
  github.addUser("ada", { name: "Ada Lovelace" });
  github.addUser("eve");
});
afterAll(async () => {
  await github?.close();
});
afterEach(async () => {
  await host?.close();
  host = undefined;
});

type AppPermissions = Record<string, "read" | "write">;

/** An App (with `permissions`) installed on a fresh repository, registered in a new host, connected and synced. */
async function startAppConnected(permissions: AppPermissions, env: Record<string, string> = {}) {
  repo = await github.createRepository(`octo-user/app-propose-${Date.now()}`, { private: true, collaborators: { ada: "write", eve: "write" } });
  const c1 = await repo.commit({ "flows/hello.ts": "export default () => 'v1';\n", "README.md": "# hi\n" }, { message: "c1" });
  const app = await github.createApp({ name: `funcspace-${Date.now()}`, permissions, callbackUrls: [`${PUBLIC_URL}/api/auth/callback`] });
  const installation = await github.createInstallation(app.id, { account: "octo-user", repositories: [repo.fullName] });
  host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, ...env }, settings });
  await resetGitHubState(host);
  await registerApp(host, { appId: app.id, slug: app.slug, privateKey: app.pem, clientId: app.clientId, clientSecret: app.clientSecret });
  await connect(host, { kind: "app", repository: repo.fullName, installationId: installation.id, state: "Connecting", deliveryMode: "polling" });
  return { app, c1 };
}

async function syncTo(call: (p: string, init?: RequestInit) => Promise<Response>, sha: string): Promise<void> {
  expect((await call("/api/github/sync", { method: "POST" })).status).toBe(202);
  await waitFor(`the workspace at ${sha.slice(0, 7)}`, async () => {
    const now = (await (await call("/api/github/connection")).json()) as ConnectionStatus;
    return now.appliedSha === sha && now.state === "Ready" ? now : undefined;
  }, { timeoutInMs: 60_000 });
}

const jsonPost = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const commitField = async (sha: string, format: string) => (await run("git", ["-C", repo.bareDir, "log", "-1", `--format=${format}`, sha])).stdout.trim();

describe("proposals through the GitHub App", () => {
  it("tells the owner of an App that may only read how to upgrade it, then proposes as the App naming the person", async () => {
    const { app, c1 } = await startAppConnected({ contents: "read", metadata: "read" });
    const call = (p: string, init?: RequestInit) => host!.fetch(p, init);
    await syncTo(call, c1);
    expect((await call("/api/drafts/mine/files/flows/hello.ts", { method: "PUT", body: "export default () => 'v2';\n" })).status).toBe(200);
    expect((await (await call("/api/drafts/mine/check")).json()) as object).toMatchObject({ author: "app", canPropose: true });

    const refused = await call("/api/drafts/mine/pull-request", jsonPost({ title: "v2" }));
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe("write_refused");
    expect(body.message).toContain("set Contents and Pull requests to Read and write");
    expect((await (await call("/api/drafts/mine")).json()) as Draft).toMatchObject({ changes: [{ path: "flows/hello.ts" }] });

    // The owner raises the permissions (and the installation accepts them): a fresh token may write.
    Object.assign(app.permissions, { contents: "write", pull_requests: "write" });
    const opened = await call("/api/drafts/mine/pull-request", jsonPost({ title: "v2", body: "Fixes the greeting." }));
    expect(opened.status).toBe(201);
    const answer = (await opened.json()) as ProposeAnswer & { kind: "opened" };
    expect(answer).toMatchObject({ kind: "opened", author: "app", baseSha: c1 });
    expect(await commitField(answer.commitSha, "%an")).toBe(`${app.slug}[bot]`);
    expect(await commitField(answer.commitSha, "%B")).toMatch(/Proposed-by: local developer \(funcspace\)$/);
  });

  it("proposes as the person signed in with the App: their commit and pull request, after one authorization", async () => {
    const { app, c1 } = await startAppConnected({ contents: "write", pull_requests: "write", metadata: "read" }, { AUTH_MODE: "github", PUBLIC_URL, AUTH_ADMINS: "ada" });
    const ada = github.addUser("ada", { name: "Ada Lovelace" });
    const cookie = await issueSession(host!.services, { userId: String(ada.id), login: "ada", provider: "github", roles: ["admin"] });
    const browser: CookieBrowser = createCookieBrowser(host!, { publicUrl: PUBLIC_URL });
    browser.cookies.set(cookie.name, cookie.value);
    await syncTo((p, init) => browser.api(p, init), c1);
    expect((await browser.api("/api/drafts/mine/files/flows/hello.ts", { method: "PUT", body: "export default () => 'ada';\n" })).status).toBe(200);
    expect((await (await browser.api("/api/drafts/mine/check")).json()) as object).toMatchObject({ author: "user", canPropose: true });

    // Signed in to github.com as someone else: refused, nothing created, the draft kept.
    github.signInAs("eve");
    const first = await browser.api("/api/drafts/mine/pull-request", jsonPost({ title: "Say ada", body: "From the browser." }));
    expect(first.status).toBe(202);
    const { url } = (await first.json()) as { kind: "authorize"; url: string };
    expect(url.startsWith(`${github.webUrl}/login/oauth/authorize?`)).toBe(true);
    expect(new URL(url).searchParams.get("client_id")).toBe(app.clientId);
    const wrongUser = new URL((await browser.browse(url)).url);
    expect(wrongUser.pathname).toBe("/editor");
    expect(wrongUser.searchParams.get("proposeError")).toBe("GitHub authorized eve, but you are signed in to funcspace as ada. Sign in to github.com as ada, then propose again.");
    expect((await (await browser.api("/api/drafts/mine")).json()) as Draft).toMatchObject({ changes: [{ path: "flows/hello.ts" }] });

    // As herself: the pull request is opened on the way back.
    github.signInAs("ada");
    const second = await browser.api("/api/drafts/mine/pull-request", jsonPost({ title: "Say ada", body: "From the browser." }));
    const landed = new URL((await browser.browse(((await second.json()) as { url: string }).url)).url);
    expect(landed.pathname).toBe("/editor");
    const number = Number(landed.searchParams.get("proposed"));
    expect(number).toBeGreaterThan(0);
    const draft = (await (await browser.api("/api/drafts/mine")).json()) as Draft;
    expect(draft.changes).toEqual([]);
    expect(draft.lastProposal).toMatchObject({ number, author: "user", title: "Say ada" });
    const commit = draft.lastProposal!.commitSha;
    expect(await commitField(commit, "%an")).toBe("Ada Lovelace");
    expect(await commitField(commit, "%B")).not.toContain("Proposed-by");
    const [owner = "", name = ""] = repo.fullName.split("/");
    const asInstallation = new Octokit({ baseUrl: github.apiUrl, auth: await installationToken() });
    const { data: pull } = await asInstallation.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo: name, pull_number: number });
    expect(pull).toMatchObject({ title: "Say ada", user: { login: "ada" }, body: "From the browser." });

    // The state is used once: the same trip replayed changes nothing.
    const replay = new URL((await browser.browse(url)).url);
    expect(replay.searchParams.get("proposeError")).toBeTruthy();
  });
});

/** A token that can read the test repository's pull requests (the connection's installation). */
async function installationToken(): Promise<string> {
  const runtime = getGitHubRuntime(host!.services);
  const record = (await host!.services.connections.get())!.record;
  return runtime.installationTokens.get(record.installationId!);
}
