// Every route's role, asserted: the table below names each HTTP trigger with the role it must declare, and the
// test fails when a route is added without an entry here. Then every route × every kind of caller is tried
// against a real host (Azurite, real folders), in `swa` mode (principals as Static Web Apps sends them) and in
// `github` mode (session cookies), plus forged identity headers against the github-mode host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpTrigger } from "../functions/define.js";
import { triggers } from "../functions/triggers.js";
import type { Role } from "../src/auth/roles.js";
import { issueSession } from "../src/auth/sessions.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";

const EXPECTED: Record<string, Role> = {
  health: "anonymous",
  healthDetails: "reader",
  githubWebhooks: "anonymous",
  authMe: "anonymous",
  authSignIn: "anonymous",
  authCallback: "anonymous",
  authSetup: "anonymous",
  authSignOut: "signedIn",
  workspaceTree: "reader",
  workspaceSearch: "reader",
  workspaceFileRead: "reader",
  workspaceZip: "reader",
  listWorkflows: "reader",
  getWorkflowRun: "reader",
  listWorkflowRuns: "reader",
  watchWorkflowRun: "reader",
  cancelWorkflowRun: "operator",
  githubApp: "reader",
  githubConnectionStatus: "reader",
  githubSyncRuns: "reader",
  listPullChecks: "reader",
  startWorkflowRun: "operator",
  githubSyncNow: "operator",
  workspaceFileWrite: "admin",
  workspaceFileDelete: "admin",
  workspaceFolderCreate: "admin",
  workspaceFolderDelete: "admin",
  workspaceMove: "admin",
  githubAppManifest: "admin",
  githubAppCallback: "admin",
  githubConnect: "admin",
  githubConnectCallback: "admin",
  githubInstallationRepositories: "admin",
  githubRepositoryBranches: "admin",
  githubCreateConnection: "admin",
  githubReplaceToken: "admin",
  githubDisconnect: "admin",
  githubSyncPreview: "admin",
  githubPin: "admin",
  draftRead: "admin",
  draftDiscard: "admin",
  draftFileRead: "admin",
  draftFileWrite: "admin",
  draftFileDelete: "admin",
  draftChangeRevert: "admin",
  draftMove: "admin",
  draftCheck: "admin",
  draftPropose: "admin",
  draftWorkflows: "admin",
  draftRun: "admin",
  githubUnpin: "admin",
  listSecrets: "admin",
  putSecret: "admin",
  deleteSecret: "admin",
};

const httpTriggers = triggers.filter((t): t is HttpTrigger => t.kind === "http");
// Signing out ends the caller's session: tried last.
const requests = httpTriggers
  .flatMap((trigger) => trigger.methods.map((method) => ({ trigger, method })))
  .sort((a, b) => Number(a.trigger.name === "authSignOut") - Number(b.trigger.name === "authSignOut"));

/** A concrete path for a route template. */
function pathOf(route: string): string {
  return `/api/${route
    .replace("{*path}", "probe.txt")
    .replace("{installationId:int}", "1")
    .replace(/\{(\w+)\??\}/g, (_m, name: string) => (name === "id" ? "run-1" : name))}`;
}

function bodyOf(trigger: HttpTrigger, method: string): RequestInit {
  if (method === "GET" || method === "DELETE") return {};
  if (trigger.body === "bytes") return { body: "probe" };
  return { body: "{}", headers: { "content-type": "application/json" } };
}

type Caller = "anonymous" | "uninvited" | "reader" | "operator" | "admin";
const CALLERS: Caller[] = ["anonymous", "uninvited", "reader", "operator", "admin"];
const STRENGTH: Record<Caller, number> = { anonymous: 0, uninvited: 1, reader: 2, operator: 3, admin: 4 };
const NEEDED: Record<Role, number> = { anonymous: 0, signedIn: 1, reader: 2, operator: 3, admin: 4 };

describe("route table", () => {
  it("names every route with the role it declares, and no route takes the bare 'authenticated' role", () => {
    const declared = Object.fromEntries(httpTriggers.map((t) => [t.name, t.role]));
    expect(declared).toEqual(EXPECTED);
    for (const trigger of httpTriggers) expect(["anonymous", "signedIn", "reader", "operator", "admin"]).toContain(trigger.role);
  });
});

async function tryEveryRoute(host: TestHost, headersFor: (caller: Caller) => Record<string, string | undefined>, caller: Caller) {
  const results: { route: string; status: number }[] = [];
  for (const { trigger, method } of requests) {
    const init = bodyOf(trigger, method);
    const response = await host.fetch(pathOf(trigger.route), {
      method,
      redirect: "manual",
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), ...(Object.fromEntries(Object.entries(headersFor(caller)).filter(([, v]) => v !== undefined)) as Record<string, string>) },
    });
    const text = await response.text();
    // Refused by the role check (not by the handler, which may answer 403 for its own reasons, e.g. a bad setup code).
    const refused =
      (response.status === 401 && /"error":"unauthorized"/.test(text)) || (response.status === 403 && /"requiredRole":/.test(text));
    results.push({ route: `${method} ${trigger.name}`, status: refused ? response.status : 0 });
  }
  return results;
}

