// US-3 / FR-011 / FR-012a in Chromium, against the GitHub stand-in (real git repositories, real webhooks),
// the real local host with its queue worker, and Azurite: connect a non-empty workspace by PAT → the
// preview and the zip (which downloads and holds the files) → confirm → the repository's files in the tree,
// the read-only banner, no way to save; a `git push` shows up after a refresh; Disconnect → editing again.
// Then "Connect with GitHub": the App registered through the manifest flow, installed, verified and connected,
// all through the stand-in's web endpoints.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { listSyncRuns } from "../github-app/describe-connection.js";
import { readHostSettings } from "../local/host-json.js";
import { TABLES } from "../src/azure/resources.js";
import { newSyncRunId, SyncRunStore } from "../src/azure/sync-run-store.js";
import { expectReadOnlyEditor, saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { classicToken } from "./support/pat-tokens.js";
import { freePort } from "../local/azurite.js";

let github: GitHubStandIn;
let repo: StandInRepository;
let host: UiHost;
const token = classicToken();
const REPOSITORY = "octo-user/team-workflows";

/** Every file in a zip: name → content. */
async function readZip(file: string): Promise<Map<string, string>> {
  const buffer = await readFile(file);
  return new Promise((resolve, reject) => {
    const files = new Map<string, string>();
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      zip.on("error", reject);
      zip.on("end", () => resolve(files));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            files.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

beforeAll(async () => {
  github = await startGitHubStandIn();
  repo = await github.createRepository(REPOSITORY, { private: true });
  await repo.commit({ "workflows/from-repo.ts": "export const origin = 'repository';\n", "README.md": "# Team workflows\n" });
  github.addToken(token, { type: "classic", scopes: ["repo", "admin:repo_hook"] });
  const port = await freePort();
  const settings = readHostSettings();
  host = await startUiHost({
    enableQueues: true,
    settings: { ...settings, queues: { ...settings.queues, maxPollingIntervalInMs: 200 } },
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_WEB_URL: github.webUrl,
    },
  });
  // Manual work that connecting would replace.
  await writeFile(path.join(host.workspaceDir, "mine.ts"), "export const draft = true;\n");
}, 120_000);
afterAll(async () => {
  await host?.close();
  await github?.close();
});

describe("GitHub settings (US-3, FR-011, FR-012a)", () => {
  it("connects by PAT after the preview and the zip, follows pushes read-only, and disconnects", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/settings/github");
    await saveScreenshot(page, "settings-not-connected");

    await page.getByLabel("Token", { exact: true }).fill(token);
    await page.getByLabel("Repository").fill(REPOSITORY);
    await page.getByLabel("Branch").fill("main");
    await page.getByRole("button", { name: "Connect with token" }).click();

    // FR-012a: the workspace is not empty → what will happen, a zip, and an explicit confirmation.
    const dialog = page.getByRole("dialog", { name: "Replace the workspace with the repository?" });
    await dialog.waitFor();
    const preview = dialog.getByTestId("sync-preview");
    await preview.getByText("mine.ts").waitFor();
    await preview.getByText("workflows/from-repo.ts").waitFor();
    const confirm = dialog.getByRole("button", { name: "Connect and replace the workspace" });
    expect(await confirm.isDisabled()).toBe(true);
    await saveScreenshot(page, "settings-connect-preview");

    const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("link", { name: "Download workspace (.zip)" }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.zip$/);
    const downloads = await mkdtemp(path.join(tmpdir(), "ui-zip-"));
    try {
      const zipFile = path.join(downloads, download.suggestedFilename());
      await download.saveAs(zipFile);
      const entries = await readZip(zipFile);
      expect(entries.get("mine.ts")).toBe("export const draft = true;\n");
    } finally {
      await rm(downloads, { recursive: true, force: true });
    }

    await dialog.getByLabel(/I understand/).check();
    await confirm.click();
    await dialog.waitFor({ state: "detached" });

    // Connected: the token is never shown again, and the first sync brings the repository's files.
    await page.getByRole("heading", { name: /Connected to GitHub/ }).waitFor();
    await expect.poll(() => page.getByTestId("connection-state").textContent(), { timeout: 30_000 }).toBe("Ready");
    expect(await page.content()).not.toContain(token);
    await page.getByText(`••••${token.slice(-4)}`).waitFor();
    await page.getByText(/^Webhook/).waitFor();
    await page.getByRole("link", { name: (await repo.headSha()).slice(0, 7) }).first().waitFor();
    // Who: the connection names who made it, and the first sync who asked for it.
    expect(await page.getByTestId("connected-by").textContent()).toContain("local developer");
    const firstSync = page.getByRole("region", { name: "Sync history" }).locator("tbody tr").last();
    await expect.poll(() => firstSync.locator("td").nth(2).textContent()).toBe("local developer");
    await saveScreenshot(page, "settings-connected");

    await page.getByRole("link", { name: "Editor" }).click();
    await page.getByText(`Managed by GitHub: ${REPOSITORY}@main`).waitFor();
    await page.getByRole("treeitem", { name: "workflows" }).click();
    await page.getByRole("treeitem", { name: "from-repo.ts" }).click();
    await expect.poll(() => page.locator(".cm-content").textContent()).toContain("origin = 'repository'");
    expect(await page.getByRole("treeitem", { name: "mine.ts" }).count()).toBe(0);
    const onGitHub = page.getByRole("link", { name: "Open workflows/from-repo.ts on GitHub" });
    expect(await onGitHub.getAttribute("href")).toBe(`${github.webUrl}/${REPOSITORY}/blob/main/workflows/from-repo.ts`);

    // Read-only: no control changes anything, typing does nothing, Ctrl-S does not write.
    await expectReadOnlyEditor(page);
    expect(await readFile(path.join(host.workspaceDir, "workflows/from-repo.ts"), "utf8")).toBe("export const origin = 'repository';\n");
    await saveScreenshot(page, "editor-read-only");

    // A push reaches the workspace (webhook → queue → sync); a refresh shows it within seconds.
    const pushedAt = Date.now();
    await repo.commit({ "workflows/from-repo.ts": "export const origin = 'pushed';\n" });
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole("tab", { name: "from-repo.ts" }).waitFor();
          return page.locator(".cm-content").textContent();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toContain("origin = 'pushed'");
    expect(Date.now() - pushedAt).toBeLessThan(20_000);

    // A run that stood for a burst of pushes (github-app/push-jobs.ts) says how many. The newest real run,
    // recorded again as if three pushes had shared it.
    const [newest] = await listSyncRuns(host.services, 1);
    const { id: _id, error: _error, ...record } = newest!;
    await new SyncRunStore(host.services.storage.table(TABLES.syncRuns)).create({ ...record, runId: newSyncRunId(), trigger: "webhook", coalesced: 3 });
    await page.getByRole("link", { name: "Settings" }).click();
    const history = page.getByRole("region", { name: "Sync history" });
    await history.locator("tbody tr").nth(1).waitFor();
    expect(await history.locator("tbody tr").first().locator("td").nth(1).textContent()).toBe("webhook (3 pushes)");

    // Disconnect (with confirmation): the files stay, editing works again at once.
    await page.getByRole("button", { name: "Disconnect" }).click();
    const disconnect = page.getByRole("dialog", { name: "Disconnect GitHub?" });
    await disconnect.getByRole("button", { name: "Disconnect" }).click();
    await disconnect.waitFor({ state: "detached" });
    await page.getByLabel("Token", { exact: true }).waitFor();
    expect(await page.getByLabel("Token", { exact: true }).inputValue()).toBe("");

    await page.getByRole("link", { name: "Editor" }).click();
    await page.getByRole("tab", { name: "from-repo.ts" }).click();
    expect(await page.getByText(/Managed by GitHub/).count()).toBe(0);
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.insertText("export const edited = true;\n");
    await page.keyboard.press("Control+s");
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    expect(await readFile(path.join(host.workspaceDir, "workflows/from-repo.ts"), "utf8")).toBe(
      "export const origin = 'pushed';\nexport const edited = true;\n",
    );
    expect(host.logs.join("\n")).not.toContain(token);
    await context.close();
  }, 180_000);
  it("registers the GitHub App (manifest flow), installs it and connects through Connect with GitHub", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/settings/github");
    const appSection = page.getByRole("region", { name: "Connect with GitHub" });
    await appSection.getByRole("heading", { name: "Step 1 of 3: Create the GitHub App" }).waitFor();

    // Create GitHub App: our page posts app.yml (URLs from PUBLIC_URL) to GitHub, which creates the App and
    // sends the browser back to our callback, which stores its credentials and returns to Settings.
    // Starting is a JSON POST to our API (no GET changes state); the page then posts the manifest form to GitHub.
    const [start, post] = await Promise.all([
      page.waitForRequest((request) => request.method() === "POST" && new URL(request.url()).pathname === "/api/github/app/manifest"),
      page.waitForRequest((request) => request.method() === "POST" && request.url().startsWith(`${github.webUrl}/settings/apps/new`)),
      appSection.getByRole("button", { name: "Create GitHub App" }).click(),
    ]);
    expect(start.headers()["content-type"]).toBe("application/json");
    expect(JSON.parse(start.postData() ?? "{}")).toEqual({});
    const manifest = JSON.parse(new URLSearchParams(post.postData() ?? "").get("manifest") ?? "{}") as Record<string, unknown>;
    expect(manifest.hook_attributes).toMatchObject({ url: `${host.config.publicUrl}/api/github/webhooks` });
    expect(manifest.redirect_url).toBe(`${host.config.publicUrl}/api/github/app/callback`);
    await page.getByText(/The GitHub App .+ was created/).waitFor();
    await saveScreenshot(page, "settings-app-created");

    // Connect with GitHub: install on the repository, come back verified, pick repository and branch (the
    // picker lists the repository's real branches, default first, read on the installation token).
    await repo.commit({ "workflows/release.ts": "export const release = true;\n" }, { branch: "release/2025" });
    await repo.commit({ "workflows/ui.ts": "export const ui = true;\n" }, { branch: "feature/ui" });
    github.chooseNextInstallation({ account: "octo-user", repositories: [REPOSITORY] });
    // Who registered the App is on its card; "Connect with GitHub" is a POST that answers where to go.
    await expect.poll(() => appSection.getByTestId("app-facts").textContent()).toContain("registered by local developer");
    const [connectStart] = await Promise.all([
      page.waitForRequest((request) => request.method() === "POST" && new URL(request.url()).pathname === "/api/github/connect"),
      appSection.getByRole("button", { name: "Connect with GitHub" }).click(),
    ]);
    expect(connectStart.headers()["content-type"]).toBeUndefined();
    await page.waitForURL(/\/settings\?installation_id=\d+/);
    await appSection.getByLabel("Repository").waitFor();
    await expect.poll(() => appSection.getByLabel("Repository").inputValue()).toBe(REPOSITORY);
    const branchPicker = appSection.locator('select[name="branch"]');
    await branchPicker.waitFor();
    expect(await branchPicker.locator("option").allTextContents()).toEqual(["main", "feature/ui", "release/2025"]);
    expect(await branchPicker.inputValue()).toBe("main");
    await branchPicker.selectOption("release/2025");
    await saveScreenshot(page, "settings-app-pick-repository");
    const [connectRequest] = await Promise.all([
      page.waitForRequest((request) => request.method() === "POST" && new URL(request.url()).pathname === "/api/github/connection"),
      appSection.getByRole("button", { name: "Connect", exact: true }).click(),
    ]);
    expect(JSON.parse(connectRequest.postData() ?? "{}")).toMatchObject({ kind: "app", repository: REPOSITORY, branch: "release/2025" });

    // The workspace holds the files left by the previous test: the same confirmation as the PAT path.
    const dialog = page.getByRole("dialog", { name: "Replace the workspace with the repository?" });
    await dialog.getByTestId("sync-preview").waitFor();
    await dialog.getByLabel(/I understand/).check();
    await dialog.getByRole("button", { name: "Connect and replace the workspace" }).click();
    await page.getByRole("heading", { name: /Connected to GitHub/ }).waitFor();
    await page.getByText("GitHub App", { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId("app-facts").textContent()).toContain("registered by local developer");
    await expect.poll(() => page.getByTestId("connection-state").textContent(), { timeout: 30_000 }).toBe("Ready");
    expect(await page.getByTestId("branch").textContent()).toBe("release/2025");
    expect(await readFile(path.join(host.workspaceDir, "workflows/from-repo.ts"), "utf8")).toBe("export const origin = 'pushed';\n");
    expect(await readFile(path.join(host.workspaceDir, "workflows/release.ts"), "utf8")).toBe("export const release = true;\n");

    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("dialog", { name: "Disconnect GitHub?" }).getByRole("button", { name: "Disconnect" }).click();
    await page.getByLabel("Token", { exact: true }).waitFor();
    await context.close();
  }, 120_000);
});
