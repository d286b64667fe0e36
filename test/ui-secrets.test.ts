// Settings → Secrets in Chromium, on the real local host with its runner. Local mode (the loopback developer is
// admin): add a secret (its value never in the page's HTML, an address, the browser's storage or the host's
// log; the form is empty again), see it listed with its last 4 and who set it, replace it through the dialog, a
// name the server refuses shows the server's own sentence, a workflow run from the Workflows page that returns
// the secret shows `[secret]`, and delete it through the confirmation dialog. Behind Static Web Apps
// (AUTH_MODE=swa, the principal header per browser) a reader has no Settings → Secrets and never calls
// /api/secrets; an admin has it next to GitHub.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { swaPrincipalHeader } from "./support/test-host.js";

const VALUE = "sk-live-4f9a2c77e1d04b8a9d3e";
const NEW_VALUE = "sk-live-0b1c2d3e4f5a6b7c8d9e";

const WORKFLOW = `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "uses-secret",
  description: "Returns the API-TOKEN secret (the run shows [secret])",
  async run(_params, ctx) {
    return { token: await ctx.secrets.get("API-TOKEN") };
  },
});
`;

/** Everything the browser could keep or show: the page's HTML, its storage, and every address it asked for. */
async function browserText(page: Page, addresses: string[]): Promise<string> {
  const storage = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
  return [await page.content(), storage, page.url(), ...addresses].join("\n");
}

describe("Settings → Secrets (local mode: admin)", () => {
  let host: UiHost;

  beforeAll(async () => {
    host = await startUiHost();
    await writeWorkspaceFile(host.workspaceDir, "workflows/uses-secret.ts", WORKFLOW);
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  });

  it("adds, lists, replaces, refuses and deletes secrets without ever showing a value, and a run sees [secret]", async () => {
    const { page, context } = await host.newPage();
    const addresses: string[] = [];
    page.on("request", (request) => addresses.push(request.url()));

    // Reached from Settings → GitHub through the Settings navigation.
    await page.goto("/settings/github");
    const settingsNav = page.getByRole("navigation", { name: "Settings" });
    await settingsNav.waitFor();
    expect(await settingsNav.getByRole("link").allTextContents()).toEqual(["GitHub", "Secrets"]);
    await settingsNav.getByRole("link", { name: "Secrets" }).click();
    await page.getByRole("heading", { name: "Settings · Secrets" }).waitFor();
    expect(page.url()).toMatch(/\/settings\/secrets$/);
    expect(await settingsNav.getByRole("link", { name: "Secrets" }).getAttribute("aria-current")).toBe("page");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).getAttribute("aria-current")).toBe("page");
    await page.getByTestId("secrets-empty").waitFor();
    expect(await page.getByTestId("secrets-example").textContent()).toBe('const key = await ctx.secrets.get("API-TOKEN");');
    await saveScreenshot(page, "secrets-empty");

    // Add: the value field is a password, never prefilled, with a Show/Hide toggle.
    const add = page.getByRole("region", { name: "Add secret" });
    const value = add.getByLabel("Value", { exact: true });
    expect(await value.getAttribute("type")).toBe("password");
    expect(await value.inputValue()).toBe("");
    await add.getByLabel("Name").fill("API-TOKEN");
    await value.fill(VALUE);
    await add.getByRole("button", { name: "Show value" }).click();
    expect(await value.getAttribute("type")).toBe("text");
    await add.getByRole("button", { name: "Hide value" }).click();
    expect(await value.getAttribute("type")).toBe("password");
    await add.getByRole("button", { name: "Add secret" }).click();
    await page.getByRole("status").getByText("Added API-TOKEN.").waitFor();

    const row = page.locator('tr[data-secret="API-TOKEN"]');
    await row.waitFor();
    expect(await row.getByTestId("secret-last4").textContent()).toBe(`…${VALUE.slice(-4)}`);
    expect(await row.locator("td").nth(1).textContent()).toBe("local developer");
    expect(await row.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The form is empty (and hidden) again, and the value is nowhere the browser keeps or shows things.
    expect(await add.getByLabel("Name").inputValue()).toBe("");
    expect(await add.getByLabel("Value", { exact: true }).inputValue()).toBe("");
    expect(await add.getByLabel("Value", { exact: true }).getAttribute("type")).toBe("password");
    expect(await browserText(page, addresses)).not.toContain(VALUE);
    expect(await host.services.engine.secrets!.get("API-TOKEN")).toBe(VALUE);
    await saveScreenshot(page, "secrets-listed");

    // "Add" never overwrites an existing secret (names ignore case in Key Vault).
    await add.getByLabel("Name").fill("api-token");
    await add.getByLabel("Value", { exact: true }).fill("something-else-entirely");
    await add.getByRole("button", { name: "Add secret" }).click();
    await add.getByRole("alert").getByText("There is already a secret named API-TOKEN: use Replace in its row to change its value.").waitFor();
    expect(await host.services.engine.secrets!.get("API-TOKEN")).toBe(VALUE);

    // A name the server refuses: its own sentence, next to the form.
    await add.getByLabel("Name").fill("9lives");
    await add.getByRole("button", { name: "Add secret" }).click();
    expect(await add.getByRole("alert").textContent()).toBe(
      '"9lives" cannot name a secret: use letters, digits and dashes (up to 100), starting with a letter.',
    );
    await saveScreenshot(page, "secrets-bad-name");
    await add.getByLabel("Value", { exact: true }).fill("");
    await add.getByLabel("Name").fill("");

    // Replace: asks for the new value only.
    await row.getByRole("button", { name: "Replace API-TOKEN" }).click();
    const replace = page.getByRole("dialog", { name: "Replace API-TOKEN" });
    await replace.waitFor();
    expect(await replace.locator("input").count()).toBe(1);
    const newValue = replace.getByLabel("New value");
    expect(await newValue.getAttribute("type")).toBe("password");
    expect(await newValue.inputValue()).toBe("");
    await newValue.fill(NEW_VALUE);
    await saveScreenshot(page, "secrets-replace-dialog");
    await replace.getByRole("button", { name: "Replace", exact: true }).click();
    await replace.waitFor({ state: "detached" });
    await page.getByRole("status").getByText("Replaced API-TOKEN: runs from now on read the new value.").waitFor();
    await expect.poll(() => row.getByTestId("secret-last4").textContent()).toBe(`…${NEW_VALUE.slice(-4)}`);
    expect(await host.services.engine.secrets!.get("API-TOKEN")).toBe(NEW_VALUE);
    const shown = await browserText(page, addresses);
    expect(shown).not.toContain(VALUE);
    expect(shown).not.toContain(NEW_VALUE);

    // A run from the Workflows page gets the value, and what it shows is [secret].
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workflows" }).click();
    await page.getByRole("link", { name: /uses-secret/ }).click();
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => page.getByTestId("run-status").textContent(), { timeout: 30_000 }).toBe("succeeded");
    expect(JSON.parse((await page.getByTestId("run-output").textContent())!)).toEqual({ token: "[secret]" });
    expect(await browserText(page, addresses)).not.toContain(NEW_VALUE);
    await saveScreenshot(page, "secrets-run-output");

    // Delete through the confirmation dialog: Cancel keeps it, Delete removes it.
    await page.goto("/settings/secrets");
    await row.getByRole("button", { name: "Delete API-TOKEN" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete API-TOKEN?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await host.services.engine.secrets!.get("API-TOKEN")).toBe(NEW_VALUE);
    await row.getByRole("button", { name: "Delete API-TOKEN" }).click();
    await confirm.getByText(/There is no secret named API-TOKEN/).waitFor();
    await saveScreenshot(page, "secrets-delete-dialog");
    await confirm.getByRole("button", { name: "Delete secret" }).click();
    await confirm.waitFor({ state: "detached" });
    await page.getByRole("status").getByText("Deleted API-TOKEN.").waitFor();
    await page.getByTestId("secrets-empty").waitFor();
    expect(await host.services.engine.secrets!.get("API-TOKEN")).toBeUndefined();

    // Nothing the host wrote holds a value either.
    const logs = host.logs.join("\n");
    expect(logs).not.toContain(VALUE);
    expect(logs).not.toContain(NEW_VALUE);
    await context.close();
  }, 120_000);
});

