import { describe, expect, it } from "vitest";
import { FUNCTION_TIMEOUT_MS, MAX_WORKFLOW_TIMEOUT_MS, QUEUE_MAX_DEQUEUE_COUNT } from "../src/host-limits.js";
import { parseTimeSpanInMs, readHostSettings } from "./host-json.js";

describe("parseTimeSpanInMs", () => {
  it.each([
    ["00:00:00", 0],
    ["00:00:10", 10_000],
    ["00:01:30", 90_000],
    ["01:00:00", 3_600_000],
    ["1.00:00:00", 86_400_000],
    ["00:00:00.250", 250],
  ])("%s → %d ms", (value, expected) => {
    expect(parseTimeSpanInMs(value)).toBe(expected);
  });

  it.each(["10s", "", "1:2", "00:00:60x"])("rejects %j", (value) => {
    expect(() => parseTimeSpanInMs(value)).toThrow(RangeError);
  });
});

describe("readHostSettings", () => {
  it("reads the queue settings from the real host.json", () => {
    const settings = readHostSettings();
    expect(settings.routePrefix).toBe("api");
    expect(settings.queues.maxDequeueCount).toBeGreaterThanOrEqual(1);
    expect(settings.queues.batchSize).toBeGreaterThanOrEqual(1);
    expect(settings.queues.maxPollingIntervalInMs).toBeGreaterThan(0);
  });
});

describe("src/host-limits.ts", () => {
  it("repeats host.json's retry count and function timeout, and caps workflow timeouts below it", () => {
    const settings = readHostSettings();
    expect(QUEUE_MAX_DEQUEUE_COUNT).toBe(settings.queues.maxDequeueCount);
    expect(FUNCTION_TIMEOUT_MS).toBe(settings.functionTimeoutInMs);
    expect(MAX_WORKFLOW_TIMEOUT_MS).toBeLessThan(settings.functionTimeoutInMs);
  });
});
