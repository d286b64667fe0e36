// Installation tokens from the stand-in's App side through @octokit/auth-app: one per installation, reused
// until ten minutes before it expires, then replaced; concurrent callers share one request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOctokit } from "../github-app/create-octokit.js";
import { InstallationTokens } from "../github-app/installation-tokens.js";
import { startGitHubStandIn, type GitHubStandIn } from "./support/github-stand-in/index.js";

let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
  await github.createRepository("octo-user/site");
});
afterAll(async () => {
  await github.close();
});

describe("InstallationTokens", () => {
  it("reuses a token until ten minutes before it expires, then asks GitHub for a new one", async () => {
    const app = await github.createApp({ name: "token-test" });
    const installation = await github.createInstallation(app.id, { account: "octo-user", repositories: "all" });
    const octokit = createOctokit(github.apiUrl, { kind: "app", appId: app.id, privateKey: app.pem });
    let now = Date.now();
    const tokens = new InstallationTokens(async () => octokit, { now: () => now });

    const [a, b] = await Promise.all([tokens.get(installation.id), tokens.get(installation.id)]);
    expect(a).toBe(b);
    expect(tokens.issued).toBe(1);
    now += 49 * 60_000; // 11 minutes left of the hour
    expect(await tokens.get(installation.id)).toBe(a);
    expect(tokens.issued).toBe(1);
    now += 2 * 60_000; // 9 minutes left: replaced
    const c = await tokens.get(installation.id);
    expect(c).not.toBe(a);
    expect(tokens.issued).toBe(2);

    // The token really works for the installation's repositories.
    const asInstallation = createOctokit(github.apiUrl, { kind: "token", token: c });
    const { data } = await asInstallation.request("GET /installation/repositories");
    expect(data.repositories.map((r) => r.full_name)).toEqual(["octo-user/site"]);
  });

  it("fails for an installation that is not the App's", async () => {
    const app = await github.createApp({ name: "token-test-2" });
    const tokens = new InstallationTokens(async () => createOctokit(github.apiUrl, { kind: "app", appId: app.id, privateKey: app.pem }));
    await expect(tokens.get(987654)).rejects.toMatchObject({ status: 404 });
  });
});
