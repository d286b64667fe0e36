// The local host's queue semantics, against real Azurite: base64 JSON, dequeueCount, retry, poison.
import { afterEach, describe, expect, it } from "vitest";
import { defineQueue, defineTimer } from "../functions/define.js";
import { readHostSettings } from "../local/host-json.js";
import { poisonQueueName } from "../src/azure/resources.js";
import { sendJsonMessage } from "../src/azure/storage.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { until } from "./support/wait-for.js";

let host: TestHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const hostSettings = readHostSettings();
// host.json's own retry count; the retry delay shortened so the test takes a second, not a minute.
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 0, maxPollingIntervalInMs: 200 } };

describe("queue triggers on the local host", () => {
  it("delivers the decoded JSON with trigger metadata and deletes the message on success", async () => {
    const seen: { message: unknown; dequeueCount: unknown }[] = [];
    const trigger = defineQueue({
      name: "okWorker",
      queueName: "test-ok",
      handler: async (message, { invocation }) => {
        seen.push({ message, dequeueCount: invocation.triggerMetadata?.dequeueCount });
      },
    });
    host = await startTestHost({ triggers: [trigger], settings });
    const queue = host.services.storage.queue("test-ok");
    await queue.createIfNotExists();
    await sendJsonMessage(queue, { job: 1, text: "é" });
    await until(async () => (seen.length === 1 ? true : undefined));
    expect(seen[0]).toEqual({ message: { job: 1, text: "é" }, dequeueCount: 1 });
    await until(async () => ((await queue.getProperties()).approximateMessagesCount === 0 ? true : undefined));
  });

  it("retries a failing message maxDequeueCount times, then moves it to <queue>-poison", async () => {
    const attempts: number[] = [];
    const trigger = defineQueue({
      name: "alwaysFails",
      queueName: "test-fail",
      handler: async (_message, { invocation }) => {
        attempts.push(Number(invocation.triggerMetadata?.dequeueCount));
        throw new Error("this job always fails");
      },
    });
    host = await startTestHost({ triggers: [trigger], settings });
    const queue = host.services.storage.queue("test-fail");
    const poison = host.services.storage.queue(poisonQueueName("test-fail"));
    await queue.createIfNotExists();
    await poison.createIfNotExists();
    await sendJsonMessage(queue, { job: "doomed" });

    const poisoned = await until(async () => {
      const peeked = await poison.peekMessages();
      return peeked.peekedMessageItems[0];
    });
    const max = settings.queues.maxDequeueCount;
    expect(attempts).toEqual(Array.from({ length: max }, (_, i) => i + 1));
    expect(JSON.parse(Buffer.from(poisoned.messageText, "base64").toString("utf8"))).toEqual({ job: "doomed" });
    // The poller sends to the poison queue, then deletes the original, then logs: wait for the last step
    // (asserting the log at once raced it on a loaded machine).
    const logs = host.logs;
    expect(await until(async () => logs.some((l) => l.includes("message moved to poison queue")) || undefined)).toBe(true);
    expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
  });

  it("sends a message that is not base64 straight to poison, without running the handler", async () => {
    let ran = false;
    const trigger = defineQueue({ name: "neverRuns", queueName: "test-raw", handler: async () => { ran = true; } });
    host = await startTestHost({ triggers: [trigger], settings });
    const queue = host.services.storage.queue("test-raw");
    const poison = host.services.storage.queue(poisonQueueName("test-raw"));
    await queue.createIfNotExists();
    await poison.createIfNotExists();
    await queue.sendMessage("not base64 {json}");
    await until(async () => (await poison.peekMessages()).peekedMessageItems[0]);
    expect(ran).toBe(false);
  });
});

describe("timer triggers on the local host", () => {
  it("fires on an NCRONTAB schedule with seconds", async () => {
    const fired: string[] = [];
    const trigger = defineTimer({
      name: "everySecond",
      schedule: () => "* * * * * *",
      handler: async (timer) => {
        fired.push(timer.scheduleStatus?.next ?? "");
      },
    });
    host = await startTestHost({ triggers: [trigger], enableTimers: true });
    await until(async () => (fired.length >= 2 ? true : undefined), 5000);
    expect(host.host.timers).toEqual([{ name: "everySecond", schedule: "* * * * * *" }]);
  });
});
