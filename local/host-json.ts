// The settings of host.json that the local host imitates, read from the very file the Functions host uses.
import { readFileSync } from "node:fs";

export interface QueueSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  /** Delay before a failed message is visible again (host.json `visibilityTimeout`). */
  visibilityTimeoutInMs: number;
  maxPollingIntervalInMs: number;
}

export interface HostSettings {
  routePrefix: string;
  /** `functionTimeout` (the Functions host's default on Premium plans: 30 minutes). */
  functionTimeoutInMs: number;
  queues: QueueSettings;
}

/** Parses a .NET TimeSpan as host.json writes it: `hh:mm:ss[.fff]` or `d.hh:mm:ss`. */
export function parseTimeSpanInMs(value: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value.trim());
  if (!match) throw new RangeError(`"${value}" is not a TimeSpan (hh:mm:ss)`);
  const [, days = "0", hours, minutes, seconds, fraction = "0"] = match;
  return (
    ((Number(days) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000 +
    Math.round(Number(`0.${fraction}`) * 1000)
  );
}

export function readHostSettings(file = new URL("../host.json", import.meta.url)): HostSettings {
  const json = JSON.parse(readFileSync(file, "utf8")) as {
    extensions?: { http?: { routePrefix?: string }; queues?: Record<string, unknown> };
    functionTimeout?: string;
  };
  const queues = json.extensions?.queues ?? {};
  // Defaults are the Functions host's own.
  const batchSize = Number(queues.batchSize ?? 16);
  return {
    routePrefix: json.extensions?.http?.routePrefix ?? "api",
    functionTimeoutInMs: parseTimeSpanInMs(json.functionTimeout ?? "00:30:00"),
    queues: {
      batchSize,
      newBatchThreshold: Number(queues.newBatchThreshold ?? Math.floor(batchSize / 2)),
      maxDequeueCount: Number(queues.maxDequeueCount ?? 5),
      visibilityTimeoutInMs: parseTimeSpanInMs(String(queues.visibilityTimeout ?? "00:00:00")),
      maxPollingIntervalInMs: parseTimeSpanInMs(String(queues.maxPollingInterval ?? "00:01:00")),
    },
  };
}
