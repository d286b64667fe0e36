// Live runs in Chromium (issue 19, items 1, 3, 4, 5), against the real local host (Azurite, the runner, the queue)
// in AUTH_MODE=swa, each browser carrying the principal Static Web Apps would add. Operators' browsers are told to
// stream (`funcspace.runEvents=auto`: the auth mode alone would pick long polling, as behind SWA), so both ways are
// exercised: server-sent events for operators, long polling for the reader, and the fall-back from a stream that a
// buffering proxy holds back. Every "live" assertion compares when a line was seen with when the run finished.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../src/api-types.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { swaPrincipalHeader } from "./support/test-host.js";

let host: UiHost;

const TICKER = `import { defineWorkflow } from "funcspace";

export default defineWorkflow({
  name: "ticker",
  description: "Logs a line and reports progress every tick.",
  parameters: {
    ticks: { type: "integer", default: 10, label: "Ticks" },
    everyMs: { type: "integer", default: 1000, label: "Every (ms)" },
    apiToken: { type: "string", label: "API token" },
  },
  async run({ ticks, everyMs }, { log, progress, abortSignal }) {
    for (let i = 1; i <= ticks; i++) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      if (abortSignal.aborted) throw new Error("stopped as asked");
      log.info("tick " + i, { i });
      progress(i, ticks, "tick " + i);
    }
    return { ticks };
  },
});
`;

const COUNTDOWN = [
  'import { defineWorkflow } from "funcspace";',
  "",
  "export default defineWorkflow({",
  '  name: "countdown",',
  '  parameters: { fail: { type: "boolean", default: false, label: "Fail at the end" } },',
  "  async run({ fail }, { log, progress }) {",
  "    for (let i = 3; i >= 1; i--) {",
  '      log.info("countdown " + i);',
  "      progress(4 - i, 3);",
  "      await new Promise((resolve) => setTimeout(resolve, 800));",
  "    }",
  '    if (fail) throw new Error("liftoff aborted");',
  "    return { liftoff: true };",
  "  },",
  "});",
  "",
].join("\n");

