// Issue 20, last point, in Chromium: `AUTH_MODE=swa AUTH_SWA_EMULATOR=true npm start` serves the API for the Static
// Web Apps CLI. Opened on the local host itself, the UI says that sign-in lives behind the CLI (its URL), and how to
// sign in offline: the emulator's StaticWebAppsAuthCookie cookie (path /), with the line that sets it. The host's
// /.auth/* pages answer a browser with a page that says the same, not the API's JSON 404. (`npm start`'s banner
// printing the CLI's URL is local/describe-urls.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";

let host: UiHost;
beforeAll(async () => {
  host = await startUiHost({ env: { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" } });
}, 120_000);
afterAll(async () => {
  await host?.close();
});

describe("AUTH_MODE=swa on the local host's own URL", () => {
  it("says where sign-in lives and how to set the emulator's cookie", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/");
    await page.getByRole("heading", { level: 1, name: "Sign in to funcspace" }).waitFor();
    const notHere = page.getByTestId("swa-not-here");
    await notHere.waitFor();
    expect(await notHere.textContent()).toContain("npm run start:swa");
    expect(await notHere.getByRole("link", { name: "http://127.0.0.1:4280/" }).getAttribute("href")).toBe("http://127.0.0.1:4280/");
    // No link to a sign-in this host does not have.
    expect(await page.getByRole("link", { name: "Sign in with GitHub" }).count()).toBe(0);

    const help = page.getByRole("region", { name: "Signing in on this machine (the SWA CLI's emulator)" });
    const snippet = (await help.getByTestId("swa-cookie-snippet").textContent())!;
    expect(snippet).toContain('document.cookie = "StaticWebAppsAuthCookie=" + btoa(');
    expect(snippet).toContain('+ "; path=/"');
    // The line does what it says: run here, it sets the cookie to base64 of an admin's client principal.
    await page.evaluate(snippet.replace("location.reload();", ""));
    const cookie = (await context.cookies()).find((c) => c.name === "StaticWebAppsAuthCookie");
    expect(cookie?.path).toBe("/");
    expect(JSON.parse(Buffer.from(decodeURIComponent(cookie!.value), "base64").toString("utf8"))).toEqual({
      identityProvider: "github",
      userId: "1",
      userDetails: "you",
      userRoles: ["anonymous", "authenticated", "admin"],
    });
    await saveScreenshot(page, "swa-sign-in-local-host");

    // Or in one click on this page: cookies are per host name, so the CLI on 127.0.0.1:4280 gets it too.
    await context.clearCookies();
    const form = help.getByRole("form", { name: "Set the emulator's cookie here" });
    await form.getByLabel("User").fill("ada");
    await form.getByLabel("Role").selectOption("operator");
    await form.getByRole("button", { name: "Set the cookie" }).click();
    await form.getByRole("status").getByRole("link", { name: "http://127.0.0.1:4280/" }).waitFor();
    const set = (await context.cookies("http://127.0.0.1:4280/")).find((c) => c.name === "StaticWebAppsAuthCookie");
    expect(JSON.parse(Buffer.from(decodeURIComponent(set!.value), "base64").toString("utf8"))).toMatchObject({
      userDetails: "ada",
      userRoles: ["anonymous", "authenticated", "operator"],
    });
    await context.close();
  }, 60_000);

  it("answers a page, not JSON, when a browser opens /.auth/login on the local host", async () => {
    const { page, context } = await host.newPage();
    const answer = await page.goto("/.auth/login/github");
    expect(answer?.status()).toBe(404);
    expect(answer?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    const text = await page.locator("body").textContent();
    expect(text).toContain("npm run start:swa");
    expect(text).toContain("http://127.0.0.1:4280/");
    // The UI's own probe (fetch, not a page) still finds no /.auth here.
    const probe = await host.fetch("/.auth/me", { headers: { accept: "application/json" } });
    expect(probe.status).toBe(404);
    expect(probe.headers.get("content-type")).toContain("application/json");
    await context.close();
  }, 30_000);
});
