// Follows a download URL (the tarball's short-lived link) with two deadlines: the answer must start within
// `startTimeoutInMs`, and the body may not go silent for `stallTimeoutInMs` (a connection that stays open
// but sends nothing would otherwise hold the sync until functionTimeout). Either aborts the download with a
// sentence saying which; the caller's signal still cancels it.
import { Readable, Transform, pipeline } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { traceDependency } from "../src/telemetry/trace-dependency.js";

export interface FetchDownloadOptions {
  abortSignal?: AbortSignal;
  startTimeoutInMs?: number;
  stallTimeoutInMs?: number;
}

export async function fetchDownload(url: string, options: FetchDownloadOptions = {}): Promise<Readable> {
  const startTimeoutInMs = options.startTimeoutInMs ?? 30_000;
  // Generous: the consumer's back-pressure (a slow share) also pauses the flow the timer sees.
  const stallTimeoutInMs = options.stallTimeoutInMs ?? 120_000;
  const deadline = new AbortController();
  const signal = options.abortSignal ? AbortSignal.any([options.abortSignal, deadline.signal]) : deadline.signal;
  let timer = setTimeout(() => deadline.abort(new Error(`the download did not start within ${startTimeoutInMs / 1000} s`)), startTimeoutInMs);
  let response: Response;
  try {
    // A dependency without the link itself: its query is a short-lived signature.
    response = await traceDependency({ method: "GET", template: "{download}", host: hostOf(url), system: "GitHub" }, () => fetch(url, { signal }), (r) => r.status);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw Object.assign(new Error(`the download answered ${response.status}`), { status: response.status });
  }
  if (!response.body) throw new Error("the download answer has no body");
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => deadline.abort(new Error(`the download stalled: no data for ${stallTimeoutInMs / 1000} s`)), stallTimeoutInMs);
  };
  arm();
  const watched = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      arm();
      callback(null, chunk);
    },
    flush(callback) {
      clearTimeout(timer);
      callback();
    },
  });
  watched.once("close", () => clearTimeout(timer));
  // The body's error (a stall, a cut connection) reaches the reader through `watched`.
  pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), watched, () => undefined);
  return watched;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "download";
  }
}
