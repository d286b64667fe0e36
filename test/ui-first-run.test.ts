// Issue 20, item 4, in Chromium against the real local host: an empty workspace offers "Create your first
// workflow" (not an empty editor), which writes README's example (workflow and helper) through the files API and
// opens it with the run panel; Ctrl+Enter runs it and it succeeds. "New workflow" writes a runnable skeleton whose
// name no other workflow has. Who cannot write is told why instead: the repository GitHub syncs from (with a link
// to it), or the role.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { readmeExampleFiles } from "./support/readme-example.js";

let host: UiHost;
beforeAll(async () => {
  host = await startUiHost();
}, 120_000);
afterAll(async () => {
  await host?.close();
});

const onDisk = (relative: string) => readFile(path.join(host.workspaceDir, relative), "utf8");

/** The run panel's latest run, once it has finished. */
async function finishedRun(page: Page): Promise<{ status: string; output: string }> {
  const panel = page.locator(".run-panel");
  await panel.getByTestId("run-status").filter({ hasText: /succeeded|failed/ }).waitFor({ timeout: 20_000 });
  return { status: (await panel.getByTestId("run-status").textContent()) ?? "", output: (await panel.getByTestId("run-output").textContent().catch(() => "")) ?? "" };
}

describe("first run (issue 20, item 4)", () => {
  it("goes from an empty workspace to a successful run: Create your first workflow, then Ctrl+Enter", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/");
    await page.waitForURL("**/editor");
    const firstRun = page.getByRole("region", { name: "Your workspace is empty" });
    await firstRun.waitFor();
    expect(await page.getByText("Create a file to start").count()).toBe(0);
    await saveScreenshot(page, "first-run-empty");

    await firstRun.getByRole("button", { name: "Create your first workflow" }).click();
    await page.getByRole("tab", { name: "hello.ts" }).waitFor();
    await firstRun.waitFor({ state: "detached" });
    // README's example, byte for byte, with its helper.
    const readme = await readmeExampleFiles();
    expect(readme.map((f) => f.path).sort()).toEqual(["workflows/_text.ts", "workflows/hello.ts"]);
    for (const file of readme) expect(await onDisk(file.path), file.path).toBe(file.text);
    await page.getByRole("treeitem", { name: "_text.ts" }).waitFor();
    await expect.poll(() => page.locator(".cm-content").textContent()).toContain('name: "hello"');

    // Opened with its run panel, every field filled: Ctrl+Enter runs it as it is.
    const panel = page.locator(".run-panel");
    await panel.getByRole("heading", { name: "Run hello" }).waitFor();
    expect(await panel.getByLabel("Who to greet").inputValue()).toBe("world");
    await saveScreenshot(page, "first-run-created");
    await page.keyboard.press("Control+Enter");
    const run = await finishedRun(page);
    expect(run.status).toBe("succeeded");
    expect(run.output).toContain('"Hello, world!"');
    await saveScreenshot(page, "first-run-succeeded");
    await context.close();
  }, 90_000);

  it("starts New workflow from a runnable skeleton with a name no other workflow has", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/editor");
    await page.getByRole("treeitem", { name: "workflows" }).waitFor();

    await page.getByRole("button", { name: "New workflow" }).click();
    const dialog = page.getByRole("dialog", { name: "New workflow" });
    const field = dialog.getByLabel("Workflow file");
    expect(await field.inputValue()).toBe("workflows/new-workflow.ts");
    // The name "hello" is taken (the first workflow): the new one is hello-2.
    await field.fill("flows/hello.ts");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("tab", { name: "hello.ts" }).waitFor();
    const skeleton = await onDisk("flows/hello.ts");
    expect(skeleton).toContain('import { defineWorkflow } from "funcspace";');
    expect(skeleton).toContain('name: "hello-2",');
    await expect.poll(() => page.locator(".cm-content").textContent()).toContain('name: "hello-2"');

    // It runs as created (Ctrl+Enter opens the run panel and runs), and both workflows load.
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Enter");
    const panel = page.locator(".run-panel");
    await panel.getByRole("heading", { name: "Run hello-2" }).waitFor();
    const run = await finishedRun(page);
    expect(run.status).toBe("succeeded");
    const list = (await (await host.fetch("/api/workflows")).json()) as { workflows: { name: string }[]; errors: unknown[] };
    expect(list.errors).toEqual([]);
    expect(list.workflows.map((w) => w.name).sort()).toEqual(["hello", "hello-2"]);

    // A second New workflow in the same folder proposes a file name not in use.
    await page.getByRole("treeitem", { name: "hello.ts" }).last().click();
    await page.getByRole("button", { name: "New workflow" }).click();
    expect(await page.getByRole("dialog", { name: "New workflow" }).getByLabel("Workflow file").inputValue()).toBe("flows/new-workflow.ts");
    await page.keyboard.press("Escape");
    await context.close();
  }, 90_000);

  it("says why instead when the workspace is read-only: GitHub manages it (with a link), or the role", async () => {
    // The UI's side only: the answers of /api/auth/me and /api/github/connection stand in for a connected
    // repository and for a reader; the workspace listing is really empty.
    const { page, context } = await host.newPage();
    await page.route("**/api/workspace/tree", (route) =>
      route.fulfill({ json: { root: { type: "folder", name: "", path: "", modified: new Date().toISOString(), mode: 0o755, children: [] }, files: 0, folders: 0, bytes: 0 } }),
    );
    await page.route("**/api/github/connection", (route) =>
      route.fulfill({
        json: { connected: true, kind: "pat", repository: "octo-org/flows", branch: "main", githubWebUrl: "https://github.example", state: "Ready" },
      }),
    );
    await page.goto("/editor");
    const firstRun = page.getByRole("region", { name: "Your workspace is empty" });
    await firstRun.getByText("GitHub syncs it from").waitFor();
    expect(await firstRun.getByRole("button", { name: "Create your first workflow" }).count()).toBe(0);
    expect(await firstRun.getByRole("link", { name: "Open the repository on GitHub" }).getAttribute("href")).toBe("https://github.example/octo-org/flows/tree/main");
    expect(await page.getByRole("button", { name: "New workflow" }).isDisabled()).toBe(true);
    await saveScreenshot(page, "first-run-github");

    await page.unroute("**/api/github/connection");
    await page.route("**/api/auth/me", (route) =>
      route.fulfill({ json: { authMode: "local", signedIn: true, user: "rita", provider: "local", roles: ["reader"], role: "reader" } }),
    );
    await page.reload();
    await firstRun.getByText("Only an admin can create the first workflow").waitFor();
    expect(await firstRun.getByRole("button", { name: "Create your first workflow" }).count()).toBe(0);
    await context.close();
  }, 60_000);
});
