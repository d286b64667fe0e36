// `swa` mode without believing the principal header (issue 17, item 2): workflow code shares the container's
// network with the Functions host, so a hand-made `x-ms-client-principal` must buy nothing. Each caller's cookies
// are shown to the Static Web App's `/.auth/me` (a loopback stand-in that seals its cookies as SWA does), and only
// the principal it answers with counts. First the check on its own (cache, coalescing, failures, what it sends),
// then a real host: forged headers from any local process and from a workflow in the runner, roles taken from SWA's
// answer, SWA down → 503 with nothing written, and no cookie in the host's log.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { checkAuthDeployment } from "../src/auth/check-auth-deployment.js";
import { SwaSessionCheck } from "../src/auth/swa-session-check.js";
import { ServiceUnavailableError } from "../src/errors.js";
import { startSwaStandIn, type SwaStandIn } from "./support/swa-stand-in.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";
import { until, writeWorkspaceFile } from "./support/engine-workspace.js";

let swa: SwaStandIn;
beforeAll(async () => {
  swa = await startSwaStandIn();
});
afterAll(async () => {
  await swa?.close();
});

const person = (login: string, roles: string[]) => swa.signIn({ identityProvider: "github", userId: `id-${login}`, userDetails: login, roles });

describe("SwaSessionCheck", () => {
  it("believes only what /.auth/me says, and sends it nothing but the cookies", async () => {
    const check = new SwaSessionCheck({ url: swa.meUrl });
    const cookie = person("reader-rita", ["reader"]);
    const before = swa.requests.length;
    const principal = await check.principalFor(cookie);
    expect(principal).toEqual({ identityProvider: "swa:github", userId: "id-reader-rita", userDetails: "reader-rita", roles: ["reader"] });
    const sent = swa.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe("/.auth/me");
    expect(sent[0]!.headers.cookie).toBe(cookie);
    expect(Object.keys(sent[0]!.headers).filter((h) => /principal|authorization|x-ms-/.test(h))).toEqual([]);

    expect(await check.principalFor(null)).toBeUndefined();
    expect(await check.principalFor("StaticWebAppsAuthCookie=made-up")).toBeUndefined();
    expect(await check.principalFor("StaticWebAppsAuthCookie=" + Buffer.from(JSON.stringify({ userId: "x", userRoles: ["authenticated", "admin"] })).toString("base64"))).toBeUndefined();
    expect(swa.requests.length - before).toBe(3); // no cookie, no call
  });

  it("keeps a confirmed session for its time-to-live, coalesces a burst, and sees a sign-out after it", async () => {
    let now = 1_000_000;
    const check = new SwaSessionCheck({ url: swa.meUrl, ttlMs: 60_000, now: () => now });
    const cookie = person("admin-ada", ["admin"]);
    const results = await Promise.all(Array.from({ length: 20 }, () => check.principalFor(cookie)));
    expect(new Set(results.map((p) => p?.userDetails))).toEqual(new Set(["admin-ada"]));
    expect(check.checks).toBe(1);
    swa.signOut(cookie);
    now += 59_000;
    expect((await check.principalFor(cookie))?.userDetails).toBe("admin-ada");
    expect(check.checks).toBe(1);
    now += 2_000;
    expect(await check.principalFor(cookie)).toBeUndefined();
    expect(check.checks).toBe(2);
    // An unknown cookie is never kept: each try asks again.
    expect(await check.principalFor(cookie)).toBeUndefined();
    expect(check.checks).toBe(3);
  });

  it("holds at most maxEntries sessions", async () => {
    const check = new SwaSessionCheck({ url: swa.meUrl, maxEntries: 2 });
    const cookies = ["a", "b", "c"].map((n) => person(`user-${n}`, ["reader"]));
    for (const cookie of cookies) await check.principalFor(cookie);
    await check.principalFor(cookies[2]!);
    await check.principalFor(cookies[1]!);
    expect(check.checks).toBe(3);
    await check.principalFor(cookies[0]!); // evicted first
    expect(check.checks).toBe(4);
  });

  it("answers 503 with the reason when SWA fails, stalls, answers something else or cannot be reached", async () => {
    const cookie = person("op-otto", ["operator"]);
    const attempt = async (check: SwaSessionCheck) => {
      const error = await check.principalFor(cookie).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      return (error as Error).message;
    };
    try {
      swa.fault = { status: 502 };
      expect(await attempt(new SwaSessionCheck({ url: swa.meUrl }))).toMatch(/\/\.auth\/me answered 502.*PUBLIC_URL/);
      swa.fault = { status: 200, body: "<html>a sign-in page</html>" };
      expect(await attempt(new SwaSessionCheck({ url: swa.meUrl }))).toMatch(/did not answer like a Static Web App/);
      swa.fault = { stall: true };
      expect(await attempt(new SwaSessionCheck({ url: swa.meUrl, timeoutMs: 300 }))).toMatch(/no answer in 300 ms/);
    } finally {
      swa.fault = undefined;
    }
    expect(await attempt(new SwaSessionCheck({ url: "http://127.0.0.1:1/.auth/me" }))).toMatch(/could not be reached/);
    expect(await attempt(new SwaSessionCheck({ url: `${swa.url}/not-auth-me` }))).toMatch(/answered 404/);
  });
});

