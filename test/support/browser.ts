// Browser tests: the built web UI served by the real local host, driven by Debian's Chromium through
// playwright-core (never `playwright install`). The UI is built once per source version: the build goes
// to test-results/web-dist/<hash of web/>, and parallel test files wait on one builder (a mkdir lock).
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import { serveStaticUi } from "../../local/static-ui.js";
import { startTestHost, type TestHost, type TestHostOptions } from "./test-host.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WEB = path.join(ROOT, "web");
const RESULTS = path.join(ROOT, "test-results");
export const SCREENSHOTS = path.join(RESULTS, "screenshots");

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Builds the UI (or reuses the build of the same sources) and returns its folder. */
export async function buildWebUi(): Promise<string> {
  const hash = await hashSources();
  const dist = path.join(RESULTS, "web-dist", hash);
  if (await exists(path.join(dist, "index.html"))) return dist;
  const lock = `${dist}.lock`;
  await mkdir(path.dirname(dist), { recursive: true });
  for (const started = Date.now(); ; ) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (await exists(path.join(dist, "index.html"))) return dist;
      // A lock older than two minutes belongs to a run that was killed.
      if (Date.now() - started > 120_000) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (await exists(path.join(dist, "index.html"))) return dist;
    const { build } = await import("vite");
    const partial = `${dist}.partial`;
    await build({ configFile: path.join(WEB, "vite.config.ts"), root: WEB, logLevel: "warn", build: { outDir: partial, emptyOutDir: true } });
    await rename(partial, dist);
    return dist;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function hashSources(): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === "dist" || entry.name.startsWith("dist.") || entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        hash.update(path.relative(WEB, full));
        hash.update(await readFile(full));
      }
    }
  };
  await walk(WEB);
  hash.update(await readFile(path.join(ROOT, "package-lock.json")));
  return hash.digest("hex").slice(0, 16);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export interface UiHost extends TestHost {
  browser: Browser;
  /**
   * A fresh browser context (its own cookies and storage, downloads allowed). `extraHTTPHeaders` go with every
   * request, e.g. the `x-ms-client-principal` that Static Web Apps would add (AUTH_MODE=swa without the CLI).
   */
  newPage(options?: { extraHTTPHeaders?: Record<string, string> }): Promise<{ context: BrowserContext; page: Page }>;
}

/** The local host (Azurite, temp workspace) serving the built UI, and a Chromium to drive it. */
export async function startUiHost(options: TestHostOptions = {}): Promise<UiHost> {
  const distDir = await buildWebUi();
  const ui = serveStaticUi({ distDir });
  await ui.ready;
  const host = await startTestHost({ ...options, fallback: ui.fallback });
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  } catch (error) {
    await host.close();
    throw new Error(`Chromium did not start from ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`, {
      cause: error,
    });
  }
  return {
    ...host,
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({
        baseURL: host.url,
        acceptDownloads: true,
        viewport: { width: 1280, height: 800 },
        ...(options.extraHTTPHeaders ? { extraHTTPHeaders: options.extraHTTPHeaders } : {}),
      });
      // Generous: the machine is shared, and a cold workflow listing imports every file in a worker.
      context.setDefaultTimeout(30_000);
      const page = await context.newPage();
      return { context, page };
    },
    async close() {
      await browser.close().catch(() => undefined);
      await host.services.engine.close();
      await host.close();
    },
  };
}

/** Saves a screenshot of the page as test-results/screenshots/<name>.png (kept as a test artifact). */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await writeFile(file, await page.screenshot({ fullPage: true }));
  return file;
}

/** The editor's read-only promise: every control that changes files is disabled, typing and Ctrl-S change nothing. */
export async function expectReadOnlyEditor(page: Page): Promise<void> {
  for (const name of ["New file", "New folder", "Rename", "Delete", "Save"]) {
    expect(await page.getByRole("button", { name, exact: true }).isDisabled(), name).toBe(true);
  }
  expect(await page.locator(".cm-content").getAttribute("contenteditable")).toBe("false");
  await page.locator(".cm-content").click();
  await page.keyboard.type("typed");
  await page.keyboard.press("Control+s");
  expect(await page.locator(".cm-content").textContent()).not.toContain("typed");
}
