// How many messages rest in each `<queue>-poison`: jobs the Functions host gave up on after maxDequeueCount
// attempts. Nothing reads those queues by itself, so health and the connection status report them.
import { poisonQueueName, QUEUES } from "./resources.js";
import type { StorageClients } from "./storage.js";

export interface PoisonedMessages {
  /** Poison queue name → approximate message count (a queue not made yet counts 0). */
  queues: Record<string, number>;
  total: number;
}

export async function countPoisonedMessages(
  storage: Pick<StorageClients, "queue">,
  options: { queues?: readonly string[]; abortSignal?: AbortSignal } = {},
): Promise<PoisonedMessages> {
  const names = (options.queues ?? Object.values(QUEUES)).map(poisonQueueName);
  const counts = await Promise.all(
    names.map(async (name) => {
      try {
        return (await storage.queue(name).getProperties({ abortSignal: options.abortSignal })).approximateMessagesCount ?? 0;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return 0;
        throw error;
      }
    }),
  );
  const queues = Object.fromEntries(names.map((name, i) => [name, counts[i]!]));
  return { queues, total: counts.reduce((a, b) => a + b, 0) };
}
