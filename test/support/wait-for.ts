// Polls until a probe yields a value: for effects that land asynchronously (a queue worker, a webhook, a sync).

export interface WaitForOptions {
  timeoutInMs?: number;
  intervalInMs?: number;
}

/** Resolves with the probe's first value other than `undefined`/`false`; throws naming `what` on timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutInMs = 20_000, intervalInMs = 50 } = options;
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutInMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalInMs));
  }
}

/** `waitFor` without a description, for short probes whose meaning is plain at the call. */
export function until<T>(probe: () => Promise<T | undefined>, timeoutInMs = 20_000): Promise<T> {
  return waitFor("a condition", probe, { timeoutInMs });
}