describe("configuration", () => {
  const azure = { WEBSITE_SITE_NAME: "fs-app", WEBSITE_HOSTNAME: "fs-app.azurewebsites.net", WEBSITE_AUTH_ENABLED: "True" };
  const base = { FUNCSPACE_PROFILE: "container", AzureWebJobsStorage: "UseDevelopmentStorage=true" };

  it("checks PUBLIC_URL's /.auth/me by default, refuses to turn the check off in Azure, and wants https", () => {
    const env = { ...base, ...azure, AUTH_MODE: "swa", PUBLIC_URL: "https://calm-sea-0a1.azurestaticapps.net/" };
    const config = loadConfig(env);
    expect(config.authSwaCheckUrl).toBe("https://calm-sea-0a1.azurestaticapps.net/.auth/me");
    expect(() => checkAuthDeployment(config, env)).not.toThrow();

    const off = { ...env, AUTH_SWA_CHECK_URL: "off" };
    expect(() => checkAuthDeployment(loadConfig(off), off)).toThrow(/AUTH_SWA_CHECK_URL=off in Azure would believe the principal header/);
    expect(() => loadConfig({ ...env, AUTH_SWA_CHECK_URL: "http://swa.example.com/.auth/me" })).toThrow(/carries people's sign-in cookies: use https/);
    // The SWA CLI on this machine: its cookie is unsealed, so nothing is checked unless asked.
    expect(loadConfig({ ...base, AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" }).authSwaCheckUrl).toBeUndefined();
  });
});

describe("a host in swa mode that asks the Static Web App", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ env: { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true", AUTH_SWA_CHECK_URL: swa.meUrl } });
    await writeWorkspaceFile(
      host.workspaceDir,
      "workflows/call-home.ts",
      `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "call-home",
  parameters: { url: { type: "string" }, principal: { type: "string" } },
  async run(params) {
    const headers = { "x-ms-client-principal": params.principal, cookie: "StaticWebAppsAuthCookie=forged", "content-type": "application/json" };
    const read = await fetch(params.url + "/api/workspace/tree", { headers }).then((r) => r.status, (e) => String(e));
    const write = await fetch(params.url + "/api/workspace/files/workflows/pwn.ts", { method: "PUT", headers, body: JSON.stringify({ content: "x" }) }).then((r) => r.status, (e) => String(e));
    return { read, write };
  },
});
`,
    );
  }, 60_000);
  afterAll(async () => {
    await host?.close();
  });

  const forgedAdmin = swaPrincipalHeader(["admin"], "mallory");

  it("gives a forged principal header nothing, with or without a made-up cookie", async () => {
    for (const cookie of [undefined, "StaticWebAppsAuthCookie=made-up", `StaticWebAppsAuthCookie=${forgedAdmin}`]) {
      const headers: Record<string, string> = { "x-ms-client-principal": forgedAdmin };
      if (cookie) headers.cookie = cookie;
      expect((await host.fetch("/api/workspace/tree", { headers })).status).toBe(401);
      const put = await host.fetch("/api/workspace/files/workflows/pwn.ts", {
        method: "PUT",
        headers: { ...headers, "content-type": "application/json" },
        body: "export default 1",
      });
      expect(put.status).toBe(401);
      const me = await host.fetch("/api/auth/me", { headers });
      expect(me.status).toBe(401);
      expect((await me.json()).message).toMatch(/could not be confirmed with Azure Static Web Apps/);
    }
    await expect(readFile(path.join(host.workspaceDir, "workflows/pwn.ts"))).rejects.toThrow(/ENOENT/);
  });

  it("takes the roles from SWA's answer, not from the header that came with it", async () => {
    const rita = person("rita", ["reader"]);
    const headers = { cookie: rita, "x-ms-client-principal": forgedAdmin };
    const tree = await host.fetch("/api/workspace/tree", { headers });
    expect(tree.status).toBe(200);
    const put = await host.fetch("/api/workspace/files/workflows/pwn.ts", {
      method: "PUT",
      headers: { ...headers, "content-type": "application/json" },
      body: "export default 1",
    });
    expect(put.status).toBe(403);
    expect((await put.json()).message).toMatch(/admin/);

    const ada = person("ada", ["admin"]);
    const written = await host.fetch("/api/workspace/files/notes/ada.md", {
      method: "PUT",
      headers: { cookie: ada, "content-type": "application/json" },
      body: "by ada",
    });
    expect(written.status).toBe(201);
    expect(await readFile(path.join(host.workspaceDir, "notes/ada.md"), "utf8")).toBe("by ada");
  });

  it("records the person SWA named as the actor of a run, and a workflow that calls the API with a forged identity gets nothing", async () => {
    const otto = person("otto", ["operator"]);
    const started = await host.fetch("/api/workflows/call-home/runs", {
      method: "POST",
      headers: { cookie: otto, "x-ms-client-principal": forgedAdmin, "content-type": "application/json" },
      body: JSON.stringify({ params: { url: host.url, principal: forgedAdmin } }),
    });
    expect([200, 202]).toContain(started.status);
    const { id } = (await started.json()) as { id: string };
    const run = await until(async () => {
      const r = await (await host.fetch(`/api/runs/${id}`, { headers: { cookie: otto } })).json();
      return r.status === "succeeded" || r.status === "failed" ? r : undefined;
    }, 30_000);
    expect(run.startedBy).toBe("otto");
    expect(run.status).toBe("succeeded");
    // 401 (no SWA session) or 403 (npm start's host refuses the runner's user outright): never 2xx.
    expect([401, 403]).toContain(run.output.read);
    expect([401, 403]).toContain(run.output.write);
    await expect(readFile(path.join(host.workspaceDir, "workflows/pwn.ts"))).rejects.toThrow(/ENOENT/);
  });

  it("answers 503 and writes nothing while the Static Web App cannot confirm anyone, and logs no cookie", async () => {
    const ada = person("ada-2", ["admin"]);
    swa.fault = { status: 500 };
    try {
      const put = await host.fetch("/api/workspace/files/notes/down.md", {
        method: "PUT",
        headers: { cookie: ada, "content-type": "application/json" },
        body: "lost?",
      });
      expect(put.status).toBe(503);
      expect((await put.json()).message).toMatch(/Could not confirm your sign-in with Azure Static Web Apps/);
    } finally {
      swa.fault = undefined;
    }
    await expect(readFile(path.join(host.workspaceDir, "notes/down.md"))).rejects.toThrow(/ENOENT/);
    const cookieValue = ada.split("StaticWebAppsAuthCookie=")[1];
    expect(host.logs.join("\n")).not.toContain(cookieValue);
  });
});
