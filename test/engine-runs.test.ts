// Workflow runs end to end on the local host (real Azurite, real worker threads, real files): parameter
// validation, waited and queued runs, run records, timeouts that stop a busy loop, and edits picked up by the
// very next run.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHostSettings } from "../local/host-json.js";
import type { RunRecord, RunSummary } from "../src/engine/run-record.js";
import { copySampleWorkflows, until, writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";

const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, maxPollingIntervalInMs: 200 } };

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ enableQueues: true, settings });
  await copySampleWorkflows(host.workspaceDir);
  await writeWorkspaceFile(
    host.workspaceDir,
    "workflows/spin.ts",
    `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "spin",
  timeoutMs: 700,
  async run() {
    for (;;) {}
  },
});
`,
  );
  await writeWorkspaceFile(
    host.workspaceDir,
    "workflows/inspect-context.mjs",
    `import { writeFile, readdir } from "node:fs/promises";
export default {
  name: "inspect-context",
  async run(params, context) {
    console.log("console line", 42);
    console.error("console error");
    await writeFile(context.tempDir + "/scratch.txt", "x");
    return { runId: context.runId, workflow: context.workflow, tempDir: context.tempDir, files: await readdir(context.tempDir), aborted: context.abortSignal.aborted };
  },
};
`,
  );
});
afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
});

