// `npm run start:swa`'s setup, for real: the Static Web Apps CLI serving the built UI with
// web/staticwebapp.config.json in front of the local host (AUTH_MODE=swa, --api-devserver-url). Proves the
// config's routes and roles as the emulator applies them: anonymous webhook and health; a signed-in person with
// no invited role gets the SPA shell and "who am I", nothing else; /api and every other page need reader,
// operator or admin; settings need admin; unused sign-in providers answer 404; 401 → login; SPA fallback; the
// UI works behind it under the Content-Security-Policy; a run's events pass the CLI live, as a stream and by long
// polling (what Azure's proxy does is in infra/README.md). The CLI's login form needs a CDN, so the test sets the
// StaticWebAppsAuthCookie itself (base64 JSON client principal). What only Azure can prove (the function app
// refusing direct calls, SWA's handling of a client-sent principal header) is listed in infra/README.md.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunEventPage } from "../src/api-types.js";
import type { RunRecord } from "../src/engine/run-record.js";
import { buildWebUi, saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { until, writeWorkspaceFile } from "./support/engine-workspace.js";
import { freePort } from "../local/azurite.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const swaConfig = JSON.parse(readFileSync(path.join(ROOT, "web/staticwebapp.config.json"), "utf8")) as {
  routes: { route: string; statusCode?: number }[];
  globalHeaders: Record<string, string>;
};
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
  // AUTH_SWA_EMULATOR: the named development setting for `swa` outside Azure (only the CLI on loopback reaches the host).
  const port = await freePort();
  swaUrl = `http://127.0.0.1:${port}`;
  // AUTH_SWA_CHECK_URL: the host asks the CLI's own /.auth/me who each caller's cookie belongs to, as it asks the
  // Static Web App in Azure; every identity below reaches the host that way, through the real proxy.
  host = await startUiHost({ env: { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true", AUTH_SWA_CHECK_URL: `${swaUrl}/.auth/me` } });
  const dist = await buildWebUi();
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

/** Not served by SWA for these roles: Azure answers 403 (rewritten to forbidden.html), the CLI emulator 401 for any
 * role mismatch (which the config turns into the login redirect). Either way our function never saw it. */
async function expectRefusedBySwa(response: Response): Promise<void> {
  expect([302, 403]).toContain(response.status);
  const body = await response.text();
  expect(body).not.toContain('<div id="app">');
  expect(body).not.toMatch(/^\s*[{[]/);
}

const json = { accept: "application/json" };

describe("Static Web Apps routes and roles (web/staticwebapp.config.json)", () => {
  it("sends anonymous visitors to the GitHub login, but lets the webhook and health through", async () => {
    for (const pathname of ["/", "/editor"]) {
      const page = await get(pathname);
      expect(page.status, pathname).toBe(302);
      expect(page.headers.get("location"), pathname).toContain("/.auth/login/github");
    }

    const webhook = await get("/api/github/webhooks", undefined, {
      method: "POST",
      headers: { ...json, "content-type": "application/json" },
      body: "{}",
    });
    expect(webhook.status).not.toBe(302);
    // Our function answered (its error body), not SWA's auth layer.
    expect(((await webhook.json()) as { error?: string }).error).toBeTruthy();

    const health = await get("/api/health", undefined, { headers: json });
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("up");
  });

  it("offers GitHub sign-in only: every other pre-configured provider answers 404", async () => {
    const blocked = swaConfig.routes.filter((r) => r.route.startsWith("/.auth/login/")).map((r) => r.route);
    expect(blocked).toEqual(expect.arrayContaining(["/.auth/login/aad", "/.auth/login/twitter"]));
    for (const route of blocked) expect((await get(route)).status, route).toBe(404);
    expect((await get("/.auth/login/github")).status).toBe(200);
  });

  it("gives a signed-in person with no invited role the SPA shell and 'who am I', and nothing else", async () => {
    const shell = await get("/", ["authenticated"]);
    expect(shell.status).toBe(200);
    const html = await shell.text();
    expect(html).toContain('<div id="app">');
    expect((await get("/index.html", ["authenticated"])).status).toBe(200);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect((await get(asset, ["authenticated"])).status, asset).toBe(200);

    // "Who am I" reaches our function (whatever it answers, it is JSON from the API, not SWA's refusal).
    const me = await get("/api/auth/me", ["authenticated"], { headers: json });
    expect(me.status).not.toBe(302);
    expect(me.headers.get("content-type")).toContain("application/json");

    await expectRefusedBySwa(await get("/editor", ["authenticated"]));
    await expectRefusedBySwa(await get("/workflows", ["authenticated"]));
    await expectRefusedBySwa(await get("/api/workspace/tree", ["authenticated"], { headers: json }));
    await expectRefusedBySwa(await get("/api/workflows", ["authenticated"], { headers: json }));
    await expectRefusedBySwa(await get("/api/github/connection", ["authenticated"], { headers: json }));
  });

  it("serves every page to invited roles, settings only to admins, and forwards the principal to the API", async () => {
    const reader = ["authenticated", "reader"];
    const editor = await get("/editor", reader);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('<div id="app">');
    // SPA fallback: a deep link loads index.html.
    expect(await (await get("/workflows?name=x", ["authenticated", "operator"])).text()).toContain('<div id="app">');

    await expectRefusedBySwa(await get("/settings", reader));
    await expectRefusedBySwa(await get("/settings/github", ["authenticated", "operator"]));
    const asAdmin = await get("/settings/github", ["authenticated", "admin"]);
    expect(asAdmin.status).toBe(200);

    const checksBefore = host.services.swaSessions!.checks;
    const tree = await get("/api/workspace/tree", reader, { headers: json });
    expect(tree.status).toBe(200);
    // The host believed the CLI's /.auth/me, reached with the cookie the proxy forwarded, not the header.
    expect(host.services.swaSessions!.checks).toBe(checksBefore + 1);
    const direct = await fetch(`${host.url}/api/workspace/tree`, { headers: { ...json, "x-ms-client-principal": cookieFor(["authenticated", "admin"]) } });
    expect(direct.status).toBe(401);
    // SWA let the reader through; our function refuses the write (it needs admin).
    const write = await get("/api/workspace/files/x.ts", reader, { method: "PUT", headers: json, body: "x" });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { error: string }).error).toMatch(/forbidden|not_invited/);
  });

  it("sends the Content-Security-Policy with every page", async () => {
    const csp = swaConfig.globalHeaders["Content-Security-Policy"];
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    for (const pathname of ["/", "/editor", "/forbidden.html"]) {
      const response = await get(pathname, ["authenticated", "reader"]);
      expect(response.headers.get("content-security-policy"), pathname).toBe(csp);
    }
  });

  it("runs the UI behind SWA with the signed-in user, with no Content-Security-Policy violation", async () => {
    const context = await host.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await context.addCookies([{ name: "StaticWebAppsAuthCookie", value: cookieFor(["authenticated", "admin"]), url: swaUrl }]);
      // Collected in the page: every CSP violation (an inline style CodeMirror injects, a script, a fetch).
      await context.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { cspViolations: string[] }).cspViolations = seen;
        document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
      });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" && /Content Security Policy/i.test(message.text())) consoleErrors.push(message.text());
      });
      await page.goto(`${swaUrl}/editor`);
      await page.getByText("The workspace is empty").waitFor();
      await page.getByRole("link", { name: "Sign out" }).waitFor();
      await page.getByText("octocat").waitFor();
      await page.getByRole("button", { name: "New file" }).click();
      await page.getByLabel("File path").fill("through-swa.ts");
      await page.getByRole("button", { name: "Create" }).click();
      await page.getByRole("treeitem", { name: "through-swa.ts" }).waitFor();
      // The editor (CodeMirror, loaded on demand, styles injected at run time) works under the policy.
      await page.locator(".cm-content").click();
      await page.keyboard.insertText("export const viaSwa = true;");
      await expect.poll(() => page.locator(".cm-content").textContent()).toContain("viaSwa");
      await saveScreenshot(page, "swa-editor");
      expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

/** A run's events as they arrive, and when each arrived (ms since epoch). */
interface Arrivals {
  events: RunEvent[];
  arrivedAt: number[];
  ended: boolean;
}

/** Reads `GET /api/runs/{id}/events` as server-sent events through the CLI, until the stream ends. */
async function readEventStream(runId: string, roles: string[]): Promise<Arrivals> {
  const response = await get(`/api/runs/${runId}/events`, roles, { headers: { accept: "text/event-stream" } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const received: Arrivals = { events: [], arrivedAt: [], ended: false };
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const fields = Object.fromEntries(
        buffer
          .slice(0, end)
          .split("\n")
          .filter((line) => line && !line.startsWith(":"))
          .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trimStart()]),
      );
      buffer = buffer.slice(end + 2);
      if (fields.event === "end") received.ended = true;
      else if (fields.id) {
        received.events.push(JSON.parse(fields.data!) as RunEvent);
        received.arrivedAt.push(Date.now());
      }
    }
  }
  return received;
}

