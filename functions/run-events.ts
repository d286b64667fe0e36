// Watching and stopping a run: `GET /api/runs/{id}/events` streams what happens in it (server-sent events, or one
// JSON page with `?format=json` for long polling), `POST /api/runs/{id}/cancel` stops it. Readers watch, operators
// cancel; the engine does the work (src/engine/run-event-feed.ts, workflow-engine.ts).
import type { HttpResponseInit } from "@azure/functions";
import { actorName } from "../src/auth/principal.js";
import { ServiceUnavailableError } from "../src/errors.js";
import { createRunEventStream, readCursor, readRunEventPage } from "../src/engine/run-event-stream.js";
import { defineHttp, type Trigger } from "./define.js";

/** Longest a long-polling request waits for its first event. */
const LONG_POLL_MS = 25_000;

export const watchWorkflowRun = defineHttp({
  name: "watchWorkflowRun",
  methods: ["GET"],
  route: "runs/{id}/events",
  role: "reader",
  handler: async (request, { services }): Promise<HttpResponseInit> => {
    const { engine } = services;
    const feed = engine.feed;
    if (!feed) throw new ServiceUnavailableError("Run events are not kept by this host.");
    const id = request.params.id ?? "";
    // A run watched here already exists: the 2nd to 50th watcher cost no record read.
    const run = feed.isWatched(id) ? { id } : await engine.getRun(id);
    const after = readCursor(request.headers.get("last-event-id"), request.query.get("after"));
    const wantsJson = request.query.get("format") === "json" || !(request.headers.get("accept") ?? "").includes("text/event-stream");
    if (wantsJson) return { headers: { "cache-control": "no-store" }, jsonBody: await readRunEventPage(feed, run.id, after, LONG_POLL_MS) };
    return {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        // Asks buffering proxies (nginx, and any that honour it) to pass each event on at once.
        "x-accel-buffering": "no",
      },
      body: createRunEventStream(feed, run.id, after),
    };
  },
});

export const cancelWorkflowRun = defineHttp({
  name: "cancelWorkflowRun",
  methods: ["POST"],
  route: "runs/{id}/cancel",
  role: "operator",
  handler: async (request, { services, principal }) => {
    const run = await services.engine.cancelRun(request.params.id ?? "", actorName(principal) ?? "unknown");
    return { status: run.status === "cancelled" ? 200 : 202, headers: { "cache-control": "no-store" }, jsonBody: run };
  },
});

export const runEventTriggers: readonly Trigger[] = [watchWorkflowRun, cancelWorkflowRun];
