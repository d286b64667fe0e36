// Pull request checks (issue 22) end to end on a real host: the stand-in's App delivers `pull_request` webhooks to
// the host (signed with the App's secret), the handler creates the check run "funcspace" in progress and queues the
// check, the worker reads the head's trees and blobs, runs discovery in the runner over the head's overlay and the
// TypeScript check, and completes the check run with a conclusion, a summary and annotations on the lines. The
// workspace folder is compared byte for byte before and after every check.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Octokit } from "@octokit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHostSettings } from "../local/host-json.js";
import type { ConnectionStatus, PullCheckList } from "../src/api-types.js";
import { connect, connectPatWithRepoHook, deliver, registerApp, resetGitHubState } from "./support/github-app-fixtures.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import type { StandInCheckRun } from "./support/github-stand-in/check-json.js";
import { readTreeState } from "./support/sync-fixtures.js";
import { startUiHost, type UiHost } from "./support/browser.js";
import { startTestHost } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";

const run = promisify(execFile);
const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };

let github: GitHubStandIn;
let host: UiHost;
let repo: StandInRepository;
let owner: Octokit;
let base: string;
let appSecret: string;
let installationId: number;

const workflow = (name: string, body: string) =>
  `import { defineWorkflow } from "funcspace";\nimport { greet } from "../lib/greet.ts";\n\nexport default defineWorkflow({\n  name: "${name}",\n  async run() {\n    ${body}\n  },\n});\n`;

beforeAll(async () => {
  github = await startGitHubStandIn({ userLogin: "octo-user" });
  github.addToken("ghp_owner_checks", { type: "classic", scopes: ["repo"] });
  owner = new Octokit({ auth: "ghp_owner_checks", baseUrl: github.apiUrl });
});
afterAll(async () => {
  await github?.close();
});

/** The App's host: a repository connected through the App, synced at `base` (each describe's hosts share this file's storage, so one at a time). */
async function startAppHost(): Promise<void> {
  repo = await github.createRepository("octo-user/checked", { private: true });
  base = await repo.commit(
    {
      "flows/hello.ts": workflow("hello", 'return greet("world");'),
      "lib/greet.ts": "export const greet = (name: string): string => `hi ${name}`;\n",
      "readme.md": "# checked\n",
    },
    { message: "base" },
  );
  host = await startUiHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, settings });
  await resetGitHubState(host);
  const app = await github.createApp({
    name: "funcspace-checks",
    permissions: { contents: "write", pull_requests: "write", checks: "write", metadata: "read" },
    events: ["push", "pull_request", "check_run"],
    webhookUrl: `${host.url}/api/github/webhooks`,
  });
  // Registered before anything is delivered: the host reads the App's credentials once per few minutes.
  await registerApp(host, { appId: app.id, slug: app.slug, privateKey: app.pem, clientId: app.clientId, clientSecret: app.clientSecret, webhookSecret: app.webhookSecret });
  const installation = await github.createInstallation(app.id, { account: "octo-user", repositories: [repo.fullName] });
  appSecret = app.webhookSecret;
  installationId = installation.id;
  await connect(host, { kind: "app", repository: repo.fullName, installationId: installation.id, state: "Connecting", deliveryMode: "webhook" });
  expect((await host.fetch("/api/github/sync", { method: "POST" })).status).toBe(202);
  await waitFor("the first sync", async () => {
    const status = (await (await host.fetch("/api/github/connection")).json()) as ConnectionStatus;
    return status.appliedSha === base && status.state === "Ready";
  }, { timeoutInMs: 45_000 });
}

let branchCount = 0;
/** A branch off the base with `changes`, and a pull request of it into main; returns its number and head. */
async function openPullRequest(changes: Record<string, string | null>, title: string): Promise<{ number: number; head: string; branch: string }> {
  const branch = `pr-${++branchCount}`;
  await run("git", ["-C", repo.bareDir, "branch", branch, base]);
  const head = await repo.commit(changes, { branch, message: title });
  const { data } = await owner.request("POST /repos/{owner}/{repo}/pulls", { owner: "octo-user", repo: "checked", title, head: branch, base: "main" });
  return { number: data.number, head, branch };
}

/** The completed check run "funcspace" of `sha`. */
const completedCheck = (sha: string): Promise<StandInCheckRun> =>
  waitFor(`the check of ${sha.slice(0, 7)}`, async () => github.checkRuns(repo.fullName).find((r) => r.headSha === sha && r.name === "funcspace" && r.status === "completed"), {
    timeoutInMs: 90_000,
  });

async function workspaceSnapshot(): Promise<string> {
  const { files } = await readTreeState(host.workspaceDir);
  return JSON.stringify([...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, f]) => [p, f.content.toString("base64"), f.executable]));
}

