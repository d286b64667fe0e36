// Run history filters on the server (issue 19): GET /api/runs?workflow=&status=&startedBy= answers only matching
// runs, and `limit` counts matching runs, so a filter finds runs older than the newest page; `nextCursor` pages
// through them with no run doubled or lost, even while new runs arrive. Against the real local host and Azurite,
// in AUTH_MODE=swa so each run records who started it. The two newest runs stay queued (no queue worker): a list
// cut to the newest N runs and filtered afterwards (the UI's old way) misses the older matches asserted below.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiErrorBody, RunList, RunRecord, RunSummary } from "../src/api-types.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";

let host: TestHost;
/** Every run this file made, oldest first. */
const made: RunRecord[] = [];

function as(user: string): Record<string, string> {
  return { "x-ms-client-principal": swaPrincipalHeader(["operator"], user) };
}

async function run(workflow: string, user: string, options: { queue?: boolean } = {}): Promise<RunRecord> {
  const response = await host.fetch(`/api/workflows/${workflow}/runs${options.queue ? "?wait=false" : ""}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...as(user) },
    body: JSON.stringify({ params: {} }),
  });
  const record = (await response.json()) as RunRecord;
  expect(record.status, JSON.stringify(record)).toBe(options.queue ? "queued" : workflow === "ok" ? "succeeded" : "failed");
  made.push(record);
  return record;
}

async function list(query: string): Promise<RunList> {
  const response = await host.fetch(`/api/runs?${query}`, { headers: as("rita") });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as RunList;
}

/** Follows `nextCursor` to the end; every page but the last is full. */
async function listAll(query: string, limit: number): Promise<{ runs: RunSummary[]; pages: number }> {
  const runs: RunSummary[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    pages++;
    if (page.nextCursor !== undefined) expect(page.runs).toHaveLength(limit);
    runs.push(...page.runs);
    // A cursor that does not move on would page forever.
    expect(page.nextCursor === undefined || page.nextCursor !== cursor, "nextCursor moves on").toBe(true);
    expect(pages, "pages read").toBeLessThan(20);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { runs, pages };
}

/** The runs this file made that match, newest first (ids sort newest first). */
function expected(match: (run: RunRecord) => boolean): string[] {
  return made.filter(match).map((r) => r.id).sort();
}

const ids = (runs: readonly RunSummary[]) => runs.map((r) => r.id);

beforeAll(async () => {
  // No queue worker: runs queued with ?wait=false stay `queued`, the newest runs of all.
  host = await startTestHost({ env: { AUTH_MODE: "swa" }, enableQueues: false });
  await writeWorkspaceFile(host.workspaceDir, "workflows/ok.ts", 'export default { name: "ok", async run() { return 1; } };\n');
  await writeWorkspaceFile(host.workspaceDir, "workflows/boom.ts", 'export default { name: "boom", async run() { throw new Error("boom"); } };\n');
  // Oldest first: alice's runs, then bob's, then two queued runs of carol's on top.
  await run("ok", "alice");
  await run("boom", "alice");
  await run("ok", "alice");
  await run("boom", "alice");
  await run("ok", "alice");
  await run("ok", "bob");
  await run("boom", "bob");
  await run("ok", "bob");
  await run("ok", "carol", { queue: true });
  await run("boom", "carol", { queue: true });
}, 120_000);

afterAll(async () => {
  await host?.services.engine.close();
  await host?.close();
});

describe("GET /api/runs filters", () => {
  it("filters by status, by who started the runs, and by workflow, on the server", async () => {
    expect(ids((await list("status=failed")).runs)).toEqual(expected((r) => r.status === "failed"));
    expect(ids((await list("status=queued")).runs)).toEqual(expected((r) => r.status === "queued"));
    expect(ids((await list("startedBy=bob")).runs)).toEqual(expected((r) => r.startedBy === "bob"));
    expect(ids((await list("workflow=boom")).runs)).toEqual(expected((r) => r.workflow === "boom"));
    expect((await list("startedBy=nobody")).runs).toEqual([]);
    // The records say who, what and how it ended, as filtered.
    expect((await list("status=failed&startedBy=alice")).runs.map((r) => [r.workflow, r.status, r.startedBy])).toEqual([
      ["boom", "failed", "alice"],
      ["boom", "failed", "alice"],
    ]);
  });

  it("combines the filters, and treats an empty value as no filter", async () => {
    expect(ids((await list("workflow=ok&status=succeeded&startedBy=bob")).runs)).toEqual(
      expected((r) => r.workflow === "ok" && r.status === "succeeded" && r.startedBy === "bob"),
    );
    expect(ids((await list("workflow=boom&status=succeeded")).runs)).toEqual([]);
    expect(ids((await list("workflow=&status=&startedBy=")).runs)).toEqual(expected(() => true));
  });

  it("counts `limit` in matching runs: the newest failed run is found under two newer queued ones", async () => {
    const page = await list("status=failed&limit=1");
    expect(ids(page.runs)).toEqual(expected((r) => r.status === "failed").slice(0, 1));
    expect(page.nextCursor).toBe(page.runs[0]!.id);
  });

  it("pages through matching runs with nextCursor: each once, newest first, and no cursor after the last", async () => {
    const succeeded = expected((r) => r.status === "succeeded");
    expect(succeeded).toHaveLength(5);
    const paged = await listAll("status=succeeded", 2);
    expect(ids(paged.runs)).toEqual(succeeded);
    expect(paged.pages).toBe(3);

    // A last page that is exactly full says there is nothing after it (one more run is read to know).
    const bobs = expected((r) => r.startedBy === "bob" && r.status === "succeeded");
    const exact = await list(`startedBy=bob&status=succeeded&limit=${bobs.length}`);
    expect(ids(exact.runs)).toEqual(bobs);
    expect(exact.nextCursor).toBeUndefined();

    // Filters and cursor together: alice's runs of `ok`, one a page.
    expect(ids((await listAll("workflow=ok&startedBy=alice", 1)).runs)).toEqual(expected((r) => r.workflow === "ok" && r.startedBy === "alice"));
  });

  it("keeps a cursor's place while new runs arrive: the next page neither repeats nor skips a run", async () => {
    const before = expected((r) => r.status === "failed");
    const first = await list("status=failed&limit=2");
    expect(ids(first.runs)).toEqual(before.slice(0, 2));
    // A newer failed run lands between the two pages.
    const newer = await run("boom", "dave");
    const second = await list(`status=failed&limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(ids(second.runs)).toEqual(before.slice(2));
    expect(ids(second.runs)).not.toContain(newer.id);
    expect(second.nextCursor).toBeUndefined();
    // And the first page, read again, starts with it.
    expect(ids((await list("status=failed&limit=2")).runs)[0]).toBe(newer.id);
  });

  it.each([
    ["status=done", 400, "invalid_status", 'status must be one of queued, running, succeeded, failed, timed_out, cancelled, interrupted (got "done").'],
    ["status=cancelling", 400, "invalid_status", 'status must be one of queued, running, succeeded, failed, timed_out, cancelled, interrupted (got "cancelling").'],
    ["cursor=page-2", 400, "invalid_cursor", "cursor must be the nextCursor of an earlier page of runs."],
    ["limit=201", 400, "invalid_limit", "limit must be a whole number from 1 to 200."],
  ])("refuses ?%s with %i %s", async (query, status, code, message) => {
    const response = await host.fetch(`/api/runs?${query}`, { headers: as("rita") });
    expect(response.status).toBe(status);
    expect((await response.json()) as ApiErrorBody).toMatchObject({ error: code, message });
  });
});
