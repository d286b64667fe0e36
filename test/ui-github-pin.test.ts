// Pin and roll back (issue 21, item 3) in Chromium, end to end: the real local host (AUTH_MODE=swa, each browser
// carrying the principal Static Web Apps would add) with its queue worker and Azurite, real git repositories
// behind the GitHub stand-in and a real repository webhook. An admin pins an older commit from the synced
// commits, a push while pinned is recorded and counted but not applied, and Unpin brings the branch head; each
// step is checked on disk against `git archive` of the commit, not only on the page. Readers and operators see
// the same list and banner without Pin or Unpin. A pin the branch loses to a force-push is explained.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHostSettings } from "../local/host-json.js";
import type { ConnectionStatus, SyncRun } from "../src/api-types.js";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { expectNoHorizontalOverflow } from "./support/expect-no-horizontal-overflow.js";
import { connectPatWithRepoHook, removeRepoHooks, resetGitHubState } from "./support/github-app-fixtures.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { seriousViolations } from "./support/serious-violations.js";
import { archiveState, diffWorkspace } from "./support/sync-fixtures.js";
import { createTempDir } from "./support/temp-dir.js";
import { swaPrincipalHeader } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";

// The machine is shared with other test runs: syncs and polls get a minute.
const SLOW = { timeout: 60_000, interval: 500 };
const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };
const ADMIN = "ada-admin";

let github: GitHubStandIn;
let repo: StandInRepository;
let host: UiHost;
let scratch: { path: string; cleanup(): Promise<void> };
let token: string | undefined;
let connectionId: string;
/** c1 → c2 → c3, each synced in turn before the tests; c4 is pushed while pinned. */
let c1: string;
let c2: string;
let c3: string;
let c4: string | undefined;

const short = (sha: string) => sha.slice(0, 7);
const as = (role: string, user: string) => ({ "x-ms-client-principal": swaPrincipalHeader([role], user) });
const api = (path: string, init: RequestInit = {}) => host.fetch(path, { ...init, headers: { ...as("admin", ADMIN), ...init.headers } });
const status = async (): Promise<ConnectionStatus> => (await api("/api/github/connection")).json() as Promise<ConnectionStatus>;
/** This connection's history, newest first (the test file's table may hold other connections' runs). */
const history = async (): Promise<SyncRun[]> =>
  ((await (await api("/api/github/sync-runs?limit=200")).json()) as { runs: SyncRun[] }).runs.filter((r) => r.connectionId === connectionId);

/** Waits until the workspace holds `sha` by the record, the connection is Ready and no job is queued or running. */
async function settledAt(sha: string): Promise<ConnectionStatus> {
  return waitFor(
    `the workspace at ${short(sha)}`,
    async () => {
      const now = await status();
      if (now.appliedSha !== sha || now.state !== "Ready") return undefined;
      const queue = await host.services.storage.queue("workspace-sync").getProperties();
      if (queue.approximateMessagesCount !== 0 || (await history()).some((r) => r.result === "running")) return undefined;
      return now;
    },
    { timeoutInMs: 60_000, intervalInMs: 200 },
  );
}

/** The workspace equals `git archive` of the commit, file by file (bytes and exec bits), nothing extra. */
async function expectWorkspaceAt(sha: string): Promise<void> {
  expect(await diffWorkspace(host.workspaceDir, await archiveState(repo, sha, scratch.path))).toEqual([]);
}

function openAs(role: string, user: string) {
  return host.newPage({ extraHTTPHeaders: as(role, user) });
}

/** The short SHAs of the synced-commits list, top to bottom. */
function listedCommits(page: Page): Promise<string[]> {
  return commitsRegion(page).locator("tbody tr td:first-child").allTextContents();
}
const commitsRegion = (page: Page) => page.getByRole("region", { name: "Synced commits", exact: true });
const historyRegion = (page: Page) => page.getByRole("region", { name: "Sync history", exact: true });
const pinButtons = (page: Page) => page.getByRole("button", { name: /^Pin [0-9a-f]{7}$/ });
const unpinButtons = (page: Page) => page.getByRole("button", { name: /^Unpin/ });