describe("Settings → Secrets behind Static Web Apps (AUTH_MODE=swa)", () => {
  let host: UiHost;

  beforeAll(async () => {
    host = await startUiHost({ env: { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" } });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  });

  const openAs = (user: string, roles: string[]) => host.newPage({ extraHTTPHeaders: { "x-ms-client-principal": swaPrincipalHeader(roles, user) } });

  it("gives a reader no Settings → Secrets, and no call to /api/secrets", async () => {
    const { page, context } = await openAs("rita-reader", ["reader"]);
    const apiCalls: string[] = [];
    page.on("request", (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith("/api/")) apiCalls.push(pathname);
    });
    await page.goto("/");
    await page.waitForURL("**/editor");
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()).toEqual(["Editor", "Workflows", "Runs", "Health"]);
    // A deep link shows why, not the page (SWA itself answers /settings/* with 403 for non-admins).
    await page.goto("/settings/secrets");
    await page.getByText(/only admins can open them\. You have the reader role/).waitFor();
    expect(await page.getByRole("heading", { name: "Settings · Secrets" }).count()).toBe(0);
    expect(await page.getByRole("navigation", { name: "Settings" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Add secret" }).count()).toBe(0);
    await page.waitForLoadState("networkidle");
    expect(apiCalls.filter((p) => p.startsWith("/api/secrets"))).toEqual([]);
    // And the API refuses a reader anyway.
    expect((await page.request.get("/api/secrets")).status()).toBe(403);
    await context.close();
  }, 60_000);

  it("gives an admin Settings → Secrets next to GitHub", async () => {
    const { page, context } = await openAs("ada-admin", ["admin"]);
    await page.goto("/settings/github");
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Secrets" }).click();
    await page.getByRole("heading", { name: "Settings · Secrets" }).waitFor();
    await page.getByTestId("secrets-empty").waitFor();
    await context.close();
  }, 60_000);
});