function expectAccess(results: { route: string; status: number }[], caller: Caller) {
  for (const [index, { trigger }] of requests.entries()) {
    const { route, status } = results[index]!;
    const allowed = STRENGTH[caller] >= NEEDED[trigger.role];
    const expected = allowed ? "let in" : caller === "anonymous" ? 401 : 403;
    const got = status === 401 || status === 403 ? status : "let in";
    expect({ route, caller, got }).toEqual({ route, caller, got: expected });
  }
}

describe("swa mode: every route × every role", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ enableQueues: false, env: { AUTH_MODE: "swa" } });
  });
  afterAll(() => host?.close());

  const roles: Record<Caller, string[] | undefined> = { anonymous: undefined, uninvited: [], reader: ["reader"], operator: ["operator"], admin: ["admin"] };
  it.each(CALLERS)("%s reaches exactly its routes", async (caller) => {
    const principal = roles[caller];
    const results = await tryEveryRoute(host, () => (principal ? { "x-ms-client-principal": swaPrincipalHeader(principal, `user-${caller}`) } : {}), caller);
    expectAccess(results, caller);
  });
});

describe("github mode: every route × every role, and forged identity headers", () => {
  let host: TestHost;
  const cookies = new Map<Caller, string>();
  beforeAll(async () => {
    host = await startTestHost({ enableQueues: false, env: { AUTH_MODE: "github" } });
    for (const caller of ["uninvited", "reader", "operator", "admin"] as const) {
      const cookie = await issueSession(host.services, {
        userId: caller,
        login: `user-${caller}`,
        provider: "github",
        roles: caller === "uninvited" ? [] : [caller],
      });
      cookies.set(caller, `${cookie.name}=${cookie.value}`);
    }
  });
  afterAll(() => host?.close());

  it.each(CALLERS)("%s reaches exactly its routes", async (caller) => {
    const results = await tryEveryRoute(host, (c) => ({ cookie: cookies.get(c) }), caller);
    expectAccess(results, caller);
  });

  it("refuses a forged Static Web Apps principal on every non-anonymous route (401)", async () => {
    const forged = { "x-ms-client-principal": swaPrincipalHeader(["admin"], "mallory"), "x-ms-client-principal-name": "mallory" };
    const results = await tryEveryRoute(host, () => forged, "anonymous");
    expectAccess(results, "anonymous");
    expect(await host.fetch("/api/workspace/files/probe.txt").then((r) => r.status)).toBe(401);
  });

  it("refuses a tampered, expired or signed-out session cookie", async () => {
    const fresh = await issueSession(host.services, { userId: "z", login: "z", provider: "github", roles: ["admin"] });
    const admin = `${fresh.name}=${fresh.value}`;
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie: admin } })).status).toBe(200);
    const [name, value] = admin.split("=") as [string, string];
    const [id, expires, signature] = value.split(".") as [string, string, string];
    const tampered = [
      `${name}=${id}.${Number(expires) + 3600}.${signature}`, // longer life, old signature
      `${name}=${id.slice(0, -2)}AA.${expires}.${signature}`, // another id
      `${name}=${id}.${expires}.${signature.slice(0, -2)}AA`, // forged signature
      `${name}=${id}`,
    ];
    for (const cookie of tampered) {
      expect((await host.fetch("/api/workspace/tree", { headers: { cookie } })).status, cookie).toBe(401);
    }
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie: admin } })).status).toBe(200);
    const expired = await issueSession(host.services, { userId: "x", login: "x", provider: "github", roles: ["admin"] }, { now: Date.now() - 10 * 3600_000 });
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie: `${expired.name}=${expired.value}` } })).status).toBe(401);

    const session = await issueSession(host.services, { userId: "y", login: "y", provider: "github", roles: ["reader"] });
    const cookie = `${session.name}=${session.value}`;
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie } })).status).toBe(200);
    const out = await host.fetch("/api/auth/sign-out", { method: "POST", headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie } })).status).toBe(401);
  });

  it("ends every session when the role configuration changes (someone taken off AUTH_ADMINS)", async () => {
    const session = await issueSession(host.services, { userId: "w", login: "w", provider: "github", roles: ["admin"] });
    const cookie = `${session.name}=${session.value}`;
    expect((await host.fetch("/api/workspace/tree", { headers: { cookie } })).status).toBe(200);
    const restarted = await startTestHost({
      enableQueues: false,
      env: { AUTH_MODE: "github", AUTH_ADMINS: "someone-else", LOCAL_SECRETS_FILE: host.config.localSecretsFile },
    });
    try {
      // Same storage and keys, new configuration: the old session is no longer believed.
      expect((await restarted.fetch("/api/workspace/tree", { headers: { cookie } })).status).toBe(401);
    } finally {
      await restarted.close();
    }
  });
});
