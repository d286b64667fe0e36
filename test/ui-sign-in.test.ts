// The pages of AUTH_MODE=github in Chromium, on the real local host with no GitHub App yet: the sign-in page
// (with a refused sign-in's reason from `?signInError=`), the first-run setup code that opens a one-hour admin
// session in Settings → GitHub, signing out; a person nobody invited; a session that ends while a page is open
// (the next call's 401 shows the sign-in page). Sessions other than the setup one are issued directly (the
// round trip through GitHub is test/auth-github-mode.test.ts, against the GitHub stand-in).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSetupCode } from "../github-app/sign-in/setup-code.js";
import { issueSession } from "../src/auth/sessions.js";
import type { InvitedRole } from "../src/auth/roles.js";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";

let host: UiHost;

beforeAll(async () => {
  host = await startUiHost({ env: { AUTH_MODE: "github" } });
}, 120_000);
afterAll(async () => {
  await host?.close();
});

/** A browser holding a session for `login` with `roles` (none: signed in, not invited), and its cookie header. */
async function openAs(login: string, roles: InvitedRole[]) {
  const cookie = await issueSession(host.services, { userId: `id-${login}`, login, provider: "github", roles });
  const opened = await host.newPage();
  await opened.context.addCookies([{ name: cookie.name, value: cookie.value, url: host.url, httpOnly: true, sameSite: "Lax" }]);
  return { ...opened, cookieHeader: `${cookie.name}=${cookie.value}` };
}

describe("signing in (AUTH_MODE=github)", () => {
  it("shows the sign-in page with a refused sign-in's reason, takes the setup code, and signs out", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/?signInError=GitHub%20said%20no.");
    await page.getByRole("heading", { name: "Sign in to funcspace" }).waitFor();
    await page.getByText("Signing in did not work: GitHub said no.").waitFor();
    expect(new URL(page.url()).search).toBe("");
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0);

    // No App yet: signing in with GitHub cannot work, and the page says why.
    await page.getByRole("button", { name: "Sign in with GitHub" }).click();
    await page.getByText(/No GitHub App is registered yet/).waitFor();

    await page.getByRole("heading", { name: "First run: enter the setup code from the server log" }).waitFor();
    await page.getByRole("textbox", { name: "Setup code" }).fill("AAAA-BBBB-CCCC");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText(/That setup code is not valid/).waitFor();
    await saveScreenshot(page, "sign-in-setup-code");

    const code = await getSetupCode(host.services);
    expect(code).toMatch(/^\w{4}-\w{4}-\w{4}$/);
    await page.getByRole("textbox", { name: "Setup code" }).fill(code!.toLowerCase());
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL("**/settings/github");
    await page.getByRole("heading", { name: "Finish setting up" }).waitFor();
    await page.getByRole("heading", { name: "Step 1 of 3: Create the GitHub App" }).waitFor();
    expect(await page.getByTestId("account-role").textContent()).toBe("admin");
    expect(await page.getByTestId("account-user").textContent()).toContain("setup");
    await saveScreenshot(page, "sign-in-setup-session");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to funcspace" }).waitFor();
    expect((await context.cookies()).filter((c) => c.name === "funcspace-session" && c.value)).toEqual([]);
    await context.close();
  }, 60_000);

  it("tells a person nobody invited how to be invited in github mode", async () => {
    const { page, context } = await openAs("nina-newcomer", []);
    await page.goto("/workflows");
    await page.getByRole("heading", { name: "Ask to be invited" }).waitFor();
    await page.getByText("You are signed in as nina-newcomer (GitHub)").waitFor();
    await page.getByText(/AUTH_READERS/).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to funcspace" }).waitFor();
    await context.close();
  }, 60_000);

  it("shows the sign-in page when the session ends while a page is open", async () => {
    const { page, context, cookieHeader } = await openAs("rita-reader", ["reader"]);
    await page.goto("/editor");
    await page.getByText("You have the reader role: ask an admin for write access").waitFor();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    // Signed out elsewhere (another tab): the session is gone on the server.
    expect((await host.fetch("/api/auth/sign-out", { method: "POST", headers: { cookie: cookieHeader } })).status).toBe(204);
    await page.getByRole("button", { name: "Refresh the tree" }).click();
    await page.getByRole("heading", { name: "Sign in to funcspace" }).waitFor();
    expect(new URL(page.url()).origin).toBe(new URL(host.url).origin);
    await context.close();
  }, 60_000);
});