beforeAll(async () => {
  github = await startGitHubStandIn();
  repo = await github.createRepository("octo-user/rollback", { private: true });
  c1 = await repo.commit({ "README.md": "# v1\n", "flows/hello.ts": "export default () => 'v1';\n", "flows/old.ts": "export default () => 'old';\n" }, { message: "v1" });
  scratch = await createTempDir("ui-pin-archives-");
  host = await startUiHost({
    enableQueues: true,
    settings,
    env: { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true", GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl },
  });
  await resetGitHubState(host);
  const connected = await connectPatWithRepoHook(host, github, repo.fullName);
  ({ token } = connected);
  connectionId = connected.record.connectionId;
  // Each commit synced on its own, so the history holds three applied runs: Sync now, then two webhook pushes.
  expect((await api("/api/github/sync", { method: "POST" })).status).toBe(202);
  await settledAt(c1);
  c2 = await repo.commit({ "flows/hello.ts": "export default () => 'v2';\n", "flows/old.ts": null, "flows/new.ts": "export default () => 'new';\n" }, { message: "v2" });
  await settledAt(c2);
  c3 = await repo.commit({ "README.md": "# v3\n", "bin/tool.sh": { content: "#!/bin/sh\necho v3\n", executable: true } }, { message: "v3" });
  await settledAt(c3);
  await expectWorkspaceAt(c3);
}, 240_000);
afterAll(async () => {
  if (token) await removeRepoHooks(github, repo.fullName, token).catch(() => undefined);
  await host?.close();
  await github?.close();
  await scratch?.cleanup();
});

describe("pin and roll back in the UI", () => {
  it("lets an admin pin an older commit, holds pushes while pinned, and unpins to the branch head", async () => {
    const { page, context } = await openAs("admin", ADMIN);
    await page.goto("/settings/github");
    await page.getByRole("heading", { name: /Connected to GitHub/ }).waitFor();

    // The synced commits, newest first; the current one (c3) is marked and is the only one without Pin.
    await expect.poll(() => listedCommits(page), SLOW).toEqual([c3, c2, c1].map(short));
    const rows = commitsRegion(page).locator("tbody tr");
    expect(await rows.first().getByText("current", { exact: true }).count()).toBe(1);
    expect(await rows.nth(1).getByText("current", { exact: true }).count()).toBe(0);
    expect(await rows.nth(1).locator("td").nth(2).textContent()).toBe("webhook");
    expect(await rows.nth(2).locator("td").nth(2).textContent()).toBe(`manual by ${ADMIN}`);
    expect(await pinButtons(page).count()).toBe(2);
    expect(await page.getByRole("button", { name: `Pin ${short(c3)}` }).count()).toBe(0);
    expect(await unpinButtons(page).count()).toBe(0);
    expect(await page.getByTestId("pin-banner").count()).toBe(0);

    // A refusal from the server is shown in the dialog in the server's words, and nothing is pinned.
    github.faults.failNext({ path: /\/compare\//, status: 401 });
    const pinC2 = page.getByRole("button", { name: `Pin ${short(c2)}` });
    await pinC2.click();
    const refused = page.getByRole("dialog", { name: `Pin the workspace to ${short(c2)}?` });
    await refused.waitFor();
    // The native dialog moves the focus in (as every dialog of the UI does) and back to Pin when it closes.
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest("dialog")))).toBe(true);
    await refused.getByRole("button", { name: `Pin to ${short(c2)}` }).click();
    await expect.poll(() => refused.getByRole("alert").textContent(), SLOW).toContain(`GitHub rejected the token for ${repo.fullName} (401)`);
    expect((await status()).pin).toBeUndefined();
    await refused.getByRole("button", { name: "Cancel" }).click();
    await refused.waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(`Pin ${short(c2)}`);

    // Pin c1: the dialog says what will happen, then the workspace becomes c1 exactly.
    await page.getByRole("button", { name: `Pin ${short(c1)}` }).click();
    const dialog = page.getByRole("dialog", { name: `Pin the workspace to ${short(c1)}?` });
    await dialog.waitFor();
    const said = await dialog.textContent();
    expect(said).toContain(`The workspace will be made exactly commit ${short(c1)} of ${repo.fullName}`);
    expect(said).toContain("pushes to main are recorded in the sync history but not applied, until an admin unpins");
    await saveScreenshot(page, "settings-pin-dialog");
    await dialog.getByRole("button", { name: `Pin to ${short(c1)}` }).click();
    await dialog.waitFor({ state: "detached" });
    await commitsRegion(page).getByRole("status").getByText(`Pinned to ${short(c1)}`).waitFor();
    const banner = page.getByRole("region", { name: /^Pinned to/ });
    await expect.poll(() => banner.getByTestId("pin-summary").textContent(), SLOW).toBe(`Pinned to ${short(c1)} by ${ADMIN}; 2 newer commits waiting.`);
    expect(await banner.textContent()).toContain(`Pinned by ${ADMIN} on `);
    expect(await banner.getByTestId("pin-off-branch").count()).toBe(0);
    // Every page says so in the header, not only the sync pages.
    await page.getByRole("link", { name: `GitHub (pinned ${short(c1)}): ${repo.fullName}@main` }).waitFor();
    await settledAt(c1);
    await expectWorkspaceAt(c1);
    await expect.poll(() => rows.nth(2).getByText("current", { exact: true }).count(), SLOW).toBe(1);
    expect(await rows.nth(2).getByText("pinned", { exact: true }).count()).toBe(1);
    expect(await pinButtons(page).count()).toBe(2);
    expect(await page.getByRole("button", { name: `Pin ${short(c3)}` }).count()).toBe(1);
    const events = historyRegion(page).locator("tbody tr");
    await expect.poll(() => events.filter({ hasText: `pinned to ${short(c1)}; 2 newer commits waiting` }).count(), SLOW).toBe(1);

    // A push while pinned: recorded in the history and counted in the banner, not applied.
    c4 = await repo.commit({ "flows/hello.ts": "export default () => 'v4';\n" }, { message: "v4" });
    expect(github.deliveries.findLast((d) => d.event === "push")).toMatchObject({ outcome: "delivered", statusCode: 202 });
    await expect.poll(() => banner.getByTestId("pin-summary").textContent(), SLOW).toBe(`Pinned to ${short(c1)} by ${ADMIN}; 3 newer commits waiting.`);
    const held = events.filter({ hasText: `push recorded, not applied: pinned to ${short(c1)}` });
    await expect.poll(() => held.count(), SLOW).toBe(1);
    expect(await held.locator("td").nth(1).textContent()).toBe("webhook");
    expect(await held.locator("td").nth(3).textContent()).toBe(`${short(c4)} (not applied)`);
    expect(await held.locator("td").nth(6).textContent()).toBe(`push recorded, not applied: pinned to ${short(c1)}; 3 newer commits waiting`);
    await settledAt(c1);
    await expectWorkspaceAt(c1);
    // c4 was never applied, so it is not a synced commit.
    expect(await listedCommits(page)).toEqual([c3, c2, c1].map(short));
    await saveScreenshot(page, "settings-pinned");

    // Unpin (asks first): the branch head c4 is applied, the banner goes, and the history says so.
    await unpinButtons(page).click();
    const unpin = page.getByRole("dialog", { name: "Unpin and follow main again?" });
    await unpin.waitFor();
    expect(await unpin.textContent()).toContain(`synced to the head of main (${short(c4)}), applying the 3 newer commits pushed since the pin`);
    await unpin.getByRole("button", { name: "Unpin", exact: true }).click();
    await unpin.waitFor({ state: "detached" });
    await banner.waitFor({ state: "detached", timeout: 60_000 });
    await settledAt(c4);
    await expectWorkspaceAt(c4);
    await expect.poll(() => events.filter({ hasText: "unpinned: following main again" }).count(), SLOW).toBe(1);
    await expect.poll(() => listedCommits(page), SLOW).toEqual([c4, c3, c2, c1].map(short));
    await expect.poll(() => rows.first().getByText("current", { exact: true }).count(), SLOW).toBe(1);
    expect((await status()).pin).toBeUndefined();
    await page.getByRole("link", { name: `GitHub: ${repo.fullName}@main`, exact: true }).waitFor();
    await context.close();
  }, 300_000);

  it("shows readers and operators the synced commits and the pin without Pin or Unpin, and fits a phone", async () => {
    expect(c4, "runs after the admin test").toBeDefined();
    const pinned = await api("/api/github/pin", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sha: c2 }) });
    expect(pinned.status).toBe(200);
    await settledAt(c2);

    for (const [role, user] of [["reader", "rita-reader"], ["operator", "oscar-operator"]] as const) {
      const { page, context } = await openAs(role, user);
      await page.goto("/sync");
      await expect.poll(() => listedCommits(page), SLOW).toEqual([c4!, c3, c2, c1].map(short));
      await expect
        .poll(() => page.getByTestId("pin-summary").textContent(), SLOW)
        .toBe(`Pinned to ${short(c2)} by ${ADMIN}; 2 newer commits waiting.`);
      expect(await commitsRegion(page).textContent()).toContain(`You have the ${role} role: ask an admin for write access.`);
      expect(await pinButtons(page).count()).toBe(0);
      expect(await unpinButtons(page).count()).toBe(0);
      await saveScreenshot(page, `sync-pinned-${role}`);
      await context.close();
    }

    // The same page for an admin has them (the counts above are of buttons that exist), and fits a phone:
    // no sideways scrolling, no serious axe-core finding, the dialog inside the screen.
    const { page, context } = await openAs("admin", ADMIN);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/sync");
    await expect.poll(() => pinButtons(page).count(), SLOW).toBe(3);
    expect(await unpinButtons(page).count()).toBe(1);
    await expectNoHorizontalOverflow(page);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, "sync-pinned-admin-390");
    await page.getByRole("button", { name: `Pin ${short(c1)}` }).click();
    const dialog = page.getByRole("dialog", { name: `Pin the workspace to ${short(c1)}?` });
    await dialog.waitFor();
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await status()).pin?.sha).toBe(c2);
    await context.close();

    expect((await api("/api/github/pin", { method: "DELETE" })).status).toBe(200);
    await settledAt(c4!);
  }, 180_000);

  it("explains a pin the branch no longer contains (a force-push), and unpins to the rewritten branch", async () => {
    expect(c4, "runs after the admin test").toBeDefined();
    expect((await api("/api/github/pin", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sha: c3 }) })).status).toBe(200);
    await settledAt(c3);
    const { page, context } = await openAs("admin", ADMIN);
    await page.goto("/settings/github");
    const banner = page.getByTestId("pin-banner");
    await expect.poll(() => banner.getByTestId("pin-summary").textContent(), SLOW).toBe(`Pinned to ${short(c3)} by ${ADMIN}; 1 newer commit waiting.`);
    expect(await banner.getByTestId("pin-off-branch").count()).toBe(0);

    // main is rewritten back to c2: the pinned c3 is no longer on it. The push is recorded, the pin holds.
    await repo.forcePush(c2);
    await expect.poll(() => banner.getByTestId("pin-off-branch").count(), SLOW).toBe(1);
    expect(await banner.getByTestId("pin-off-branch").textContent()).toContain("The branch main no longer contains this commit (it was force-pushed or rewritten)");
    expect(await banner.getByTestId("pin-summary").textContent()).toBe(`Pinned to ${short(c3)} by ${ADMIN}; no newer commits; the branch main no longer contains it.`);
    await settledAt(c3);
    await expectWorkspaceAt(c3);
    await saveScreenshot(page, "settings-pinned-off-branch");

    await page.getByRole("button", { name: "Unpin (follow main again)" }).click();
    const unpin = page.getByRole("dialog", { name: "Unpin and follow main again?" });
    await unpin.getByRole("button", { name: "Unpin", exact: true }).click();
    await banner.waitFor({ state: "detached", timeout: 60_000 });
    await settledAt(c2);
    await expectWorkspaceAt(c2);
    await context.close();
  }, 180_000);
});