/** What the UI does when it cannot stream (web/src/api/run-events.ts `poll`): `?format=json&after=<cursor>` until done. */
async function pollEvents(runId: string, roles: string[]): Promise<Arrivals> {
  const received: Arrivals = { events: [], arrivedAt: [], ended: false };
  let after = 0;
  for (let pages = 0; pages < 100 && !received.ended; pages++) {
    const response = await get(`/api/runs/${runId}/events?format=json&after=${after}`, roles, { headers: json });
    expect(response.status).toBe(200);
    const page = (await response.json()) as RunEventPage;
    for (const event of page.events) {
      received.events.push(event);
      received.arrivedAt.push(Date.now());
    }
    after = page.after;
    received.ended = page.done;
  }
  return received;
}

describe("Run events through the Static Web Apps CLI (issue 19 item 1)", () => {
  it("streams a run's lines live, and the UI's long-poll fallback delivers each line once, in order, before the run ends", async () => {
    await writeWorkspaceFile(
      host.workspaceDir,
      "workflows/swa-ticker.ts",
      `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "swa-ticker",
  async run(_params, { log }) {
    for (let i = 1; i <= 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      log.info("line " + i);
    }
    return { lines: 6 };
  },
});
`,
    );
    const operator = ["authenticated", "operator"];
    const listRuns = async () =>
      ((await (await get("/api/runs?limit=50", operator, { headers: json })).json()) as { runs: RunRecord[] }).runs;
    const before = new Set((await listRuns()).map((r) => r.id));
    // wait=true, in the background: the CLI holds this request until the run ends (~6 s, inside SWA's 45 s).
    const started = get("/api/workflows/swa-ticker/runs", operator, {
      method: "POST",
      headers: { ...json, "content-type": "application/json" },
      body: JSON.stringify({ params: {} }),
    });
    const run = await until(async () => (await listRuns()).find((r) => !before.has(r.id) && r.workflow === "swa-ticker"), 20_000);

    // Both ways at once, through the CLI's port with the CLI's cookie: the stream, and the UI's fallback.
    const [streamed, polled] = await Promise.all([readEventStream(run.id, ["authenticated", "reader"]), pollEvents(run.id, ["authenticated", "reader"])]);
    expect((await started).status).toBe(200);
    const record = (await (await get(`/api/runs/${run.id}`, operator, { headers: json })).json()) as RunRecord;
    expect(record.status).toBe("succeeded");
    const finishedAt = Date.parse(record.finishedAt!);
    const lines = (received: Arrivals) => received.events.filter((e) => e.kind === "log").map((e) => e.kind === "log" && e.message);
    const firstLineArrivedAt = (received: Arrivals) => received.arrivedAt[received.events.findIndex((e) => e.kind === "log")]!;

    // The stream passes the CLI's proxy as it is written: the first line (logged ~1 s in) came while the run
    // still had seconds to go. A proxy that buffered would hand everything over after `finishedAt`.
    expect(streamed.ended).toBe(true);
    expect(lines(streamed)).toEqual(["line 1", "line 2", "line 3", "line 4", "line 5", "line 6"]);
    expect(streamed.events.map((e) => e.seq)).toEqual(streamed.events.map((_, i) => i + 1));
    expect(finishedAt - firstLineArrivedAt(streamed)).toBeGreaterThan(2000);

    // The long-poll path (what the UI uses in `swa` mode, where Azure's proxy may buffer): every event once, in
    // order, the same as the stream's, and lines arriving while the run went on.
    expect(polled.ended).toBe(true);
    expect(polled.events).toEqual(streamed.events);
    expect(finishedAt - firstLineArrivedAt(polled)).toBeGreaterThan(2000);
  }, 60_000);
});
