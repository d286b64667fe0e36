// Polls one storage queue with the Functions host's semantics: base64 messages, `dequeueCount` in the
// trigger metadata, a failed message becomes visible again after host.json's `visibilityTimeout`, and
// after `maxDequeueCount` failed attempts it moves to `<queue>-poison`.
import { InvocationContext } from "../functions/library.js";
import { invokeQueue, type QueueTrigger } from "../functions/define.js";
import type { Services } from "../functions/services.js";
import { poisonQueueName } from "../src/azure/resources.js";
import { recordMetric } from "../src/telemetry/telemetry.js";
import { METRICS } from "../src/telemetry/telemetry-names.js";
import type { QueueSettings } from "./host-json.js";

/** How long a received message stays invisible while its handler runs (the host uses 10 minutes too). */
const PROCESSING_LEASE_IN_SECONDS = 600;
const MIN_POLL_INTERVAL_IN_MS = 100;

export interface QueuePollerOptions {
  trigger: QueueTrigger;
  services: Services;
  settings: QueueSettings;
  abortSignal: AbortSignal;
}

/** Runs until `abortSignal` fires; resolves once the messages in hand are finished. */
export async function pollQueue(options: QueuePollerOptions): Promise<void> {
  const { trigger, services, settings, abortSignal } = options;
  const queue = services.storage.queue(trigger.queueName);
  const poison = services.storage.queue(poisonQueueName(trigger.queueName));
  const log = services.logger.child({ component: "local-queue", queue: trigger.queueName });
  let interval = MIN_POLL_INTERVAL_IN_MS;

  while (!abortSignal.aborted) {
    let received;
    try {
      received = await queue.receiveMessages({
        numberOfMessages: Math.min(Math.max(settings.batchSize, 1), 32),
        visibilityTimeout: PROCESSING_LEASE_IN_SECONDS,
        abortSignal,
      });
    } catch (error) {
      if (abortSignal.aborted) break;
      log.warn({ err: error }, "queue poll failed");
      await sleep(settings.maxPollingIntervalInMs, abortSignal);
      continue;
    }
    const messages = received.receivedMessageItems;
    if (messages.length === 0) {
      await sleep(interval, abortSignal);
      interval = Math.min(interval * 2, Math.max(settings.maxPollingIntervalInMs, MIN_POLL_INTERVAL_IN_MS));
      continue;
    }
    interval = MIN_POLL_INTERVAL_IN_MS;
    // Messages in hand are finished even when stopping, so none is left half-done.
    await Promise.all(messages.map((message) => processMessage(message)));
  }

  async function processMessage(message: {
    messageId: string;
    popReceipt: string;
    messageText: string;
    dequeueCount: number;
    insertedOn: Date;
    expiresOn: Date;
    nextVisibleOn: Date;
  }): Promise<void> {
    const decoded = decodeMessage(message.messageText);
    if (message.dequeueCount > settings.maxDequeueCount || decoded === undefined) {
      await moveToPoison(message, decoded === undefined ? "message is not valid base64" : "dequeue count exceeded");
      return;
    }
    const invocation = new InvocationContext({
      invocationId: crypto.randomUUID(),
      functionName: trigger.name,
      logHandler: () => undefined,
      triggerMetadata: {
        id: message.messageId,
        popReceipt: message.popReceipt,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        expirationTime: message.expiresOn.toISOString(),
        nextVisibleTime: message.nextVisibleOn.toISOString(),
      },
    });
    // Which instance took which message (the two-instance test checks each is handled once).
    log.debug({ messageId: message.messageId, dequeueCount: message.dequeueCount }, "queue message received");
    try {
      await invokeQueue(trigger, decoded, invocation, services);
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } catch {
      // invokeQueue logged the handler's error.
      if (message.dequeueCount >= settings.maxDequeueCount) {
        await moveToPoison(message, "handler failed on every attempt");
      } else {
        await queue
          .updateMessage(message.messageId, message.popReceipt, undefined, Math.ceil(settings.visibilityTimeoutInMs / 1000))
          .catch((error: unknown) => log.warn({ err: error, messageId: message.messageId }, "could not release message"));
      }
    }
  }

  async function moveToPoison(message: { messageId: string; popReceipt: string; messageText: string; dequeueCount: number }, reason: string) {
    await poison.sendMessage(message.messageText);
    await queue.deleteMessage(message.messageId, message.popReceipt);
    recordMetric(METRICS.poisonMessages, 1, { queue: poisonQueueName(trigger.queueName), source: "moved" });
    log.warn({ messageId: message.messageId, dequeueCount: message.dequeueCount, reason }, "message moved to poison queue");
  }
}

/** The host's base64 decoding, then JSON when the text is JSON (as the Node library does). */
export function decodeMessage(text: string): unknown {
  const normalized = text.replace(/\s/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized) || normalized.length % 4 !== 0) return undefined;
  const body = Buffer.from(normalized, "base64").toString("utf8");
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
