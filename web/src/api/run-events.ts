// Watching a run as it happens (GET /api/runs/{id}/events). Server-sent events first: EventSource reconnects by
// itself with Last-Event-ID. Whether Azure Static Web Apps' proxy passes a stream on is not settled: Microsoft Learn
// says nothing of streaming and caps an API request at 45 s (https://learn.microsoft.com/azure/static-web-apps/apis-overview);
// in https://github.com/Azure/static-web-apps/issues/1180 (linked backends, open) the SWA team says `text/event-stream`
// is detected as streaming content and works, while users there, and in /issues/1628 (managed functions, open), saw
// responses arrive whole. The SWA CLI does pass the stream (test/ui-swa.test.ts); infra/README.md, "Live run events
// through Static Web Apps", has the details. So the server opens every stream with a `hello` event, and when none
// arrives within `helloTimeoutInMs`, or the session's auth mode is `swa` (unless `?events=auto`, use-live-run.ts),
// we long-poll `?format=json&after=<cursor>` instead (each poll at most 25 s). Events are handed on by `seq`, each
// once, in order, whichever way they came and however often the transport changed.
import type { RunEvent, RunEventPage } from "../../../src/api-types.js";
import { ApiError, getJson } from "./client.js";

export type RunTransport = "stream" | "poll";

export interface WatchRunOptions {
  /** Events with a `seq` above this only (0: from the start). */
  after?: number;
  /** `poll` skips the stream (SWA); `auto` (default) streams and falls back. */
  transport?: RunTransport | "auto";
  helloTimeoutInMs?: number;
  onEvents: (events: RunEvent[]) => void;
  /** The run is over and every event was handed on. */
  onEnd: () => void;
  /** Which way events come now. */
  onTransport?: (transport: RunTransport) => void;
  /** A poll failed (retried with a back-off) or the run cannot be watched (`fatal`: 403/404). */
  onError?: (error: unknown, fatal: boolean) => void;
}

/** Starts watching; the function returned stops it. */
export function watchRun(runId: string, options: WatchRunOptions): () => void {
  const stop = new AbortController();
  let cursor = options.after ?? 0;
  let source: EventSource | undefined;
  let helloTimer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;

  const deliver = (events: RunEvent[]) => {
    const fresh = events.filter((event) => event.seq > cursor).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0) return;
    cursor = fresh.at(-1)!.seq;
    options.onEvents(fresh);
  };
  const end = () => {
    if (ended) return;
    ended = true;
    closeStream();
    options.onEnd();
  };
  const closeStream = () => {
    clearTimeout(helloTimer);
    source?.close();
    source = undefined;
  };

  const poll = async () => {
    closeStream();
    options.onTransport?.("poll");
    let failures = 0;
    while (!stop.signal.aborted && !ended) {
      try {
        const page = await getJson<RunEventPage>(`/api/runs/${encodeURIComponent(runId)}/events?format=json&after=${cursor}`, {
          cache: "no-store",
          signal: stop.signal,
        });
        failures = 0;
        deliver(page.events);
        if (page.done) end();
      } catch (error) {
        if (stop.signal.aborted) return;
        const fatal = error instanceof ApiError && [401, 403, 404].includes(error.status);
        options.onError?.(error, fatal);
        if (fatal) return;
        failures++;
        await sleep(Math.min(1000 * 2 ** (failures - 1), 10_000), stop.signal);
      }
    }
  };

  const stream = () => {
    options.onTransport?.("stream");
    // EventSource has no way to send a first Last-Event-ID: a resumed watch starts at ?after=.
    const es = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events${cursor > 0 ? `?after=${cursor}` : ""}`);
    source = es;
    const heard = () => clearTimeout(helloTimer);
    helloTimer = setTimeout(() => void poll(), options.helloTimeoutInMs ?? 3000);
    es.addEventListener("hello", heard);
    for (const kind of ["log", "progress", "status", "truncated"]) {
      es.addEventListener(kind, (message) => {
        heard();
        try {
          deliver([JSON.parse((message as MessageEvent<string>).data) as RunEvent]);
        } catch {
          // Not an event we understand: skip it; the record has the whole story.
        }
      });
    }
    es.addEventListener("end", end);
    es.addEventListener("error", () => {
      // CLOSED: the server refused (403/404/5xx) or did not stream; polling says why, or works where this did not.
      if (es.readyState === EventSource.CLOSED && !ended && !stop.signal.aborted) void poll();
    });
  };

  if (options.transport === "poll" || typeof EventSource === "undefined") void poll();
  else stream();

  return () => {
    stop.abort();
    closeStream();
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
