// Workflow secrets end to end, on the real local host with the runner process: an admin sets one through the
// API (write-only: the value never comes back), a run reads it with ctx.secrets.get, and what is kept of the run
// (output, logs, error, the API's answers, the tables, the host's log) holds `[secret]` instead of the value; a
// workflow naming a platform secret gets "no such secret"; a deleted secret is gone for the next run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLES } from "../src/azure/resources.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

const VALUE = "sk-live-4f9a2c77e1d04b8a9d3e"; // what a real API key looks like
let host: TestHost;

const WORKFLOW = `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "uses-secret",
  parameters: { name: { type: "string", required: true }, fail: { type: "boolean", default: false } },
  async run({ name, fail }, ctx) {
    let value: string;
    try {
      value = await ctx.secrets.get(name);
    } catch (error) {
      return { missing: (error as Error).message };
    }
    ctx.log.info("got " + value, { value, nested: { again: "x" + value + "y" } });
    console.log("console sees", value);
    ctx.progress(1, 2, "half way with " + value);
    if (fail) throw new Error("failed while holding " + value);
    return { value, length: value.length, [value]: "as a key" };
  },
});
`;

beforeAll(async () => {
  host = await startTestHost({ enableQueues: false });
  await writeWorkspaceFile(host.workspaceDir, "workflows/uses-secret.ts", WORKFLOW);
});
afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
});

const json = { "content-type": "application/json" };
const put = (name: string, body: unknown) => host.fetch(`/api/secrets/${name}`, { method: "PUT", headers: json, body: JSON.stringify(body) });
const run = async (params: Record<string, unknown>) =>
  (await (await host.fetch("/api/workflows/uses-secret/runs", { method: "POST", headers: json, body: JSON.stringify({ params }) })).json()) as {
    id: string;
    status: string;
    output?: Record<string, unknown>;
    logs: { message: string; fields?: unknown }[];
    error?: { message: string };
  };

async function tableText(): Promise<string> {
  const rows: unknown[] = [];
  for (const table of Object.values(TABLES)) {
    for await (const row of host.services.storage.table(table).listEntities()) rows.push(row);
  }
  return JSON.stringify(rows);
}

describe("workflow secrets", () => {
  it("are set and replaced by admins through the API, and never come back", async () => {
    const created = await put("API-TOKEN", { value: VALUE });
    expect(created.status).toBe(201);
    const info = await created.json();
    expect(info).toMatchObject({ name: "API-TOKEN", last4: VALUE.slice(-4), updatedBy: "local developer" });
    const replaced = await put("API-TOKEN", { value: VALUE });
    expect(replaced.status).toBe(200);
    const listed = await (await host.fetch("/api/secrets")).text();
    expect(JSON.parse(listed)).toEqual({ secrets: [expect.objectContaining({ name: "API-TOKEN", last4: VALUE.slice(-4) })] });
    expect(listed).not.toContain(VALUE);
    // A short value shows nothing of itself.
    expect(await (await put("PIN", { value: "4711" })).json()).not.toHaveProperty("last4");
  });

  it("refuses names and values that cannot be secrets, with the reason", async () => {
    for (const [name, body, status, code] of [
      ["9lives", { value: "x" }, 400, "invalid_secret_name"],
      ["has_underscore", { value: "x" }, 400, "invalid_secret_name"],
      ["OK-NAME", { value: "" }, 400, "invalid_secret_value"],
      ["OK-NAME", { value: 42 }, 400, "invalid_secret_value"],
      ["OK-NAME", {}, 400, "invalid_secret_value"],
    ] as const) {
      const response = await put(name, body);
      expect(response.status, name).toBe(status);
      expect(await response.json()).toMatchObject({ error: code });
    }
    expect((await put("OK-NAME", { value: "x".repeat(24_001) })).status).toBe(413);
  });

  it("reach a run through ctx.secrets, and are [secret] in everything kept of it", async () => {
    const ok = await run({ name: "API-TOKEN" });
    expect(ok.status).toBe("succeeded");
    expect(ok.output).toEqual({ value: "[secret]", length: VALUE.length, "[secret]": "as a key" });
    expect(ok.logs.map((l) => l.message)).toEqual(["got [secret]", "console sees [secret]"]);
    expect(ok.logs[0]!.fields).toEqual({ value: "[secret]", nested: { again: "x[secret]y" } });

    const failed = await run({ name: "API-TOKEN", fail: true });
    expect(failed.status).toBe("failed");
    expect(failed.error!.message).toBe("failed while holding [secret]");

    for (const id of [ok.id, failed.id]) expect(await (await host.fetch(`/api/runs/${id}`)).text()).not.toContain(VALUE);
    expect(await (await host.fetch("/api/runs")).text()).not.toContain(VALUE);
    expect(await tableText()).not.toContain(VALUE);
    expect(host.logs.join("\n")).not.toContain(VALUE);
  });

  it("never give a workflow the platform's own secrets, whatever it names", async () => {
    await host.services.secrets.set("funcspace-state-key", "platform-only-value");
    for (const name of ["funcspace-state-key", "wf-API-TOKEN", "../funcspace-state-key", "github-app-private-key", "API_TOKEN"]) {
      const result = await run({ name });
      expect(result.status, name).toBe("succeeded");
      expect(result.output, name).toEqual({ missing: `There is no secret named "${name}". An admin adds it in Settings → Secrets.` });
    }
  });

  it("are gone for the next run once deleted; deleting twice is fine", async () => {
    expect((await host.fetch("/api/secrets/API-TOKEN", { method: "DELETE" })).status).toBe(204);
    expect((await host.fetch("/api/secrets/API-TOKEN", { method: "DELETE" })).status).toBe(204);
    expect((await run({ name: "API-TOKEN" })).output).toEqual({ missing: expect.stringContaining('no secret named "API-TOKEN"') });
    expect(await (await host.fetch("/api/secrets")).json()).toEqual({ secrets: [expect.objectContaining({ name: "PIN" })] });
  });
});
