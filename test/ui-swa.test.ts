// `npm run start:swa`'s setup, for real: the Static Web Apps CLI serving the built UI with
// web/staticwebapp.config.json in front of the local host (AUTH_MODE=swa, --api-devserver-url). Proves the
// config's routes and roles (anonymous webhook and health, admin-only settings, everything else signed in,
// 401 → login, SPA fallback) and that the UI works behind it with SWA's principal. The CLI's login form
// needs a CDN, so the test sets the StaticWebAppsAuthCookie itself (base64 JSON client principal).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWebUi, saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { freePort } from "../local/azurite.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
let host: UiHost;
let swa: ChildProcess | undefined;
let swaUrl: string;
let output = "";

const cookieFor = (roles: string[]) =>
  Buffer.from(JSON.stringify({ identityProvider: "github", userId: "id-octocat", userDetails: "octocat", userRoles: ["anonymous", ...roles] })).toString(
    "base64",
  );

function get(pathname: string, roles?: string[], init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("accept", headers.get("accept") ?? "text/html");
  if (roles) headers.set("cookie", `StaticWebAppsAuthCookie=${cookieFor(roles)}`);
  return fetch(`${swaUrl}${pathname}`, { ...init, headers, redirect: "manual" });
}

beforeAll(async () => {
  host = await startUiHost({ env: { AUTH_MODE: "swa" } });
  const dist = await buildWebUi();
  const port = await freePort();
  swaUrl = `http://127.0.0.1:${port}`;
  swa = spawn(
    path.join(ROOT, "node_modules/.bin/swa"),
    ["start", dist, "--swa-config-location", path.join(ROOT, "web"), "--api-devserver-url", host.url, "--host", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SWA_CLI_DEBUG: "", CI: "1" } },
  );
  swa.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  swa.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ready = await fetch(`${swaUrl}/favicon.svg`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (swa.exitCode !== null || Date.now() > deadline) throw new Error(`the SWA CLI did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 150_000);

afterAll(async () => {
  // The CLI starts children of its own: end the whole group it leads.
  if (swa?.pid && swa.exitCode === null) {
    const exited = new Promise((resolve) => swa!.once("exit", resolve));
    process.kill(-swa.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
  await host?.close();
});

describe("Static Web Apps routes and roles (web/staticwebapp.config.json)", () => {
  it("sends anonymous visitors to the GitHub login, but lets the webhook and health through", async () => {
    const page = await get("/editor");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toContain("/.auth/login/github");

    const webhook = await get("/api/github/webhooks", undefined, { method: "POST", headers: { accept: "application/json", "content-type": "application/json" }, body: "{}" });
    expect(webhook.status).not.toBe(302);
    // Our function answered (its error body), not SWA's auth layer.
    expect(((await webhook.json()) as { error?: string }).error).toBeTruthy();

    const health = await get("/api/health", undefined, { headers: { accept: "application/json" } });
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("healthy");
  });

  it("serves every page to a signed-in user, settings only to admins, and forwards the principal to the API", async () => {
    const editor = await get("/editor", ["authenticated"]);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('<div id="app">');
    // SPA fallback: a deep link loads index.html.
    expect(await (await get("/workflows?name=x", ["authenticated"])).text()).toContain('<div id="app">');

    // Not served without the admin role. (Azure answers 403, which the config rewrites to forbidden.html;
    // the CLI emulator answers 401 for any role mismatch, which the config turns into the login redirect.)
    const settings = await get("/settings/github", ["authenticated"]);
    expect([302, 403]).toContain(settings.status);
    expect(await settings.text()).not.toContain('<div id="app">');
    const asAdmin = await get("/settings/github", ["authenticated", "admin"]);
    expect(asAdmin.status).toBe(200);

    const tree = await get("/api/workspace/tree", ["authenticated"], { headers: { accept: "application/json" } });
    expect(tree.status).toBe(200);
    const write = await get("/api/workspace/files/x.ts", ["authenticated"], { method: "PUT", headers: { accept: "application/json" }, body: "x" });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { error: string }).error).toBe("forbidden");
  });

  it("runs the UI behind SWA with the signed-in user", async () => {
    const context = await host.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await context.addCookies([{ name: "StaticWebAppsAuthCookie", value: cookieFor(["authenticated", "admin"]), url: swaUrl }]);
      const page = await context.newPage();
      await page.goto(`${swaUrl}/editor`);
      await page.getByText("The workspace is empty").waitFor();
      await page.getByRole("link", { name: "Sign out" }).waitFor();
      await page.getByText("octocat").waitFor();
      await page.getByRole("button", { name: "New file" }).click();
      await page.getByLabel("File path").fill("through-swa.ts");
      await page.getByRole("button", { name: "Create" }).click();
      await page.getByRole("treeitem", { name: "through-swa.ts" }).waitFor();
      await saveScreenshot(page, "swa-editor");
    } finally {
      await context.close();
    }
  }, 60_000);
});
