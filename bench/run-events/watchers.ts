// The watchers' process (see bench.ts): opens N server-sent event streams of one run and, for every log line,
// notes how long after it was logged (its `time`) it arrived here. Separate from the host, so the host's CPU
// figure holds only what serving them costs it. Also counts the chunks that arrived (≈ the server's writes).
interface WatchRequest {
  url: string;
  watchers: number;
}

let chunks = 0;

async function watchOne(url: string): Promise<number[]> {
  const response = await fetch(url, { headers: { accept: "text/event-stream" } });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  // Lines logged before the stream was open arrive in its first batch: only later ones are timed.
  const opened = Date.now();
  const lateness: number[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const now = Date.now();
    chunks++;
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.includes("event: end")) return lateness;
      const data = block.split("\n").find((line) => line.startsWith("data: "));
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as { kind: string; time: string };
      if (event.kind === "log" && Date.parse(event.time) > opened) lateness.push(now - Date.parse(event.time));
    }
  }
  return lateness;
}

process.on("message", (request: WatchRequest) => {
  chunks = 0;
  Promise.all(Array.from({ length: request.watchers }, () => watchOne(request.url))).then(
    (all) => process.send!({ lateness: all[0] ?? [], lines: all.map((l) => l.length), chunks }),
    (error: unknown) => process.send!({ failure: String((error as Error)?.stack ?? error) }),
  );
});
process.send!({ ready: true });
