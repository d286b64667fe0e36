// AUTH_MODE=github in Chromium, the whole way round, against the GitHub stand-in: the sign-in page takes the
// setup code from the log → Settings → GitHub → Create GitHub App (the stand-in's manifest flow) → "Sign in with
// GitHub" (the stand-in's OAuth page) → the first admin. A second GitHub user nobody listed is asked to be
// invited. A tampered cookie and an expired session land on the sign-in page; signing out ends the session.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../local/azurite.js";
import { announceSetupCode } from "../functions/announce-setup.js";
import { issueSession } from "../src/auth/sessions.js";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { startGitHubStandIn, type GitHubStandIn } from "./support/github-stand-in/index.js";

let github: GitHubStandIn;
let host: UiHost;

beforeAll(async () => {
  github = await startGitHubStandIn({ userLogin: "ada" });
  github.addUser("eve");
  const port = await freePort();
  host = await startUiHost({
    env: { AUTH_MODE: "github", PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl },
  });
}, 120_000);
afterAll(async () => {
  await host?.close();
  await github?.close();
});

const SESSION = "funcspace-session";

describe("AUTH_MODE=github in the browser", () => {
  it("setup code → Create GitHub App → Sign in with GitHub → admin; a stranger is asked to be invited", async () => {
    // What an operator reads in the container log.
    const code = await announceSetupCode(host.services);
    const line = host.logs.find((l) => l.includes("first-run setup code:"))!;
    expect(line).toContain(code);

    const { page, context } = await host.newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "First run: enter the setup code from the server log" }).waitFor();
    await page.getByRole("textbox", { name: "Setup code" }).fill(code!);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL("**/settings/github");
    await page.getByRole("button", { name: "Create GitHub App" }).click();
    // The stand-in creates the App as ada (signed in on "github.com") and sends the browser back.
    await page.waitForURL(/\/settings(\/github)?\?app=/);
    const finish = page.getByRole("region", { name: "Finish setting up" });
    await finish.getByRole("button", { name: "Sign in with GitHub" }).click();
    await page.waitForURL((url) => url.pathname === "/" || url.pathname === "/editor");
    await expect.poll(() => page.getByTestId("account-user").textContent()).toBe("ada");
    expect(await page.getByTestId("account-role").textContent()).toBe("admin");
    const cookie = (await context.cookies()).find((c) => c.name === SESSION)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    await saveScreenshot(page, "github-mode-first-admin");

    // Someone else, signed in to GitHub as eve, whom no list names.
    github.signInAs("eve");
    const stranger = await host.newPage();
    await stranger.page.goto("/workflows");
    await stranger.page.getByRole("button", { name: "Sign in with GitHub" }).click();
    await stranger.page.getByRole("heading", { name: "Ask to be invited" }).waitFor();
    await stranger.page.getByText("You are signed in as eve (GitHub)").waitFor();
    await saveScreenshot(stranger.page, "github-mode-not-invited");
    const eveCookie = (await stranger.context.cookies()).find((c) => c.name === SESSION)!;
    const asEve = await host.fetch("/api/workspace/tree", { headers: { cookie: `${SESSION}=${eveCookie.value}` } });
    expect(asEve.status).toBe(403);
    await stranger.context.close();

    // A tampered cookie (another expiry under the old signature) is no session: the sign-in page.
    const [id, expires, signature] = cookie.value.split(".");
    await context.addCookies([{ ...cookie, value: `${id}.${Number(expires) + 86_400}.${signature}` }]);
    await page.goto("/editor");
    await page.getByRole("heading", { name: "Sign in to funcspace" }).waitFor();
    // The real one still works; signing out ends it for good.
    await context.addCookies([cookie]);
    await page.goto("/editor");
    await expect.poll(() => page.getByTestId("account-role").textContent()).toBe("admin");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to funcspace" }).waitFor();
    const after = await host.fetch("/api/workspace/tree", { headers: { cookie: `${SESSION}=${cookie.value}` } });
    expect(after.status).toBe(401);
    await context.close();
  }, 120_000);

  it("an expired session shows the sign-in page", async () => {
    const expired = await issueSession(
      host.services,
      { userId: "1", login: "ada", provider: "github", roles: ["admin"] },
      { now: Date.now() - 9 * 3600_000 },
    );
    const { page, context } = await host.newPage();
    await context.addCookies([{ name: expired.name, value: expired.value, url: host.url, httpOnly: true, sameSite: "Lax" }]);
    await page.goto("/editor");
    await page.getByRole("heading", { name: "Sign in to funcspace" }).waitFor();
    expect(await page.getByTestId("account-user").count()).toBe(0);
    await context.close();
  }, 60_000);
});
