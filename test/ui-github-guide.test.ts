// Issue 20, item 5, in Chromium against the real local host: Settings → GitHub recommends the App and says why,
// shows the token as the fallback with a link that fills in its permissions, numbers both flows and marks the
// step you are on, and warns before "Create GitHub App" that GitHub cannot deliver to a loopback PUBLIC_URL (with
// the relay command). GitHub's redirects back, when refused, render a page in the app's look that says what to do
// (JSON still for scripts). A PAT check against a GitHub whose name does not resolve fails within 3 s and says so.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../local/azurite.js";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";

let host: UiHost;
let publicUrl: string;
beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  host = await startUiHost({
    env: {
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      // A name that never resolves (RFC 6761): the PAT check must say so, fast.
      GITHUB_API_URL: "http://github.invalid/api/v3",
      GITHUB_WEB_URL: "https://github.example",
    },
  });
}, 120_000);
afterAll(async () => {
  await host?.close();
});

describe("Settings → GitHub guides (issue 20, item 5)", () => {
  it("recommends the App (and why), offers the token as the fallback, numbers the steps and warns about PUBLIC_URL", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/settings/github");
    const app = page.getByRole("region", { name: /Connect with GitHub/ });
    const pat = page.getByRole("region", { name: /Use a personal access token/ });
    await app.getByRole("heading", { name: "Step 1 of 3: Create the GitHub App" }).waitFor();

    // The recommendation, with its reasons; the token is the fallback.
    expect(await app.getByRole("heading", { level: 2 }).textContent()).toBe("Connect with GitHub Recommended");
    expect(await pat.getByRole("heading", { level: 2 }).textContent()).toBe("Use a personal access token Fallback");
    const why = await app.getByTestId("app-why").textContent();
    for (const reason of ["Fine-grained", "Per repository", "Webhooks built in"]) expect(why).toContain(reason);
    // The App comes first on the page.
    expect(await page.evaluate(() => {
      return document.querySelector(".connect-options > section h2")?.id;
    })).toBe("connect-app-title");

    // Numbered steps, the current one marked.
    const appSteps = app.getByRole("list", { name: "Steps to connect with the GitHub App" }).getByRole("listitem");
    expect(await appSteps.allTextContents()).toEqual(["1Create the GitHub App", "2Install it on your repository", "3Choose the repository and branch"]);
    expect(await appSteps.nth(0).getAttribute("aria-current")).toBe("step");
    expect(await appSteps.nth(1).getAttribute("aria-current")).toBeNull();
    const patSteps = pat.getByRole("list", { name: "Steps to connect with a token" }).getByRole("listitem");
    expect(await patSteps.nth(0).getAttribute("aria-current")).toBe("step");
    await pat.getByRole("heading", { name: "Step 1 of 2: Create a token on GitHub" }).waitFor();
    await pat.getByRole("heading", { name: "Step 2 of 2: Paste it with the repository" }).waitFor();

    // PUBLIC_URL on loopback: said before the Create button, with the webhook URL and the relay command.
    const warning = app.getByTestId("public-url-warning");
    const warningText = await warning.textContent();
    expect(warningText).toContain("GitHub cannot deliver webhooks to this funcspace");
    expect(warningText).toContain(`PUBLIC_URL is ${publicUrl}: 127.0.0.1 is a loopback address (this machine): GitHub's servers cannot reach it`);
    expect(warningText).toContain(`${publicUrl}/api/github/webhooks`);
    expect(await warning.getByTestId("relay-command").textContent()).toBe("npm run relay");
    const create = app.getByRole("button", { name: "Create GitHub App" });
    expect(await create.getAttribute("aria-describedby")).toBe("public-url-warning");
    expect(
      await warning.evaluate((box) => {
        const button = Array.from(document.querySelectorAll("button")).find((b) => b.textContent === "Create GitHub App")!;
        return Boolean(box.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
      }),
    ).toBe(true);
    await pat.getByTestId("pat-polling-note").waitFor();

    // The token link opens GitHub's fine-grained token form with the permissions filled in; the page lists them too.
    const link = new URL((await pat.getByTestId("token-link").getAttribute("href"))!);
    expect(`${link.origin}${link.pathname}`).toBe("https://github.example/settings/personal-access-tokens/new");
    expect(Object.fromEntries(link.searchParams)).toMatchObject({ contents: "read", repository_hooks: "write", metadata: "read" });
    expect(link.searchParams.get("target_name")).toBeNull();
    const permissions = await pat.getByTestId("token-permissions").textContent();
    for (const line of ["Contents: Read-only", "Webhooks: Read and write", "Only select repositories"]) expect(permissions).toContain(line);
    await saveScreenshot(page, "settings-github-guide");

    // Naming the repository makes its owner the token's resource owner; a typed token moves the flow to step 2.
    await pat.getByLabel("Repository").fill("octo-org/flows");
    await expect.poll(async () => new URL((await pat.getByTestId("token-link").getAttribute("href"))!).searchParams.get("target_name")).toBe("octo-org");
    await pat.getByLabel("Token", { exact: true }).fill("github_pat_11AAAAAAA0abcdefghijklmnopqrstuvwxyz");
    await expect.poll(() => patSteps.nth(1).getAttribute("aria-current")).toBe("step");
    expect(await patSteps.nth(0).getAttribute("class")).toBe("done");
    await context.close();
  }, 60_000);

  it("says a GitHub that cannot be reached is one, within 3 s of the PAT check", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/settings/github");
    const pat = page.getByRole("region", { name: /Use a personal access token/ });
    await pat.getByLabel("Token", { exact: true }).fill("github_pat_11AAAAAAA0abcdefghijklmnopqrstuvwxyz");
    await pat.getByLabel("Repository").fill("octo-org/flows");
    const began = Date.now();
    await pat.getByRole("button", { name: "Connect with token" }).click();
    const alert = pat.getByRole("alert");
    await alert.waitFor({ timeout: 3_000 });
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(await alert.textContent()).toMatch(/^cannot reach github\.invalid: DNS lookup failed \((ENOTFOUND|EAI_AGAIN)\); check the network, DNS and GITHUB_API_URL\.$/);
    expect(await alert.textContent()).not.toMatch(/HTTP 500|try again/);
    await saveScreenshot(page, "settings-github-unreachable");
    await context.close();
  }, 30_000);

  it("answers a refused GitHub redirect with a page in the app's look that says what to do", async () => {
    const { page, context } = await host.newPage();
    const answer = await page.goto("/api/github/app/callback?code=abc&state=forged");
    expect(answer?.status()).toBe(400);
    expect(answer?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    await page.getByRole("heading", { level: 1, name: "Could not register the GitHub App" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toBe("This GitHub sign-in link is invalid or has expired. Start again from the funcspace settings page.");
    const advice = await page.getByRole("list").textContent();
    expect(advice).toContain("valid for 10 minutes, once, and only in the browser that started");
    // Styled as the app (the page's policy allows its stylesheet): the header bar, the card, the error box.
    const styles = await page.evaluate(() => ({
      page: getComputedStyle(document.documentElement).backgroundColor,
      header: getComputedStyle(document.querySelector(".app-header")!).backgroundColor,
      card: getComputedStyle(document.querySelector(".card")!).backgroundColor,
      error: getComputedStyle(document.querySelector(".error")!).color,
    }));
    expect(styles).toEqual({ page: "rgb(246, 247, 249)", header: "rgb(24, 32, 46)", card: "rgb(255, 255, 255)", error: "rgb(180, 35, 24)" });
    await saveScreenshot(page, "github-callback-error");

    // What to do next is one click away.
    await page.getByRole("link", { name: "Back to Settings → GitHub" }).click();
    await page.waitForURL("**/settings/github");
    await page.getByRole("heading", { name: "Settings · GitHub" }).waitFor();

    // The installation callback before any App exists says to create it first.
    await page.goto("/api/github/connect/callback?installation_id=1&state=forged");
    await page.getByRole("heading", { level: 1, name: "Could not connect the GitHub App installation" }).waitFor();
    expect(await page.getByRole("list").textContent()).toContain("Create the GitHub App first");

    // A script asking the API still gets the JSON error.
    const json = await host.fetch("/api/github/app/callback?code=abc&state=forged", { headers: { accept: "application/json" } });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: "invalid_state" });
    await context.close();
  }, 30_000);
});
