// The run store against Table storage on Azurite: round trip, newest first, filter by workflow, and output
// and logs larger than one property (64 KiB) split and joined back.
import { TableClient } from "@azure/data-tables";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestStorage } from "../../test/support/storage.js";
import { createRunId, type RunRecord } from "../engine/run-record.js";
import { MAX_FIELD_CHARS, WorkflowRunStore } from "./workflow-run-store.js";

let store: WorkflowRunStore;
beforeAll(async () => {
  const { connectionString } = await useTestStorage();
  const table = TableClient.fromConnectionString(connectionString, `runstore${Date.now()}`, { allowInsecureConnection: true });
  await table.createTable();
  store = new WorkflowRunStore(table);
});

function record(workflow: string, at: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id: createRunId(at),
    workflow,
    status: "succeeded",
    trigger: "http",
    params: { n: at },
    logs: [],
    createdAt: new Date(at).toISOString(),
    ...extra,
  };
}

describe("WorkflowRunStore", () => {
  it("round-trips a full record, including output and logs beyond one property's size", async () => {
    const big = "x".repeat(100_000);
    const logs = Array.from({ length: 300 }, (_, i) => ({ time: new Date(0).toISOString(), level: "info" as const, message: `line ${i} ${"é".repeat(20)} ${"x".repeat(100)}` }));
    const full = record("big", 1_000, {
      file: "workflows/big.ts",
      output: { big, nested: [1, { a: null }] },
      logs,
      logsDropped: 2,
      error: { name: "Error", message: "m", stack: "Error: m\n    at run (workflows/big.ts:3:9)", file: "workflows/big.ts", line: 3, column: 9 },
      startedAt: new Date(1_000).toISOString(),
      finishedAt: new Date(2_000).toISOString(),
      durationMs: 1_000,
    });
    await store.upsert(full);
    expect(await store.get(full.id)).toEqual(full);
    await store.upsert({ ...full, status: "failed", output: undefined });
    const replaced = await store.get(full.id);
    expect(replaced?.status).toBe("failed");
    expect(replaced?.output).toBeUndefined();
  });

  it("answers undefined for an absent run and refuses a field past the record's budget", async () => {
    expect(await store.get(createRunId(5))).toBeUndefined();
    await expect(store.upsert(record("huge", 6, { output: "y".repeat(MAX_FIELD_CHARS) }))).rejects.toThrow(RangeError);
  });

  it("lists summaries newest first, optionally of one workflow", async () => {
    const now = Date.now();
    for (const [workflow, at] of [["a", now - 3000], ["b", now - 2000], ["a", now - 1000]] as const) {
      await store.upsert(record(workflow, at, { logs: [{ time: "t", level: "info", message: "m" }], output: 1 }));
    }
    const all = [];
    for await (const run of store.list()) all.push(run);
    expect(all.slice(0, 3).map((r) => [r.workflow, r.params.n])).toEqual([["a", now - 1000], ["b", now - 2000], ["a", now - 3000]]);
    expect(all.every((r) => !("logs" in r) && !("output" in r))).toBe(true);
    const onlyA = [];
    for await (const run of store.list({ workflow: "a" })) onlyA.push(run.params.n);
    expect(onlyA).toEqual([now - 1000, now - 3000]);
  });
});
