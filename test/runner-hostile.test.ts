// Hostile workflows against the runner process (issue 17), on the real local host as `npm start` runs it. The
// tests run as root here, so the runner's switch to its own user is exercised. Each probe is a workflow that
// tries to take the platform's authority and returns what it got; each assertion could fail (the same probes
// succeed with WORKFLOW_RUNNER=in-process: the last test shows it), and the platform stays healthy.
import { createServer, type Server } from "node:http";
import { access, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

const APP_ROOT = fileURLToPath(new URL("..", import.meta.url));
const CANARY = "canary-identity-header-0f3e";
let identity: Server;
let identityCalls = 0;
let host: TestHost;
const saved: Record<string, string | undefined> = {};

/** A workflow that runs `body` (async, with `params`) and returns what it returns. */
const probe = (name: string, body: string, extra = "") => `import { defineWorkflow } from "funcspace";
import fs from "node:fs";
import { execSync } from "node:child_process";
${extra}
export default defineWorkflow({
  name: ${JSON.stringify(name)},
  parameters: { arg: { type: "string" } },
  timeoutMs: 5000,
  async run({ arg }, ctx) {
    const attempt = (f: () => unknown) => { try { return { ok: true, value: f() }; } catch (e) { return { ok: false, code: (e as NodeJS.ErrnoException).code ?? String(e) }; } };
    ${body}
  },
});
`;

beforeAll(async () => {
  identity = createServer((_req, res) => {
    identityCalls++;
    res.end('{"access_token":"stolen"}');
  });
  await new Promise<void>((resolve) => identity.listen(0, "127.0.0.1", resolve));
  // What App Service gives the platform's process: the managed identity's endpoint and header, storage, vault.
  const canaries = {
    IDENTITY_ENDPOINT: `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`,
    IDENTITY_HEADER: CANARY,
    MSI_SECRET: CANARY,
    AZURE_CLIENT_SECRET: CANARY,
    GITHUB_TOKEN: CANARY,
  };
  for (const [name, value] of Object.entries(canaries)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  host = await startTestHost({ enableQueues: false, env: { KEY_VAULT_URL: "", WORKFLOW_MEMORY_MB: "64" } });
  await host.services.secrets.set("github-pat-probe", `ghp_${CANARY}`);
  await host.services.secrets.set("funcspace-state-key", CANARY);
  const files: Record<string, string> = {
    "workflows/env.ts": probe("env", `return { keys: Object.keys(process.env), environ: attempt(() => fs.readFileSync("/proc/self/environ", "latin1")), uid: process.getuid?.() };`),
    "workflows/parent.ts": probe("parent", `return { environ: attempt(() => fs.readFileSync(\`/proc/\${process.ppid}/environ\`, "latin1")), kill: attempt(() => process.kill(process.ppid, 0)) };`),
    "workflows/files.ts": probe(
      "files",
      `const [secrets, state, app] = JSON.parse(arg ?? "[]");
      return {
        secrets: attempt(() => fs.readFileSync(secrets, "utf8")),
        state: attempt(() => fs.readdirSync(state)),
        write: attempt(() => fs.writeFileSync(app + "/src/pwned.txt", "x")),
        shell: attempt(() => execSync("cat " + secrets, { stdio: "pipe" }).toString()),
        temp: attempt(() => { fs.writeFileSync(ctx.tempDir + "/mine.txt", "ok"); return fs.readFileSync(ctx.tempDir + "/mine.txt", "utf8"); }),
      };`,
    ),
    "workflows/identity.ts": probe(
      "identity",
      `const endpoint = arg ?? "";
      const response = await fetch(endpoint, { headers: { "X-IDENTITY-HEADER": process.env.IDENTITY_HEADER ?? "" } }).then((r) => r.status, (e) => String(e));
      return { endpoint: process.env.IDENTITY_ENDPOINT ?? null, response };`,
    ),
    "workflows/api.ts": probe(
      "api",
      `const base = arg ?? "";
      const principal = Buffer.from(JSON.stringify({ userId: "x", userDetails: "wf", userRoles: ["authenticated", "admin"] })).toString("base64");
      const call = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, headers: { "x-ms-client-principal": principal, ...init.headers } }).then((r) => r.status, (e) => String(e));
      return {
        write: await call("/api/workspace/files/workflows/pwn.ts", { method: "PUT", body: "export default 1" }),
        read: await call("/api/workspace/tree"),
        health: await call("/api/health"),
        connect: await call("/api/github/connection", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
      };`,
    ),
    "workflows/memory.ts": probe("memory", `const hoard: string[] = []; for (;;) hoard.push("x".repeat(1024 * 1024) + hoard.length);`),
    "workflows/forever.ts": probe("forever", `for (;;) {}`),
  };
  for (const [file, content] of Object.entries(files)) await writeWorkspaceFile(host.workspaceDir, file, content);
}, 60_000);

afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
  identity?.close();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function run(name: string, arg?: string) {
  const response = await host.fetch(`/api/workflows/${name}/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ params: arg === undefined ? {} : { arg } }),
  });
  return (await response.json()) as { status: string; output?: Record<string, { ok: boolean; code?: string; value?: unknown } & Record<string, unknown>>; error?: { message: string } };
}

describe("a hostile workflow in the runner process", () => {
  it("sees an allow-listed environment and its own user, with no identity, storage or GitHub variable", async () => {
    const { status, output } = await run("env");
    expect(status).toBe("succeeded");
    const keys = output!.keys as unknown as string[];
    for (const name of ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_SECRET", "AZURE_CLIENT_SECRET", "GITHUB_TOKEN", "AzureWebJobsStorage", "KEY_VAULT_URL", "WORKSPACE_DIR", "LOCAL_SECRETS_FILE"]) {
      expect(keys).not.toContain(name);
    }
    expect(String(output!.environ!.value)).not.toContain(CANARY);
    expect(output!.uid).not.toBe(0);
  });

  it("cannot read the platform's environment through /proc, nor signal it", async () => {
    const { output } = await run("parent");
    expect(output!.environ).toMatchObject({ ok: false, code: "EACCES" });
    expect(output!.kill).toMatchObject({ ok: false, code: "EPERM" });
  });

  it("cannot read the secret file or the platform's state, nor write the app's code; its temp folder is its own", async () => {
    const { output } = await run("files", JSON.stringify([host.config.localSecretsFile, host.config.stateDir, APP_ROOT]));
    expect(output!.secrets).toMatchObject({ ok: false, code: "EACCES" });
    expect(output!.state).toMatchObject({ ok: false, code: "EACCES" });
    expect(output!.write).toMatchObject({ ok: false, code: "EACCES" });
    expect(output!.shell!.ok).toBe(false);
    expect(JSON.stringify(output)).not.toContain(CANARY);
    expect(output!.temp).toEqual({ ok: true, value: "ok" });
    await expect(access(path.join(APP_ROOT, "src/pwned.txt"))).rejects.toThrow();
  });

  it("does not know the identity endpoint; called by a guess, it gets no header to present", async () => {
    const { output } = await run("identity", process.env.IDENTITY_ENDPOINT);
    expect(output!.endpoint).toBeNull();
    // It reached the canary by its guessed URL, but without the header the real endpoint demands.
    expect(identityCalls).toBe(1);
  });

  it("cannot call the platform's API, where the loopback developer is admin (npm start), forged principal or not", async () => {
    const { status, output } = await run("api", host.url);
    expect(status).toBe("succeeded");
    expect(output).toEqual({ write: 403, read: 403, health: 403, connect: 403 });
    await expect(access(path.join(host.workspaceDir, "workflows/pwn.ts"))).rejects.toThrow();
    // The developer's own requests (this process, root) still work.
    expect((await host.fetch("/api/workspace/tree")).status).toBe(200);
  });

  it("is stopped when it exhausts its memory, with that reason, and the next run works", async () => {
    const hog = await run("memory");
    expect(hog.status).toBe("failed");
    expect(hog.error!.message).toMatch(/more than 64 MB of memory/);
    expect((await run("env")).status).toBe("succeeded");
    expect((await host.fetch("/api/health")).status).toBe(200);
  }, 30_000);

  it("is stopped for real when it loops forever", async () => {
    const looped = await run("forever");
    expect(looped.status).toBe("timed_out");
    expect((await run("env")).status).toBe("succeeded");
  }, 30_000);

  it("fails its runs with a clear reason when the runner dies, and the next run gets a new runner", async () => {
    await writeWorkspaceFile(host.workspaceDir, "workflows/suicide.ts", probe("suicide", `process.kill(process.pid, "SIGKILL"); await new Promise(() => undefined);`));
    const killed = await run("suicide");
    expect(killed.status).toBe("failed");
    expect(killed.error!.message).toMatch(/the workflow runner stopped \(SIGKILL\)/);
    expect((await run("env")).status).toBe("succeeded");
  }, 30_000);

  it("fails every run in flight when the runner dies under load, and the next runs get a new runner", async () => {
    // Holders say they are running (a file in the runner's shared TMPDIR) and wait; the killer waits for all three.
    const os = `import os from "node:os";`;
    await writeWorkspaceFile(
      host.workspaceDir,
      "workflows/holder.ts",
      probe("holder", `fs.writeFileSync(os.tmpdir() + "/holding-" + ctx.runId, ""); await new Promise(() => undefined);`, os).replace("timeoutMs: 5000", "timeoutMs: 30000"),
    );
    await writeWorkspaceFile(
      host.workspaceDir,
      "workflows/killer.ts",
      probe(
        "killer",
        `while (fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("holding-")).length < 3) await new Promise((r) => setTimeout(r, 20));
        process.kill(process.pid, "SIGKILL"); await new Promise(() => undefined);`,
        os,
      ).replace("timeoutMs: 5000", "timeoutMs: 30000"),
    );
    await writeWorkspaceFile(host.workspaceDir, "workflows/sleeper.ts", probe("sleeper", `await new Promise((r) => setTimeout(r, 300)); return { slept: true };`));
    const results = await Promise.all([run("holder"), run("holder"), run("holder"), run("killer")]);
    for (const result of results) {
      expect(result.status).toBe("failed");
      expect(result.error!.message).toMatch(/the workflow runner stopped \(SIGKILL\)/);
    }
    const after = await Promise.all([run("sleeper"), run("sleeper"), run("env")]);
    expect(after.map((r) => r.error?.message ?? r.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
  }, 60_000);

  it("takes a wedged runner (stopped by its own workflow) for dead at the run's timeout, and replaces it", async () => {
    await writeWorkspaceFile(host.workspaceDir, "workflows/freeze.ts", probe("freeze", `process.kill(process.pid, "SIGSTOP"); await new Promise(() => undefined);`).replace("timeoutMs: 5000", "timeoutMs: 1000"));
    const frozen = await run("freeze");
    expect(["timed_out", "failed"]).toContain(frozen.status);
    expect((await run("env")).status).toBe("succeeded");
    expect((await host.fetch("/api/health")).status).toBe(200);
  }, 60_000);

  it("the same probes find everything in process (WORKFLOW_RUNNER=in-process): they can fail", async () => {
    expect(await readFile(host.config.localSecretsFile, "utf8")).toContain(CANARY);
    const inProcess = await startTestHost({
      enableQueues: false,
      env: { WORKFLOW_RUNNER: "in-process", WORKSPACE_DIR: host.workspaceDir, LOCAL_SECRETS_FILE: host.config.localSecretsFile },
    });
    try {
      const call = async (name: string, arg?: string) =>
        (await (
          await inProcess.fetch(`/api/workflows/${name}/runs`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ params: arg === undefined ? {} : { arg } }),
          })
        ).json()) as { output: Record<string, unknown> & { keys: string[]; secrets: { ok: boolean; value?: string } } };
      expect((await call("env")).output.keys).toContain("IDENTITY_HEADER");
      const files = await call("files", JSON.stringify([host.config.localSecretsFile, inProcess.config.stateDir, "/nonexistent"]));
      expect(files.output.secrets).toMatchObject({ ok: true, value: expect.stringContaining(CANARY) });
      expect((await call("api", inProcess.url)).output).toMatchObject({ write: 201, read: 200 });
    } finally {
      await inProcess.services.engine.close();
      await inProcess.close();
    }
  });
});
