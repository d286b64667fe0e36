// Workflow runs that must not hang or overflow (issue 18, item 4), on the local host with real Azurite and
// real worker threads: a timeoutMs above the host's limit is refused at discovery, a waited run answers 202
// with its id after WORKFLOW_WAIT_MS and still completes, and the sweeper marks a run whose process died
// `interrupted` while leaving a live one alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLES } from "../src/azure/resources.js";
import { WorkflowRunStore } from "../src/azure/workflow-run-store.js";
import { createRunId, type RunRecord } from "../src/engine/run-record.js";
import { sweepInterruptedRuns } from "../src/engine/sweep-interrupted-runs.js";
import { MAX_WORKFLOW_TIMEOUT_MS } from "../src/host-limits.js";
import { createLogger } from "../src/logger.js";
import { until, writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ env: { WORKFLOW_WAIT_MS: "1500" } });
  const workflow = (name: string, extra: string, body: string) =>
    `import { defineWorkflow } from "funcspace";\nexport default defineWorkflow({ name: "${name}", ${extra} async run() { ${body} } });\n`;
  await writeWorkspaceFile(host.workspaceDir, "workflows/huge-timeout.ts", workflow("huge-timeout", "timeoutMs: 3e9,", "return 1;"));
  await writeWorkspaceFile(host.workspaceDir, "workflows/at-the-cap.ts", workflow("at-the-cap", `timeoutMs: ${MAX_WORKFLOW_TIMEOUT_MS},`, "return 'ok';"));
  await writeWorkspaceFile(host.workspaceDir, "workflows/slow.ts", workflow("slow", "", "await new Promise((r) => setTimeout(r, 4000)); return 'slow done';"));
});
afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
});

const start = (name: string) => host.fetch(`/api/workflows/${name}/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });

describe("timeoutMs", () => {
  it("is refused above the host's limit, with the reason, at discovery and at start; the cap itself runs", async () => {
    const listing = (await (await host.fetch("/api/workflows")).json()) as { workflows: { name: string }[]; errors: { file: string; error: { message: string } }[] };
    expect(listing.workflows.map((w) => w.name)).not.toContain("huge-timeout");
    const error = listing.errors.find((e) => e.file === "workflows/huge-timeout.ts")?.error.message;
    expect(error).toContain(`"timeoutMs" is 3000000000 ms, above the most a run may take here (${MAX_WORKFLOW_TIMEOUT_MS} ms, 29 min`);
    expect(error).toContain("functionTimeout");

    const refused = await start("huge-timeout");
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { message: string }).message).toMatch(/No workflow is named "huge-timeout" \(1 file\(s\) failed to load/);

    const capped = await start("at-the-cap");
    expect(capped.status).toBe(200);
    expect(await capped.json()).toMatchObject({ status: "succeeded", output: "ok", timeoutMs: MAX_WORKFLOW_TIMEOUT_MS });
  });
});

describe("wait=true", () => {
  it("answers 202 with the run's id and Location after WORKFLOW_WAIT_MS; the run goes on and completes", async () => {
    const began = performance.now();
    const response = await start("slow");
    const waited = performance.now() - began;
    expect(response.status).toBe(202);
    expect(waited).toBeGreaterThanOrEqual(1_450);
    expect(waited).toBeLessThan(3_900);
    const pending = (await response.json()) as RunRecord;
    expect(pending.status).toBe("running");
    expect(response.headers.get("location")).toBe(`/api/runs/${pending.id}`);
    // The record exists at once (the Location works), and the run ends on its own.
    expect((await host.fetch(`/api/runs/${pending.id}`)).status).toBe(200);
    const done = await until(async () => {
      const record = (await (await host.fetch(`/api/runs/${pending.id}`)).json()) as RunRecord;
      return record.status === "succeeded" ? record : undefined;
    });
    expect(done.output).toBe("slow done");
  });

  it("still answers 200 with the outcome when the run ends within the wait", async () => {
    const response = await start("at-the-cap");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "succeeded" });
  });
});

describe("sweepInterruptedRuns", () => {
  it("marks a run whose process died interrupted, past its deadline only, and never a finished or live run", async () => {
    const runs = new WorkflowRunStore(host.services.storage.table(TABLES.workflowRuns));
    const now = new Date();
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
    const record = (status: RunRecord["status"], startedMinutesAgo: number, timeoutMs?: number): RunRecord => ({
      id: createRunId(),
      workflow: "hello",
      status,
      trigger: "http",
      params: {},
      logs: [],
      createdAt: minutesAgo(startedMinutesAgo),
      startedAt: minutesAgo(startedMinutesAgo),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    const dead = record("running", 20, 60_000); // 1 min timeout + 5 min margin: long past
    const deadNoTimeout = record("running", 40); // no timeout stored: the cap (29 min) + margin, past
    const live = record("running", 3, 60_000); // within 1 min + 5 min
    const longLive = record("running", 20); // within 29 + 5 min
    const finished = { ...record("succeeded", 60, 60_000), finishedAt: minutesAgo(59) };
    for (const r of [dead, deadNoTimeout, live, longLive, finished]) await runs.upsert(r);

    const swept = await sweepInterruptedRuns(runs, createLogger({ level: "silent" }), { now });
    expect(swept).toContain(dead.id);
    expect(swept).toContain(deadNoTimeout.id);
    expect(swept).not.toContain(live.id);
    expect(swept).not.toContain(longLive.id);
    expect(swept).not.toContain(finished.id);
    const after = await runs.get(dead.id);
    expect(after).toMatchObject({ status: "interrupted", error: { name: "InterruptedError" } });
    expect(after!.error!.message).toMatch(/interrupted: the process running it stopped .* Start it again\./);
    expect(after!.finishedAt).toBe(now.toISOString());
    expect((await runs.get(live.id))?.status).toBe("running");
    expect((await runs.get(finished.id))?.status).toBe("succeeded");
    // Swept once: a second pass finds nothing more of these.
    expect(await sweepInterruptedRuns(runs, createLogger({ level: "silent" }), { now })).not.toContain(dead.id);
    // The API shows it.
    expect(await (await host.fetch(`/api/runs/${dead.id}`)).json()).toMatchObject({ status: "interrupted" });
  });
});
