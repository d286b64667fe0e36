// What the sweep timer samples for alerts every few minutes: the poison queues' depth (in Azure the Functions
// host moves messages there, out of our sight) and whether the GitHub connection is Failed.
import { countPoisonedMessages } from "../azure/count-poisoned-messages.js";
import type { ConnectionStore } from "../azure/connection-store.js";
import type { StorageClients } from "../azure/storage.js";
import { METRICS } from "./telemetry-names.js";
import { getTelemetry, recordMetric } from "./telemetry.js";

export interface OperationalStateDeps {
  storage: Pick<StorageClients, "queue">;
  connections: Pick<ConnectionStore, "get">;
}

export async function recordOperationalState(deps: OperationalStateDeps, options: { abortSignal?: AbortSignal } = {}): Promise<void> {
  if (!getTelemetry().enabled) return;
  const [poisoned, connection] = await Promise.all([countPoisonedMessages(deps.storage, options), deps.connections.get(options)]);
  for (const [queue, count] of Object.entries(poisoned.queues)) recordMetric(METRICS.poisonMessages, count, { queue, source: "depth" });
  if (connection) {
    const { state, repository } = connection.record;
    recordMetric(METRICS.connectionFailed, state === "Failed" ? 1 : 0, { state, repository });
  }
}