describe("pull request checks", () => {
  beforeAll(startAppHost, 120_000);
  afterAll(() => host?.close());

  it("passes a clean pull request with the right preview counts, and leaves the workspace as it was", async () => {
    const before = await workspaceSnapshot();
    const { number, head } = await openPullRequest(
      { "flows/bye.ts": workflow("bye", 'return greet("bye");'), "lib/greet.ts": "export const greet = (name: string): string => `hello ${name}`;\n" },
      "Add bye",
    );
    // In progress at once (the webhook handler), then completed by the job.
    expect(github.checkRuns(repo.fullName).some((r) => r.headSha === head && r.name === "funcspace")).toBe(true);
    const check = await completedCheck(head);
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toBe("Ready to sync: 1 added, 1 changed, 0 deleted");
    expect(check.output.summary).toContain("| added | 1 |");
    // `hello` imports the changed helper but its file and definition stay: only the added workflow is named.
    expect(check.output.summary).toContain("Workflows that change: `bye`.");
    expect(check.annotations).toEqual([]);
    expect(await workspaceSnapshot()).toBe(before);
    // The sync page's list (written right after GitHub is told).
    const listed = await waitFor("the listed check", async () =>
      ((await (await host.fetch("/api/github/pull-checks")).json()) as PullCheckList).checks.find((c) => c.number === number && c.status === "completed"),
    );
    expect(listed).toMatchObject({ conclusion: "success", headSha: head, counts: { added: 1, changed: 1, deleted: 0 }, reportedVia: "check-run", title: "Add bye" });

    // The sync page lists it beside the history, in Chromium: the pull request, its head, the outcome, the counts.
    const { context, page } = await host.newPage();
    try {
      await page.goto("/sync");
      const region = page.getByRole("region", { name: "Pull requests into main" });
      const row = region.getByRole("row").filter({ hasText: `#${number} Add bye` });
      await row.waitFor();
      expect(await row.getByTestId(`pull-check-${number}`).textContent()).toContain("passes: Ready to sync: 1 added, 1 changed, 0 deleted");
      expect(await row.textContent()).toContain("+1 ~1 −0");
      expect(await row.getByRole("link", { name: `#${number} Add bye` }).getAttribute("href")).toBe(listed.url);
    } finally {
      await context.close();
    }
  });

  it("fails a pull request that breaks a workflow's import, with an annotation on the line", async () => {
    const before = await workspaceSnapshot();
    const { head } = await openPullRequest({ "lib/greet.ts": null }, "Remove the helper");
    const check = await completedCheck(head);
    expect(check.conclusion).toBe("failure");
    expect(check.annotations).toContainEqual(expect.objectContaining({ path: "flows/hello.ts", level: "failure", message: expect.stringContaining("lib/greet.ts") }));
    expect(await workspaceSnapshot()).toBe(before);
  });

  it("fails a pull request with a type error, on the line of the error", async () => {
    const { head } = await openPullRequest({ "flows/hello.ts": workflow("hello", "const n: number = greet(\"x\");\n    return n;") }, "Type error");
    const check = await completedCheck(head);
    expect(check.conclusion).toBe("failure");
    expect(check.annotations).toContainEqual(
      expect.objectContaining({ path: "flows/hello.ts", startLine: 7, title: "TypeScript error TS2322", message: "Type 'string' is not assignable to type 'number'." }),
    );
  });

  it("fails a pull request adding README.md beside readme.md, naming both", async () => {
    const { head } = await openPullRequest({ "README.md": "# twin\n" }, "Case twin");
    const check = await completedCheck(head);
    expect(check.conclusion).toBe("failure");
    const twin = check.annotations.find((a) => a.path === "readme.md" || a.path === "README.md");
    expect(twin?.message).toMatch(/"(README|readme)\.md" is the same name on a case-insensitive share/);
    expect(check.output.summary).toContain("README.md");
    expect(check.output.summary).toContain("readme.md");
  });

  it("sends more than GitHub's 50 annotations per request in batches, every one arriving", async () => {
    const bad: Record<string, string> = {};
    for (let i = 0; i < 60; i++) bad[`names/bad:${i}.txt`] = `${i}\n`;
    const { head } = await openPullRequest(bad, "Sixty names the share cannot hold");
    const check = await completedCheck(head);
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("60 problems: the workspace would break");
    // Every update the stand-in took held at most 50 (it refuses more with 422); together they are all 60.
    expect(new Set(check.annotations.map((a) => a.path))).toEqual(new Set(Object.keys(bad)));
  });

  it("never runs the code of a pull request from a fork: discovery is skipped and said so, the rest is checked", async () => {
    // A workflow whose top-level code throws: discovery (which imports it) would report that; nothing else runs it.
    await run("git", ["-C", repo.bareDir, "branch", "fork-head", base]);
    const head = await repo.commit({ "flows/evil.ts": `throw new Error("top-level code ran");\nexport default 1;\n` }, { branch: "fork-head", message: "fork" });
    const payload = {
      action: "opened",
      number: 900,
      pull_request: {
        number: 900,
        title: "From a fork",
        html_url: `${github.webUrl}/${repo.fullName}/pull/900`,
        state: "open",
        head: { ref: "fork-head", sha: head, repo: { full_name: "mallory/checked" } },
        base: { ref: "main", sha: base, repo: { full_name: repo.fullName } },
      },
      repository: { full_name: repo.fullName, name: "checked", owner: { login: "octo-user" } },
      installation: { id: installationId },
      sender: { login: "mallory" },
    };
    expect((await deliver(host, payload, { event: "pull_request", secret: appSecret })).status).toBe(202);
    const check = await completedCheck(head);
    expect(check.conclusion).toBe("neutral");
    expect(check.output.summary).toContain("does not do for a pull request from a fork");
    expect(JSON.stringify(check)).not.toContain("top-level code ran");
    expect(check.output.summary).toContain("| added | 1 |");
  });

  it("supersedes the check of an older head when the pull request gets a newer push, and re-runs from GitHub's button", async () => {
    github.faults.addLatency({ path: /\/git\/blobs\//, ms: 2_000 });
    const { head: first, branch } = await openPullRequest({ "flows/slow.ts": workflow("slow", "return 1;") }, "Slow");
    const second = await repo.commit({ "flows/slow.ts": workflow("slow", "return 2;") }, { branch, message: "second" });
    const older = await completedCheck(first);
    github.faults.reset();
    expect(older.conclusion).toBe("cancelled");
    expect(older.output.summary).toContain(second.slice(0, 7));
    const newer = await completedCheck(second);
    expect(newer.conclusion).toBe("success");

    // "Re-run" on GitHub: a new check run for the same head, completed again.
    const runsBefore = github.checkRuns(repo.fullName).filter((r) => r.headSha === second).length;
    await github.rerequestCheckRun(repo.fullName, newer.id);
    await waitFor("the re-run", async () => {
      const runs = github.checkRuns(repo.fullName).filter((r) => r.headSha === second && r.status === "completed");
      return runs.length > runsBefore;
    }, { timeoutInMs: 90_000 });
  });
});

describe("pull request checks with a PAT", () => {
  it("reports a commit status when the token may write one", async () => {
    const patRepo = await github.createRepository("octo-user/pat-checked", { private: true });
    const patBase = await patRepo.commit({ "flows/a.ts": workflow("a", "return 1;"), "lib/greet.ts": "export const greet = (s: string) => s;\n" }, { message: "base" });
    const patHost = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl }, settings });
    try {
      await resetGitHubState(patHost);
      const { token } = await connectPatWithRepoHook(patHost, github, patRepo.fullName, { events: ["push", "pull_request"] });
      await patHost.fetch("/api/github/sync", { method: "POST" });
      await waitFor("the PAT sync", async () => ((await (await patHost.fetch("/api/github/connection")).json()) as ConnectionStatus).appliedSha === patBase, { timeoutInMs: 60_000 });
      await run("git", ["-C", patRepo.bareDir, "branch", "feature", patBase]);
      const head = await patRepo.commit({ "README.md": "# a\n", "readme.md": "# b\n" }, { branch: "feature", message: "twins" });
      await new Octokit({ auth: token, baseUrl: github.apiUrl }).request("POST /repos/{owner}/{repo}/pulls", { owner: "octo-user", repo: "pat-checked", title: "Twins", head: "feature", base: "main" });
      const status = await waitFor("the final status", async () => github.commitStatuses(patRepo.fullName).find((s) => s.sha === head && s.context === "funcspace" && s.state !== "pending"), { timeoutInMs: 90_000 });
      expect(status).toMatchObject({ state: "failure", description: expect.stringContaining("problem") });
      const listed = await waitFor("the listed check", async () => ((await (await patHost.fetch("/api/github/pull-checks")).json()) as PullCheckList).checks.find((c) => c.status === "completed"));
      expect(listed).toMatchObject({ conclusion: "failure", reportedVia: "status" });

      // A token that may read but not write statuses: the check runs, and shows only in funcspace, saying why.
      const record = (await patHost.services.connections.get())!.record;
      const readOnly = "github_pat_checks_read_only_0123456789";
      github.addToken(readOnly, { type: "fine-grained", repositories: [patRepo.fullName], permissions: { contents: "read", metadata: "read", pull_requests: "read" } });
      await patHost.services.secrets.set(record.tokenSecretName!, readOnly);
      await run("git", ["-C", patRepo.bareDir, "branch", "clean", patBase]);
      const cleanHead = await patRepo.commit({ "notes.md": "fine\n" }, { branch: "clean", message: "clean" });
      const { data: pull } = await new Octokit({ auth: token, baseUrl: github.apiUrl }).request("POST /repos/{owner}/{repo}/pulls", { owner: "octo-user", repo: "pat-checked", title: "Clean", head: "clean", base: "main" });
      const uiOnly = await waitFor("the check shown only in funcspace", async () =>
        ((await (await patHost.fetch("/api/github/pull-checks")).json()) as PullCheckList).checks.find((c) => c.number === pull.number && c.status === "completed"),
      { timeoutInMs: 60_000 });
      expect(uiOnly).toMatchObject({ conclusion: "success", reportedVia: "funcspace", headSha: cleanHead, reportReason: expect.stringContaining("may not write commit statuses") });
      expect(github.commitStatuses(patRepo.fullName).some((s) => s.sha === cleanHead)).toBe(false);
    } finally {
      await patHost.close();
    }
  }, 180_000);
});
