// Roles in Chromium (issue 16), AUTH_MODE=swa on the real local host: each browser carries the
// `x-ms-client-principal` Static Web Apps would add. A reader sees the workspace read-only with the reason and
// cannot run; an operator runs (the run names them) but still cannot edit; an admin has Settings; a person
// nobody invited sees "Ask to be invited" with their name, and the page makes no API call but "who am I". Once
// GitHub manages the workspace, every role sees the sync status (who connected, who asked for each sync) and only
// operators and admins "Sync now"; Disconnect and the token stay with admins.
// (SWA's own routing in front of this is test/ui-swa.test.ts; github mode is test/auth-github-mode.test.ts.)
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLES } from "../src/azure/resources.js";
import { newSyncRunId, SyncRunStore } from "../src/azure/sync-run-store.js";
import { DEFAULT_WORKSPACE_ID } from "../src/connection/connection-record.js";
import { expectReadOnlyEditor, saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { connect } from "./support/github-app-fixtures.js";
import { swaPrincipalHeader } from "./support/test-host.js";

let host: UiHost;

const SOURCE = `import { defineWorkflow } from "funcspace";

export default defineWorkflow({
  name: "greet",
  parameters: { who: { type: "string", required: true, label: "Who to greet" } },
  async run({ who }) {
    return { message: \`Hello, \${who}!\` };
  },
});
`;

beforeAll(async () => {
  // AUTH_SWA_EMULATOR: the named development setting for `swa` outside Azure (here only the test's browser reaches it).
  host = await startUiHost({ env: { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" } });
  await mkdir(path.join(host.workspaceDir, "workflows"));
  await writeFile(path.join(host.workspaceDir, "workflows/greet.ts"), SOURCE);
}, 120_000);
afterAll(async () => {
  await host?.close();
});

/** A browser signed in through SWA as `user` with `roles` (none: signed in, not invited). */
function openAs(user: string, roles: string[]) {
  return host.newPage({ extraHTTPHeaders: { "x-ms-client-principal": swaPrincipalHeader(roles, user) } });
}

describe("roles in the UI (AUTH_MODE=swa)", () => {
  it("shows a reader the workspace read-only with the reason, and no way to run a workflow", async () => {
    const { page, context } = await openAs("rita-reader", ["reader"]);
    await page.goto("/");
    await page.waitForURL("**/editor");
    expect(await page.getByTestId("account-user").textContent()).toBe("rita-reader");
    expect(await page.getByTestId("account-role").textContent()).toBe("reader");
    await page.getByRole("link", { name: "Sign out" }).waitFor();
    await page.getByText("You have the reader role: ask an admin for write access").waitFor();
    // Settings are for admins: not in the navigation.
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()).toEqual(["Editor", "Workflows", "Runs", "Health"]);

    await page.getByRole("treeitem", { name: "workflows" }).click();
    await page.getByRole("treeitem", { name: "greet.ts" }).click();
    await expect.poll(() => page.locator(".cm-content").textContent()).toContain("defineWorkflow");
    await expectReadOnlyEditor(page);
    expect(await readFile(path.join(host.workspaceDir, "workflows/greet.ts"), "utf8")).toBe(SOURCE);
    await saveScreenshot(page, "roles-reader-editor");

    await page.getByRole("link", { name: "Workflows" }).click();
    await page.getByRole("link", { name: /greet/ }).click();
    await page.getByLabel("Who to greet").waitFor();
    expect(await page.getByLabel("Who to greet").isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Run", exact: true }).count()).toBe(0);
    expect(await page.getByTestId("run-role-reason").textContent()).toBe("You have the reader role: ask an admin for the operator role to run workflows.");
    await saveScreenshot(page, "roles-reader-workflows");
    await context.close();
  }, 60_000);

  it("lets an operator run a workflow (the run names them) but not edit", async () => {
    const { page, context } = await openAs("oscar-operator", ["operator"]);
    await page.goto("/workflows?name=greet");
    await page.getByLabel("Who to greet").fill("team");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => page.getByTestId("run-output").textContent(), { timeout: 20_000 }).toContain("Hello, team!");
    expect(await page.getByTestId("run-started-by").textContent()).toBe("oscar-operator");
    const history = page.getByRole("region", { name: "Run history" });
    await expect.poll(() => history.locator("tbody tr").first().locator("td").nth(1).textContent()).toBe("oscar-operator");
    await saveScreenshot(page, "roles-operator-run");

    await page.getByRole("link", { name: "Editor" }).click();
    await page.getByText("You have the operator role: ask an admin for write access").waitFor();
    expect(await page.getByRole("button", { name: "New file" }).isDisabled()).toBe(true);
    await context.close();
  }, 60_000);

  it("gives an admin the editor and Settings", async () => {
    const { page, context } = await openAs("ada-admin", ["admin"]);
    await page.goto("/editor");
    await page.getByRole("treeitem", { name: "workflows" }).waitFor();
    expect(await page.getByRole("button", { name: "New file" }).isDisabled()).toBe(false);
    expect(await page.getByText(/ask an admin for write access/).count()).toBe(0);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings · GitHub" }).waitFor();
    await context.close();
  }, 60_000);

  it("tells a signed-in person nobody invited who they are and how to be invited, and calls nothing else", async () => {
    const { page, context } = await openAs("nina-newcomer", []);
    const apiCalls: string[] = [];
    page.on("request", (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith("/api/") || pathname.startsWith("/.auth/")) apiCalls.push(pathname);
    });
    await page.goto("/");
    await page.getByRole("heading", { name: "Ask to be invited" }).waitFor();
    await page.getByText("You are signed in as nina-newcomer (GitHub)").waitFor();
    await page.getByText(/Role management/).waitFor();
    await page.getByRole("link", { name: "Sign out" }).waitFor();
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0);
    // A deep link shows the same page (SWA serves it only the shell; here the host would serve more).
    await page.goto("/editor");
    await page.getByRole("heading", { name: "Ask to be invited" }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(new Set(apiCalls)).toEqual(new Set(["/api/auth/me"]));
    await saveScreenshot(page, "roles-not-invited");
    await context.close();
  }, 60_000);

  // Last: connecting makes the workspace read-only for everyone.
  it("shows every role the sync status and who did what, Sync now from operator up, Disconnect for admins", async () => {
    const record = await connect(host, {
      kind: "pat",
      repository: "octo-org/flows",
      tokenLast4: "9f3c",
      deliveryMode: "polling",
      connectedBy: "ada-admin",
      tokenRotatedBy: "ada-admin",
      tokenRotatedAt: new Date().toISOString(),
    });
    const startedAt = new Date().toISOString();
    await new SyncRunStore(host.services.storage.table(TABLES.syncRuns)).create({
      runId: newSyncRunId(),
      workspaceId: DEFAULT_WORKSPACE_ID,
      connectionId: record.connectionId,
      repository: record.repository,
      branch: record.branch,
      trigger: "manual",
      requestedBy: "oscar-operator",
      toSha: "b".repeat(40),
      result: "applied",
      added: 1,
      changed: 0,
      deleted: 0,
      skipped: 0,
      bytesDownloaded: 10,
      startedAt,
      finishedAt: startedAt,
      durationMs: 120,
    });

    const reader = await openAs("rita-reader", ["reader"]);
    await reader.page.goto("/editor");
    await reader.page.getByRole("link", { name: "GitHub: octo-org/flows@main" }).click();
    await reader.page.getByRole("heading", { name: /Connected to GitHub/ }).waitFor();
    expect(await reader.page.getByTestId("connected-by").textContent()).toContain("ada-admin");
    expect(await reader.page.getByTestId("token-rotated").textContent()).toContain("replaced by ada-admin");
    const history = reader.page.getByRole("region", { name: "Sync history" });
    await expect.poll(() => history.locator("tbody tr").first().locator("td").nth(2).textContent()).toBe("oscar-operator");
    expect(await reader.page.getByRole("button", { name: "Sync now" }).count()).toBe(0);
    expect(await reader.page.getByTestId("sync-role-reason").textContent()).toBe("You have the reader role: ask an admin for the operator role to sync now.");
    expect(await reader.page.getByRole("button", { name: "Disconnect" }).count()).toBe(0);
    expect(await reader.page.getByRole("region", { name: "Rotate token" }).count()).toBe(0);
    await saveScreenshot(reader.page, "roles-reader-sync");
    await reader.context.close();

    const operator = await openAs("oscar-operator", ["operator"]);
    await operator.page.goto("/sync");
    await operator.page.getByRole("button", { name: "Sync now" }).click();
    await operator.page.getByText("Sync requested.").waitFor();
    expect(await operator.page.getByRole("button", { name: "Disconnect" }).count()).toBe(0);
    await operator.context.close();

    const admin = await openAs("ada-admin", ["admin"]);
    await admin.page.goto("/settings/github");
    await admin.page.getByRole("button", { name: "Disconnect" }).waitFor();
    await admin.page.getByRole("region", { name: "Rotate token" }).waitFor();
    await admin.context.close();
  }, 60_000);
});
