// A button that asks the API where to send the browser (sign in with GitHub, install the App) and goes there:
// the answer also sets the flow cookie that GitHub's redirect back must match (no GET starts a flow).
import { useState } from "preact/hooks";
import { describeError } from "../api/client.js";

export interface Redirect {
  busy: boolean;
  error: string | undefined;
  /** Starts: `before` runs first (e.g. clearing an old message), then the browser leaves for the answer. */
  go: (before?: () => void) => Promise<void>;
}

export function useRedirect(start: () => Promise<string>): Redirect {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const go = async (before?: () => void) => {
    setBusy(true);
    setError(undefined);
    before?.();
    try {
      window.location.href = await start();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return { busy, error, go };
}
