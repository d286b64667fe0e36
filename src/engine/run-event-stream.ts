// A run's events for a client: as server-sent events (text/event-stream, what EventSource reads: each event's
// `id:` is its sequence number, so the browser's automatic reconnect sends `Last-Event-ID` and continues exactly
// there), or as one JSON page for long polling where a stream cannot pass (a proxy that buffers responses).
// A stream is closed after `maxDurationInMs` (below the 230 s an HTTP response may take in Azure) with a `retry`
// hint; the client reconnects from its last id, so nothing is lost or doubled across the cut.
import { PassThrough, type Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import type { RunEvent, RunEventPage } from "../api-types.js";
import { BadRequestError } from "../errors.js";
import { isFinalEvent, type RunEventFeed } from "./run-event-feed.js";

export interface RunEventStreamOptions {
  maxDurationInMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatInMs?: number;
  /** At most one write per this interval per watcher (default 50 ms): events that come faster go out together. */
  minIntervalInMs?: number;
}

/** The cursor from `Last-Event-ID` (a reconnect) or `?after=`; 0 = from the start. */
export function readCursor(lastEventId: string | null, after: string | null): number {
  const value = lastEventId ?? after;
  if (value === null || value === "") return 0;
  if (!/^\d{1,9}$/.test(value)) throw new BadRequestError(`The event cursor "${value.slice(0, 40)}" is not a whole number (Last-Event-ID or ?after=).`, { code: "invalid_cursor" });
  return Number(value);
}

export function createRunEventStream(feed: RunEventFeed, runId: string, after: number, options: RunEventStreamOptions = {}): Readable {
  const out = new PassThrough();
  const stop = new AbortController();
  // The client went away (the host destroys the stream): stop watching.
  out.once("close", () => stop.abort());
  const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(options.maxDurationInMs ?? 180_000)]);
  const send = (text: string) => {
    if (!out.destroyed && !out.writableEnded) out.write(text);
  };
  // `hello` at once (no id, empty data, so it moves no cursor): a client that does not get it within a few seconds
  // is behind a proxy that buffers the stream (Azure Static Web Apps may: infra/README.md) and long-polls instead.
  send("retry: 1000\n\nevent: hello\ndata:\n\n");
  const heartbeat = setInterval(() => send(": keep-alive\n\n"), options.heartbeatInMs ?? 15_000);
  void (async () => {
    let ended = false;
    try {
      for await (const batch of feed.watch(runId, after, { abortSignal: signal })) {
        if (!out.destroyed && !out.writableEnded) {
          // Each event is encoded once for every watcher; a batch goes out as one chunk (one socket write).
          out.write(batch.length === 1 ? encodeEvent(batch[0]!) : Buffer.concat(batch.map(encodeEvent)));
        }
        if (batch.some(isFinalEvent)) {
          ended = true;
          continue;
        }
        // What arrives meanwhile goes out together: a run that logs fast costs each watcher a write per
        // interval, not per line (50 watchers × 50 lines/s were most of the host's time spent on them).
        await delay(options.minIntervalInMs ?? 50, undefined, { signal }).catch(() => undefined);
      }
      if (ended) send("event: end\ndata: {}\n\n");
    } catch {
      // Storage failed under the stream: the client reconnects from its last id.
    } finally {
      clearInterval(heartbeat);
      if (!out.destroyed) out.end();
    }
  })();
  return out;
}

/** Each event is encoded once, however many watchers it is sent to (the feed hands them the same objects). */
const encoded = new WeakMap<RunEvent, Buffer>();

function encodeEvent(event: RunEvent): Buffer {
  let bytes = encoded.get(event);
  if (bytes === undefined) {
    bytes = Buffer.from(`id: ${event.seq}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
    encoded.set(event, bytes);
  }
  return bytes;
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
