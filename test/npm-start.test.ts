// `npm start` as a user runs it: healthy /api/health, then Ctrl-C (SIGINT to the whole process group,
// as a terminal sends it) leaves no process behind — Azurite included.
import { execFileSync, spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { createTempDir } from "./support/temp-dir.js";
import { waitFor } from "./support/wait-for.js";

/** Runs `npm start` to its end; returns exit code and output. */
function runToExit(env: NodeJS.ProcessEnv, dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["start"], {
      cwd: new URL("..", import.meta.url),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, AZURITE_LOCATION: `${dir}/azurite`, WORKSPACE_DIR: `${dir}/workspace`, TEMP_DIR: `${dir}/tmp`, AzureWebJobsStorage: "", ...env },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("npm start refuses an auth mode it cannot make safe, before anything listens", () => {
  let dir: Awaited<ReturnType<typeof createTempDir>> | undefined;
  afterAll(() => dir?.cleanup());

  it.each([
    ["the loopback admin on every interface", { HOST: "0.0.0.0" }, /HOST=0\.0\.0\.0 with AUTH_MODE=local would make every caller on the network an admin/],
    ["Static Web Apps headers without the named emulator setting", { AUTH_MODE: "swa" }, /AUTH_MODE=swa outside Azure would trust identity headers.*AUTH_SWA_EMULATOR=true/s],
    ["Static Web Apps in Azure without App Service authentication", { AUTH_MODE: "swa", WEBSITE_SITE_NAME: "fn" }, /needs App Service authentication/],
    ["GitHub sign-in on a public http URL", { AUTH_MODE: "github", PUBLIC_URL: "http://funcspace.example.com" }, /sign-in cookies need HTTPS/],
  ])("%s", async (_label, env, message) => {
    dir ??= await createTempDir();
    const { code, output } = await runToExit(env, dir.path);
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toContain("funcspace is running");
    expect(output).not.toMatch(/Azurite|azurite/);
  }, 60_000);
});

describe("npm start", () => {
  let dir: Awaited<ReturnType<typeof createTempDir>> | undefined;
  afterAll(() => dir?.cleanup());

  it("serves a healthy /api/health and stops cleanly on Ctrl-C", async () => {
    dir = await createTempDir();
    const child = spawn("npm", ["start"], {
      cwd: new URL("..", import.meta.url),
      detached: true, // its own process group, like a terminal job
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PORT: "0",
        AZURITE_QUEUE_PORT: "0",
        AZURITE_TABLE_PORT: "0",
        AZURITE_LOCATION: `${dir.path}/azurite`,
        WORKSPACE_DIR: `${dir.path}/workspace`,
        TEMP_DIR: `${dir.path}/tmp`,
        LOCAL_SECRETS_FILE: `${dir.path}/secrets.json`,
        AzureWebJobsStorage: "",
      },
    });
    const group = child.pid!;
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? `code ${code}`)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 45_000);
        child.stdout.on("data", () => {
          const match = /(http:\/\/127\.0\.0\.1:\d+\/api\/health)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { status: string }).status).toBe("up");
      expect(output).toContain("embedded Azurite");
    } finally {
      process.kill(-group, "SIGINT");
    }
    // npm itself may end by the signal it was sent; what matters is that it ends, and ends everything.
    expect(["code 0", "SIGINT"]).toContain(await exited);
    // Prove the group empties: kill(-pgid, 0) throws ESRCH once no member is left. Azurite flushes its
    // files on the way out, which takes longer than a fixed pause on a loaded machine: wait with a deadline.
    const groupAlive = () => {
      try {
        process.kill(-group, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code !== "ESRCH";
      }
    };
    await waitFor(`an empty process group ${group} after Ctrl-C`, async () => !groupAlive(), { timeoutInMs: 10_000 }).catch((error: Error) => {
      throw new Error(`${error.message}; still there: ${listGroup(group)}`);
    });
    expect(groupAlive()).toBe(false);
  }, 60_000);
});

/** The commands still in a process group, for the failure message. */
function listGroup(group: number): string {
  try {
    return execFileSync("pgrep", ["-a", "-g", String(group)], { encoding: "utf8" }).trim() || "none";
  } catch {
    return "none";
  }
}
