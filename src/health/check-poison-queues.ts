// Health check: messages in the poison queues. They are jobs that failed every attempt (a sync that kept
// failing, a malformed run job): reported, with what to do, but never a failed check (the app works; a failing
// health answer would get the instance replaced). Only not being able to count fails it.
import { countPoisonedMessages } from "../azure/count-poisoned-messages.js";
import type { StorageClients } from "../azure/storage.js";

export async function checkPoisonQueues(
  storage: Pick<StorageClients, "queue">,
  abortSignal: AbortSignal,
): Promise<{ message: string; details: Record<string, unknown> }> {
  const { queues, total } = await countPoisonedMessages(storage, { abortSignal });
  if (total === 0) return { message: "no poisoned messages", details: { queues } };
  const where = Object.entries(queues)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} in ${name}`)
    .join(", ");
  return {
    message: `${where}: jobs that failed every attempt; their run records say why. Inspect them, then clear the queue.`,
    details: { queues, total },
  };
}
