// A run's events for a client: as server-sent events (text/event-stream, what EventSource reads: each event's
// `id:` is its sequence number, so the browser's automatic reconnect sends `Last-Event-ID` and continues exactly
// there), or as one JSON page for long polling where a stream cannot pass (a proxy that buffers responses).
// A stream is closed after `maxDurationInMs` (below the 230 s an HTTP response may take in Azure) with a `retry`
// hint; the client reconnects from its last id, so nothing is lost or doubled across the cut.
import type { RunEvent, RunEventPage } from "../api-types.js";
import { BadRequestError } from "../errors.js";
import { isFinalEvent, type RunEventFeed } from "./run-event-feed.js";

export interface RunEventStreamOptions {
  maxDurationInMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatInMs?: number;
}

/** The cursor from `Last-Event-ID` (a reconnect) or `?after=`; 0 = from the start. */
export function readCursor(lastEventId: string | null, after: string | null): number {
  const value = lastEventId ?? after;
  if (value === null || value === "") return 0;
  if (!/^\d{1,9}$/.test(value)) throw new BadRequestError(`The event cursor "${value.slice(0, 40)}" is not a whole number (Last-Event-ID or ?after=).`, { code: "invalid_cursor" });
  return Number(value);
}

export function createRunEventStream(feed: RunEventFeed, runId: string, after: number, options: RunEventStreamOptions = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const stop = new AbortController();
  const maxDuration = AbortSignal.timeout(options.maxDurationInMs ?? 180_000);
  const signal = AbortSignal.any([stop.signal, maxDuration]);
  let heartbeat: NodeJS.Timeout | undefined;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      // `hello` at once (no id, empty data, so it moves no cursor): a client that does not get it within a few
      // seconds is behind a proxy that buffers the stream (Static Web Apps: static-web-apps#1180, #1628) and
      // switches to long polling.
      send("retry: 1000\n\nevent: hello\ndata:\n\n");
      heartbeat = setInterval(() => send(": keep-alive\n\n"), options.heartbeatInMs ?? 15_000);
      let ended = false;
      try {
        for await (const batch of feed.watch(runId, after, { abortSignal: signal })) {
          send(batch.map(formatEvent).join(""));
          if (batch.some(isFinalEvent)) ended = true;
        }
        if (ended) send("event: end\ndata: {}\n\n");
      } catch {
        // Storage failed under the stream: the client reconnects from its last id.
      } finally {
        clearInterval(heartbeat);
        if (!stop.signal.aborted) controller.close();
      }
    },
    cancel() {
      // The client went away.
      stop.abort();
      clearInterval(heartbeat);
    },
  });
}

function formatEvent(event: RunEvent): string {
  return `id: ${event.seq}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Events after `after`, waiting up to `waitInMs` for the first; `done` once the final status was sent. */
export async function readRunEventPage(feed: RunEventFeed, runId: string, after: number, waitInMs: number): Promise<RunEventPage> {
  const signal = AbortSignal.timeout(waitInMs);
  for await (const batch of feed.watch(runId, after, { abortSignal: signal })) {
    return { events: batch, after: batch.at(-1)!.seq, done: batch.some(isFinalEvent) };
  }
  // No event within the wait: either still running, or finished and everything was already sent.
  return { events: [], after, done: !signal.aborted };
}
