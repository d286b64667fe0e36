// The post-receive hook every bare repository gets: it tells the stand-in what a push changed and waits
// for the answer, so `git push` returns only after the webhooks went out (tests need no polling).
// curl when present (a Node start costs ~0.5 s on a busy 2-core machine), else Node's fetch.
// The wait is capped: a test that pushes with execFileSync blocks the stand-in's own event loop, and
// would otherwise deadlock; with the cap the push returns and the webhooks go out late.
export function postReceiveHook(options: { url: string; key: string }): string {
  const waitSeconds = 20;
  const node = `
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", async () => {
  try {
    const response = await fetch(${JSON.stringify(options.url)}, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-stand-in-key": ${JSON.stringify(options.key)}, "x-stand-in-pusher": process.env.STAND_IN_PUSHER || "" },
      body: Buffer.concat(chunks),
      signal: AbortSignal.timeout(${waitSeconds * 1000}),
    });
    if (!response.ok) console.error("github stand-in: push notification answered " + response.status);
  } catch (error) {
    console.error("github stand-in: push notification failed: " + error.message);
  }
});
`;
  return `#!/bin/sh
if command -v curl >/dev/null 2>&1; then
  curl -sS -f --max-time ${waitSeconds} -X POST -H 'content-type: text/plain' -H 'x-stand-in-key: ${options.key}' \\
    -H "x-stand-in-pusher: \${STAND_IN_PUSHER:-}" --data-binary @- '${options.url}' >/dev/null \\
    || echo "github stand-in: push notification failed" >&2
else
  exec '${process.execPath}' -e '${node.replace(/'/g, `'\\''`)}'
fi
exit 0
`;
}