async function run(name: string, body: unknown, query = ""): Promise<Response> {
  return host.fetch(`/api/workflows/${name}/runs${query}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("parameter validation", () => {
  it.each([
    [{ params: {} }, "params.who", "is required"],
    [{ params: { who: 7 } }, "params.who", "must be a string (got number 7)"],
    [{ params: { who: "a", times: "many" } }, "params.times", 'must be a number (got "many")'],
    [{ params: { who: "a", times: 1.5 } }, "params.times", "must be a whole number"],
    [{ params: { who: "a", shout: "yes" } }, "params.shout", "must be true or false"],
    [{ params: { who: "a", colour: "red" } }, "params.colour", "is not a parameter of this workflow (expected one of: who, times, shout)"],
    [{ params: [1] }, "params", "must be an object"],
  ])("refuses %j with 400 naming %s", async (body, field, reason) => {
    const response = await run("hello", body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; message: string; problems: { field: string; reason: string }[] };
    expect(answer.error).toBe("invalid_params");
    expect(answer.problems.find((p) => p.field === field)?.reason).toContain(reason);
    expect(answer.message).toContain(field);
  });

  it("refuses a body that is not JSON, or has fields besides params", async () => {
    const broken = await host.fetch("/api/workflows/hello/runs", { method: "POST", body: "{nope", headers: { "content-type": "application/json" } });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { message: string }).message).toMatch(/not valid JSON/);
    const extra = await run("hello", { who: "flat" });
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { message: string }).message).toContain('"who"');
  });

  it("answers 404 for an unknown workflow and for ?wait=maybe 400", async () => {
    const missing = await run("no-such-workflow", { params: {} });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('"no-such-workflow"');
    expect((await run("hello", { params: { who: "a" } }, "?wait=maybe")).status).toBe(400);
  });

  it("needs a signed-in user behind Static Web Apps", async () => {
    const swa = await startTestHost({ env: { AUTH_MODE: "swa" }, enableQueues: false });
    try {
      expect((await swa.fetch("/api/workflows")).status).toBe(401);
      expect((await swa.fetch("/api/workflows/x/runs", { method: "POST" })).status).toBe(401);
      const uninvited = await swa.fetch("/api/workflows", { headers: { "x-ms-client-principal": swaPrincipalHeader([]) } });
      expect(uninvited.status).toBe(403);
      const listed = await swa.fetch("/api/workflows", { headers: { "x-ms-client-principal": swaPrincipalHeader(["reader"]) } });
      expect(listed.status).toBe(200);
      const reader = await swa.fetch("/api/workflows/x/runs", { method: "POST", headers: { "x-ms-client-principal": swaPrincipalHeader(["reader"]) } });
      expect(reader.status).toBe(403);
      const operator = await swa.fetch("/api/workflows/x/runs", { method: "POST", headers: { "x-ms-client-principal": swaPrincipalHeader(["operator"]) } });
      expect(operator.status).toBe(404);
    } finally {
      await swa.services.engine.close();
      await swa.close();
    }
  });
});

describe("waited runs", () => {
  it("runs a workflow with its parameters and defaults, and returns the stored record", async () => {
    const response = await run("hello", { params: { who: "Ada", times: "2", shout: true } });
    expect(response.status).toBe(200);
    const record = (await response.json()) as RunRecord;
    expect(record).toMatchObject({
      workflow: "hello",
      file: "workflows/hello.ts",
      status: "succeeded",
      trigger: "http",
      params: { who: "Ada", times: 2, shout: true },
      output: { lines: ["HELLO, ADA!", "HELLO, ADA!"] },
    });
    expect(record.logs).toEqual([expect.objectContaining({ level: "info", message: "greeted", fields: { who: "Ada", times: 2 } })]);
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(response.headers.get("location")).toBe(`/api/runs/${record.id}`);
    const stored = (await (await host.fetch(`/api/runs/${record.id}`)).json()) as RunRecord;
    expect(stored).toEqual(record);
    const defaults = (await (await run("hello", { params: { who: "Bo" } })).json()) as RunRecord;
    expect(defaults.params).toEqual({ who: "Bo", times: 1, shout: false });
  });

  it("runs a workflow that imports a helper module", async () => {
    const record = (await (await run("word-count", { params: { text: "b a b c b a", top: 2 } })).json()) as RunRecord;
    expect(record.status).toBe("succeeded");
    expect(record.output).toEqual({ distinct: 3, report: "1. b (3)\n2. a (2)" });
  });

  it("records a failure with the workspace file and line of the throw, and no server paths", async () => {
    const response = await run("always-fails", { params: { reason: "on purpose" } });
    expect(response.status).toBe(200);
    const record = (await response.json()) as RunRecord;
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ name: "Error", message: "on purpose", file: "workflows/always-fails.ts", line: 12 });
    expect(record.error?.stack).toContain("workflows/always-fails.ts:12:");
    expect(JSON.stringify(record)).not.toContain(host.workspaceDir);
    expect(JSON.stringify(record)).not.toContain("src/engine");
    expect(record.logs[0]).toMatchObject({ level: "warn", message: "about to fail", fields: { reason: "on purpose" } });
  });

  it("gives the run its id, a logger that also captures console, and a temp folder under TEMP_DIR removed afterwards", async () => {
    const record = (await (await run("inspect-context", undefined)).json()) as RunRecord;
    expect(record.status).toBe("succeeded");
    const output = record.output as { runId: string; workflow: string; tempDir: string; files: string[]; aborted: boolean };
    expect(output).toMatchObject({ runId: record.id, workflow: "inspect-context", files: ["scratch.txt"], aborted: false });
    expect(output.tempDir).toBe(path.join(host.tempDir, "runs", record.id));
    expect(await readdir(path.join(host.tempDir, "runs"))).not.toContain(record.id);
    expect(record.logs.map((l) => [l.level, l.message])).toEqual([
      ["info", "console line 42"],
      ["error", "console error"],
    ]);
  });
});

describe("queued runs", () => {
  it("queues with ?wait=false (202), runs through the workflow-runs queue, and lists the runs newest first", async () => {
    const response = await run("hello", { params: { who: "Queue" } }, "?wait=false");
    expect(response.status).toBe(202);
    const queued = (await response.json()) as RunRecord;
    expect(queued).toMatchObject({ status: "queued", trigger: "queue", workflow: "hello" });
    const done = await until(async () => {
      const record = (await (await host.fetch(`/api/runs/${queued.id}`)).json()) as RunRecord;
      return record.status === "succeeded" ? record : undefined;
    });
    expect(done.output).toEqual({ lines: ["Hello, Queue!"] });
    expect(done.startedAt! >= queued.createdAt).toBe(true);

    const listed = (await (await host.fetch("/api/runs?workflow=hello&limit=2")).json()) as { runs: RunSummary[] };
    expect(listed.runs).toHaveLength(2);
    expect(listed.runs[0]!.id).toBe(queued.id);
    expect(listed.runs.every((r) => r.workflow === "hello" && !("logs" in r) && !("output" in r))).toBe(true);
    const all = (await (await host.fetch("/api/runs")).json()) as { runs: RunSummary[] };
    expect(new Set(all.runs.map((r) => r.workflow))).toEqual(new Set(["hello", "word-count", "always-fails", "inspect-context"]));
    expect((await host.fetch("/api/runs?limit=0")).status).toBe(400);
    expect((await host.fetch("/api/runs/0000000000000-0000000000")).status).toBe(404);
    expect((await host.fetch("/api/runs/not-an-id")).status).toBe(404);
  });

  it("records a job whose workflow is gone as failed (no retry), and treats a redelivered finished job as done", async () => {
    const engine = host.services.engine;
    const gone = await engine.executeJob({ runId: "1000000000000-00000000aa", workflow: "no-longer-here", params: {} });
    expect(gone).toMatchObject({ status: "failed", trigger: "queue", error: { message: 'No workflow is named "no-longer-here".' } });
    expect(await engine.getRun(gone.id)).toMatchObject({ status: "failed" });

    const finished = (await (await run("hello", { params: { who: "once" } })).json()) as RunRecord;
    const before = (await (await host.fetch("/api/runs?workflow=hello&limit=200")).json()) as { runs: RunSummary[] };
    const again = await engine.executeJob({ runId: finished.id, workflow: "hello", params: { who: "twice" } });
    expect(again).toEqual(finished);
    const after = (await (await host.fetch("/api/runs?workflow=hello&limit=200")).json()) as { runs: RunSummary[] };
    expect(after.runs).toHaveLength(before.runs.length);
  });
});

describe("timeouts", () => {
  it("stops a busy loop for real at the workflow's timeout, and the next run works", async () => {
    const started = Date.now();
    const record = (await (await run("spin", undefined)).json()) as RunRecord;
    const elapsed = Date.now() - started;
    expect(record.status).toBe("timed_out");
    expect(record.error?.message).toBe("The run exceeded its timeout of 700 ms and was stopped.");
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(5000);
    // The thread is gone, not merely abandoned: the pool holds no more workers than its bound.
    expect(host.services.engine.pool.size).toBeLessThanOrEqual(4);
    const next = (await (await run("hello", { params: { who: "after" } })).json()) as RunRecord;
    expect(next.status).toBe("succeeded");
  });

  it("uses WORKFLOW_TIMEOUT_MS when the workflow sets none", async () => {
    const strict = await startTestHost({ env: { WORKFLOW_TIMEOUT_MS: "300" }, enableQueues: false });
    try {
      await writeWorkspaceFile(strict.workspaceDir, "loop.mjs", `export default { name: "loop", run() { for (;;) {} } };\n`);
      const response = await strict.fetch("/api/workflows/loop/runs", { method: "POST" });
      const record = (await response.json()) as RunRecord;
      expect(record.status).toBe("timed_out");
      expect(record.error?.message).toContain("300 ms");
    } finally {
      await strict.services.engine.close();
      await strict.close();
    }
  });
});

describe("live reload", () => {
  it("uses a workflow saved through the files API on the very next run, and a changed helper too", async () => {
    const put = (file: string, content: string) =>
      host.fetch(`/api/workspace/files/${file}`, { method: "PUT", headers: { "content-type": "text/plain" }, body: content });
    const helper = (word: string) => `export const word = (): string => "${word}";\n`;
    const workflow = (suffix: string) =>
      `import { defineWorkflow } from "funcspace";\nimport { word } from "./lib/_word.ts";\n` +
      `export default defineWorkflow({ name: "live", async run() { return word() + "${suffix}"; } });\n`;

    expect((await put("workflows/lib/_word.ts", helper("one"))).status).toBe(201);
    expect((await put("workflows/live.ts", workflow("!"))).status).toBe(201);
    const first = (await (await run("live", undefined)).json()) as RunRecord;
    expect(first.output).toBe("one!");

    expect((await put("workflows/live.ts", workflow("?"))).status).toBe(200);
    expect(((await (await run("live", undefined)).json()) as RunRecord).output).toBe("one?");

    expect((await put("workflows/lib/_word.ts", helper("two"))).status).toBe(200);
    expect(((await (await run("live", undefined)).json()) as RunRecord).output).toBe("two?");

    // Unchanged code reuses a warm worker: repeated runs give the same answer.
    expect(((await (await run("live", undefined)).json()) as RunRecord).output).toBe("two?");
  });
});
