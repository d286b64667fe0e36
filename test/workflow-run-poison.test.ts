// A queued run whose job fails on every delivery (here: a workspace that cannot be read, as an unmounted share
// would be) is recorded `failed` on the host's last delivery instead of staying `queued` for ever, and its
// message still moves to workflow-runs-poison for inspection. A file of its own: one storage account, one host,
// so no other host's queue poller takes the job.
import { rm, symlink } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readHostSettings } from "../local/host-json.js";
import { poisonQueueName, QUEUES, TABLES } from "../src/azure/resources.js";
import { sendJsonMessage } from "../src/azure/storage.js";
import { WorkflowRunStore } from "../src/azure/workflow-run-store.js";
import { createRunId } from "../src/engine/run-record.js";
import { copySampleWorkflows, until } from "./support/engine-workspace.js";
import { startTestHost, type TestHost } from "./support/test-host.js";

const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, maxPollingIntervalInMs: 200, visibilityTimeoutInMs: 50 } };

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ enableQueues: true, settings });
  await copySampleWorkflows(host.workspaceDir);
});
afterAll(async () => {
  await rm(host?.workspaceDir ?? "/nonexistent", { force: true });
  await host?.services.engine.close();
  await host?.close();
});

it("records the run failed on the last delivery, without server paths, and parks the job in workflow-runs-poison", async () => {
  const runs = new WorkflowRunStore(host.services.storage.table(TABLES.workflowRuns));
  // A run the sample workflow can carry out, proving the host works before its workspace goes away.
  const ok = await host.services.engine.startRun("hello", { who: "first" }, { wait: true });
  expect(ok.status).toBe("succeeded");

  const runId = createRunId();
  const job = { runId, workflow: "hello", params: { who: "nobody" } };
  await runs.upsert({ id: runId, workflow: "hello", status: "queued", trigger: "queue", params: job.params, logs: [], createdAt: new Date().toISOString() });
  await rm(host.workspaceDir, { recursive: true });
  await symlink(host.workspaceDir, host.workspaceDir);
  await sendJsonMessage(host.services.storage.queue(QUEUES.workflowRuns), job);

  const ended = await until(async () => {
    const record = await runs.get(runId);
    return record?.status === "queued" ? undefined : record;
  }, 30_000);
  expect(ended).toMatchObject({ status: "failed", error: { name: "GaveUp" } });
  expect(ended!.error!.message).toContain(`failed ${settings.queues.maxDequeueCount} times (ELOOP)`);
  expect(ended!.error!.message).not.toContain(host.workspaceDir);
  expect(ended!.finishedAt).toBeDefined();

  const poison = host.services.storage.queue(poisonQueueName(QUEUES.workflowRuns));
  const parked = await until(async () => {
    const peeked = await poison.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.find((m) => Buffer.from(m.messageText, "base64").toString().includes(runId));
  }, 10_000);
  expect(parked).toBeDefined();
});