beforeAll(async () => {
  host = await startUiHost({ env: { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" } });
  await writeWorkspaceFile(host.workspaceDir, "workflows/ticker.ts", TICKER);
  await writeWorkspaceFile(host.workspaceDir, "workflows/countdown.ts", COUNTDOWN);
}, 120_000);
afterAll(async () => {
  await host?.close();
});

/** A browser signed in through SWA; `stream` lets it use server-sent events (SWA mode alone means long polling). */
async function openAs(user: string, roles: string[], options: { stream?: boolean } = {}): Promise<{ page: Page; context: BrowserContext }> {
  const opened = await host.newPage({ extraHTTPHeaders: { "x-ms-client-principal": swaPrincipalHeader(roles, user) } });
  if (options.stream) await opened.context.addInitScript(() => localStorage.setItem("funcspace.runEvents", "auto"));
  return opened;
}

function api(path: string, init: RequestInit = {}, user = "oscar-operator", roles = ["operator"]): Promise<Response> {
  return host.fetch(path, { ...init, headers: { "content-type": "application/json", "x-ms-client-principal": swaPrincipalHeader(roles, user), ...init.headers } });
}

async function getRecord(id: string): Promise<RunRecord> {
  return (await (await api(`/api/runs/${id}`)).json()) as RunRecord;
}

async function queueTicker(params: Record<string, unknown>): Promise<RunRecord> {
  const response = await api("/api/workflows/ticker/runs?wait=false", { method: "POST", body: JSON.stringify({ params }) });
  expect(response.status).toBe(202);
  return (await response.json()) as RunRecord;
}

async function waitForFinish(id: string, timeoutInMs = 40_000): Promise<RunRecord> {
  let record = await getRecord(id);
  for (const deadline = Date.now() + timeoutInMs; !record.finishedAt; record = await getRecord(id)) {
    if (Date.now() > deadline) throw new Error(`run ${id} did not finish (status ${record.status})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return record;
}

const shownRunId = (page: Page, scope = "") => page.locator(`${scope} [data-run-id]`).first().getAttribute("data-run-id");
const logLines = (page: Page) => page.getByTestId("run-logs").locator("li .log-message").allTextContents();

describe("live runs in the UI", () => {
  it("shows log lines as they come over server-sent events, with progress, elapsed time, the run id and masked secrets", async () => {
    const { page, context } = await openAs("oscar-operator", ["operator"], { stream: true });
    await page.goto("/workflows?name=ticker");
    await page.getByLabel("API token").fill("tok-very-secret-123");
    await page.getByRole("button", { name: "Run", exact: true }).click();

    const result = page.getByRole("region", { name: "Run result" });
    await result.getByTestId("run-logs").getByText("tick 1", { exact: true }).waitFor({ timeout: 15_000 });
    const firstLineSeen = Date.now();
    const id = (await shownRunId(page))!;
    expect(await result.getByTestId("run-status").textContent()).toBe("running");
    expect(await result.getByTestId("run-live").textContent()).toBe("live");
    expect(await result.getByTestId("run-id").getAttribute("title")).toBe(id);
    expect(await result.getByTestId("run-id").textContent()).toBe(id.slice(id.lastIndexOf("-") + 1));
    await expect.poll(() => result.getByTestId("run-elapsed").textContent()).toMatch(/^running for \d+ s$/);
    // The progress bar moves with the ticks.
    await expect.poll(async () => Number(await result.getByRole("progressbar", { name: "Progress" }).getAttribute("value")), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await saveScreenshot(page, "runs-live");

    await result.getByTestId("run-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    const record = await getRecord(id);
    // Live: the first line was on screen most of the run's ten seconds before it ended.
    expect(Date.parse(record.finishedAt!) - firstLineSeen).toBeGreaterThan(5000);
    expect(await logLines(page)).toEqual(Array.from({ length: 10 }, (_, i) => `tick ${i + 1}`));
    expect(await result.getByTestId("run-elapsed").textContent()).toMatch(/^took \d+\.\d s$/);
    expect(await result.getByTestId("run-output").textContent()).toContain('"ticks": 10');
    expect(await result.getByTestId("run-live").count()).toBe(0);

    // The parameter that looks secret is masked in the run and the history, and not remembered by the browser.
    expect(await result.getByTestId("run-params").textContent()).toContain("apiToken••••••");
    const history = page.getByRole("region", { name: "Run history" });
    const row = history.locator(`[data-run-row="${id}"]`);
    await expect.poll(() => row.locator("td").nth(2).textContent()).toContain("succeeded");
    expect(await row.locator("td").nth(1).textContent()).toBe("oscar-operator");
    expect(await row.textContent()).toContain("apiToken=••••••");
    expect(await page.locator("main").textContent()).not.toContain("tok-very-secret-123");
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain("tok-very-secret-123");
    await saveScreenshot(page, "runs-finished");
    await context.close();
  }, 90_000);

  it("cancels a running run: Cancelling…, then cancelled, naming who cancelled", async () => {
    const { page, context } = await openAs("oscar-operator", ["operator"], { stream: true });
    await page.goto("/workflows?name=ticker");
    await page.getByLabel("Ticks").fill("20");
    await page.getByLabel("Every (ms)").fill("1500");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const result = page.getByRole("region", { name: "Run result" });
    await result.getByText("tick 1", { exact: true }).waitFor({ timeout: 15_000 });
    const id = (await shownRunId(page))!;

    await result.getByRole("button", { name: "Cancel run" }).click();
    await result.getByTestId("run-cancel-info").filter({ hasText: "Cancelling…" }).waitFor();
    expect(await result.getByRole("button", { name: "Cancelling…" }).isDisabled()).toBe(true);
    await saveScreenshot(page, "runs-cancelling");
    await result.getByTestId("run-status").filter({ hasText: "cancelled" }).waitFor({ timeout: 15_000 });
    expect(await result.getByTestId("run-cancelled-by").textContent()).toBe("oscar-operator");
    expect(await result.getByRole("button", { name: /Cancel/ }).count()).toBe(0);
    const record = await getRecord(id);
    expect(record).toMatchObject({ status: "cancelled", cancelledBy: "oscar-operator" });
    // Stopped mid-run: far fewer than 20 ticks.
    expect((await logLines(page)).length).toBeLessThan(10);
    await saveScreenshot(page, "runs-cancelled");
    await context.close();
  }, 60_000);

  it("resumes a running run after a reload without doubling its lines, and the runs list moves on by itself", async () => {
    const { page, context } = await openAs("oscar-operator", ["operator"], { stream: true });
    await page.goto("/workflows?name=ticker");
    // Long enough (16 × 700 ms) that the reload lands mid-run even on a loaded 2-core machine.
    await page.getByLabel("Ticks").fill("16");
    await page.getByLabel("Every (ms)").fill("700");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByTestId("run-logs").getByText("tick 2", { exact: true }).waitFor({ timeout: 15_000 });
    const id = (await shownRunId(page))!;
    expect(page.url()).toContain(`run=${id}`);

    await page.reload();
    const result = page.getByRole("region", { name: "Run result" });
    await result.getByTestId("run-live").waitFor();
    expect((await getRecord(id)).finishedAt).toBeUndefined();
    await result.getByTestId("run-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 40_000 });
    expect(await logLines(page)).toEqual(Array.from({ length: 16 }, (_, i) => `tick ${i + 1}`));

    // The list of runs, opened while one runs: its row turns from running to succeeded with no reload.
    const queued = await queueTicker({ ticks: 4, everyMs: 700 });
    await page.goto("/runs");
    const row = page.locator(`[data-run-row="${queued.id}"]`);
    await expect.poll(() => row.getByTestId("run-row-status").textContent(), { timeout: 15_000 }).toMatch(/queued|running/);
    await saveScreenshot(page, "runs-list-running");
    await expect.poll(() => row.getByTestId("run-row-status").textContent(), { timeout: 30_000 }).toBe("succeeded");
    await context.close();
  }, 90_000);

  it("re-runs with the same parameters (a new run), offers them for editing, and filters the list", async () => {
    const first = await queueTicker({ ticks: 2, everyMs: 200, apiToken: "tok-abc-123456" });
    await waitForFinish(first.id);
    const { page, context } = await openAs("oscar-operator", ["operator"], { stream: true });
    await page.goto(`/runs/${first.id}`);
    const result = page.getByRole("region", { name: "Run result" });
    await result.getByTestId("run-status").filter({ hasText: "succeeded" }).waitFor();
    await result.getByRole("button", { name: "Re-run" }).click();
    await page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(first.id));
    const second = decodeURIComponent(new URL(page.url()).pathname.slice("/runs/".length));
    expect(second).not.toBe(first.id);
    await page.getByRole("region", { name: "Run result" }).getByTestId("run-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    expect(await shownRunId(page)).toBe(second);
    expect((await getRecord(second)).params).toEqual({ ticks: 2, everyMs: 200, apiToken: "tok-abc-123456" });

    // Edit and re-run: the run form, filled with that run's parameters.
    await page.getByRole("link", { name: "Edit and re-run" }).click();
    await page.waitForURL(`**/workflows?name=ticker&from=${second}`);
    await page.getByTestId("editing-run").waitFor();
    await expect.poll(() => page.getByLabel("Ticks").inputValue()).toBe("2");
    expect(await page.getByLabel("Every (ms)").inputValue()).toBe("200");
    await page.getByLabel("Ticks").fill("3");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByRole("region", { name: "Run result" }).getByTestId("run-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    const third = (await shownRunId(page))!;
    expect((await getRecord(third)).params).toEqual({ ticks: 3, everyMs: 200, apiToken: "tok-abc-123456" });

    // Filters: status, then who, then workflow; the server filters (the page asks GET /api/runs with them).
    await page.goto("/runs");
    await page.locator("[data-run-row]").first().waitFor();
    const asked = (name: string, value: string) =>
      page.waitForRequest((request) => {
        const url = new URL(request.url());
        return url.pathname === "/api/runs" && url.searchParams.get(name) === value;
      });
    const askedForCancelled = asked("status", "cancelled");
    await page.getByLabel("Status").selectOption("cancelled");
    await page.waitForURL("**/runs?status=cancelled");
    await askedForCancelled;
    await expect.poll(() => page.locator("[data-run-row]").count()).toBeGreaterThan(0);
    expect(new Set(await page.locator("[data-run-row]").getByTestId("run-row-status").allTextContents())).toEqual(new Set(["cancelled"]));
    await page.getByLabel("Status").selectOption("");
    const askedForOscar = asked("startedBy", "oscar-operator");
    await page.getByLabel("Started by").selectOption("oscar-operator");
    await askedForOscar;
    await expect.poll(() => page.locator(`[data-run-row="${third}"]`).count()).toBe(1);
    expect(new Set(await page.locator("[data-run-row] td:nth-child(2)").allTextContents())).toEqual(new Set(["oscar-operator"]));
    await page.getByLabel("Workflow").selectOption("countdown");
    await page.getByRole("status").filter({ hasText: "No runs match the filters." }).waitFor();
    expect(await page.locator("[data-run-row]").count()).toBe(0);
    await saveScreenshot(page, "runs-filtered");
    await context.close();
  }, 90_000);

  it("runs from the editor with Ctrl-Enter: the panel opens beside the code, logs live, and an error's file:line opens that line", async () => {
    const { page, context } = await openAs("ada-admin", ["admin"], { stream: true });
    await page.goto("/editor?file=workflows/countdown.ts");
    await expect.poll(() => page.locator(".cm-content").textContent()).toContain("liftoff");
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Enter");

    const panel = page.getByRole("complementary", { name: "Run countdown" });
    await panel.waitFor();
    // Ctrl-Enter inserted nothing into the file.
    expect(await page.getByRole("tab", { name: /unsaved/ }).count()).toBe(0);
    const result = panel.getByRole("region", { name: "Run result" });
    await result.getByText("countdown 3", { exact: true }).waitFor({ timeout: 15_000 });
    expect(await result.getByTestId("run-status").textContent()).toBe("running");
    expect(await result.getByTestId("run-output").count()).toBe(0);
    await saveScreenshot(page, "runs-editor-live");
    await expect.poll(() => result.getByTestId("run-output").textContent(), { timeout: 20_000 }).toContain('"liftoff": true');
    expect(await logLines(page)).toEqual(["countdown 3", "countdown 2", "countdown 1"]);

    // Change a parameter, run again from the code with Ctrl-Enter: it fails, and its file:line opens that line.
    await panel.getByLabel("Fail at the end").check();
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Enter");
    await panel.getByTestId("run-status").filter({ hasText: "failed" }).waitFor({ timeout: 20_000 });
    await panel.locator(".run-error p").getByText("liftoff aborted").waitFor();
    await saveScreenshot(page, "runs-editor-error");
    await page.locator("main").getByRole("tab", { name: "countdown.ts" }).waitFor();
    await page.keyboard.press("Control+Home");
    await panel.locator(".run-error p").getByRole("link", { name: "workflows/countdown.ts:12" }).click();
    await page.waitForURL(/line=12/);
    await expect.poll(() => page.locator(".cm-activeLine").textContent()).toContain("liftoff aborted");
    await panel.waitFor();

    // The last parameters are remembered: after a reload the panel starts from them.
    await page.reload();
    await page.getByRole("button", { name: "Run…" }).click();
    await expect.poll(() => page.getByRole("complementary", { name: "Run countdown" }).getByLabel("Fail at the end").isChecked()).toBe(true);
    await context.close();
  }, 90_000);

  it("lets a reader watch a run live (long polling, as behind Static Web Apps), with no Run or Cancel", async () => {
    const run = await queueTicker({ ticks: 6, everyMs: 800 });
    const { page, context } = await openAs("rita-reader", ["reader"]);
    await page.goto(`/runs/${run.id}`);
    const result = page.getByRole("region", { name: "Run result" });
    await result.getByText("tick 1", { exact: true }).waitFor({ timeout: 15_000 });
    const firstLineSeen = Date.now();
    expect(await result.getByTestId("run-live").textContent()).toBe("live (polling)");
    expect(await page.getByRole("button", { name: /Cancel|Re-run/ }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Edit and re-run" }).count()).toBe(0);
    await saveScreenshot(page, "runs-reader-live");
    await result.getByTestId("run-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    expect(Date.parse((await getRecord(run.id)).finishedAt!) - firstLineSeen).toBeGreaterThan(2000);
    expect(await logLines(page)).toEqual(Array.from({ length: 6 }, (_, i) => `tick ${i + 1}`));

    // No Run in the editor either, and Ctrl-Enter opens nothing.
    await page.goto("/editor?file=workflows/ticker.ts");
    await expect.poll(() => page.locator(".cm-content").textContent()).toContain("defineWorkflow");
    expect(await page.getByRole("button", { name: "Run…" }).count()).toBe(0);
    await page.keyboard.press("Control+Enter");
    expect(await page.getByRole("complementary", { name: /^Run/ }).count()).toBe(0);
    await context.close();
  }, 60_000);

  it("falls back to long polling when a proxy holds the stream back (no hello within 3 s), still live", async () => {
    const { page, context } = await openAs("oscar-operator", ["operator"], { stream: true });
    // A buffering proxy, as Static Web Apps in front of a linked backend: the stream reaches the page only when it ends.
    let held = 0;
    await page.route(/\/api\/runs\/[^/]+\/events/, async (route) => {
      if (!(route.request().headers().accept ?? "").includes("text/event-stream")) return route.continue();
      held++;
      try {
        const response = await route.fetch({ timeout: 120_000 });
        await route.fulfill({ response });
      } catch {
        // The page gave up on it (it switched to polling), or the test ended.
      }
    });
    await page.goto("/workflows?name=ticker");
    await page.getByLabel("Ticks").fill("8");
    await page.getByLabel("Every (ms)").fill("1000");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const result = page.getByRole("region", { name: "Run result" });
    await result.getByText("tick 1", { exact: true }).waitFor({ timeout: 15_000 });
    const firstLineSeen = Date.now();
    expect(held).toBeGreaterThan(0);
    expect(await result.getByTestId("run-live").textContent()).toBe("live (polling)");
    const id = (await shownRunId(page))!;
    await result.getByTestId("run-status").filter({ hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    expect(Date.parse((await getRecord(id)).finishedAt!) - firstLineSeen).toBeGreaterThan(3000);
    expect(await logLines(page)).toEqual(Array.from({ length: 8 }, (_, i) => `tick ${i + 1}`));
    await context.close();
  }, 60_000);
});
