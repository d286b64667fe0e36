// One run as it happens: its record, then (while it is queued or running) its events as they come: log lines,
// the latest progress, status changes (cancelling, and by whom), and when the final status has come, the final
// record (output, error, duration). A reload mid-run starts again from the first event, so nothing is doubled.
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { watchRun, type RunTransport } from "../api/run-events.js";
import { getRun, isFinished, type RunEvent, type RunLogEntry, type RunRecord } from "../api/workflows.js";
import { session } from "../session.js";

export interface RunProgress {
  done: number;
  total: number;
  message?: string | undefined;
}

export interface LiveRun {
  record: RunRecord | undefined;
  loadError: string | undefined;
  /** The status shown: the latest of the record and the status events (`cancelling` included). */
  status: string;
  /** Log lines as they came (watched runs); `undefined` when the run was finished before we looked (the record's). */
  lines: RunLogEntry[] | undefined;
  progress: RunProgress | undefined;
  /** Who asked for the cancel, once `cancelling` was heard. */
  cancellingBy: string | undefined;
  /** Lines past the run's event budget. */
  dropped: number;
  watching: boolean;
  transport: RunTransport | undefined;
  watchError: string | undefined;
  /** When the run started running (ms since epoch), for the elapsed time. */
  startedAtMs: number | undefined;
}

const EMPTY: LiveRun = {
  record: undefined,
  loadError: undefined,
  status: "",
  lines: undefined,
  progress: undefined,
  cancellingBy: undefined,
  dropped: 0,
  watching: false,
  transport: undefined,
  watchError: undefined,
  startedAtMs: undefined,
};

/**
 * How to follow runs: `poll` behind Static Web Apps (its proxy buffers streams), else `auto` (stream, falling back
 * to polling when no hello comes). `?events=poll|auto` on the address, or `funcspace.runEvents` in localStorage,
 * overrides it (a proxy of your own that buffers; a check that streaming works through SWA).
 */
function chosenTransport(): RunTransport | "auto" {
  let forced = new URLSearchParams(location.search).get("events");
  try {
    forced ??= localStorage.getItem("funcspace.runEvents");
  } catch {
    // No storage: the default.
  }
  if (forced === "poll" || forced === "auto") return forced;
  return session.get().authMode === "swa" ? "poll" : "auto";
}

export interface LiveRunControls {
  /** A record from elsewhere (the answer of a cancel): shown as is. */
  setRecord: (record: RunRecord) => void;
  /** Our cancel was accepted: "cancelling" until the events say more. */
  markCancelling: (by: string | undefined) => void;
  /** Reads the record again. */
  reload: () => void;
}

export function useLiveRun(runId: string | undefined, initial?: RunRecord, options: { onFinished?: ((record: RunRecord) => void) | undefined } = {}): LiveRun & LiveRunControls {
  const [state, setState] = useState<LiveRun>(EMPTY);
  const [reloads, setReloads] = useState(0);
  const onFinished = useRef(options.onFinished);
  onFinished.current = options.onFinished;

  useEffect(() => {
    if (!runId) return setState(EMPTY);
    let stopped = false;
    let stopWatch: (() => void) | undefined;
    const fromRecord = (record: RunRecord, s: LiveRun): LiveRun => ({
      ...s,
      record,
      // A finished record wins; otherwise the events may know better (running, cancelling, or already the end).
      status: isFinished(record.status) ? record.status : isFinished(s.status) || (s.watching && s.status) ? s.status : record.status,
      startedAtMs: record.startedAt ? Date.parse(record.startedAt) : s.startedAtMs,
      cancellingBy: s.cancellingBy ?? record.cancelRequestedBy,
      loadError: undefined,
    });
    const load = async (): Promise<RunRecord | undefined> => {
      try {
        const record = await getRun(runId);
        if (!stopped) setState((s) => fromRecord(record, s));
        return record;
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, loadError: describeError(error) }));
        return undefined;
      }
    };

    const onEvents = (events: RunEvent[]) => {
      setState((s) => {
        let { status, progress, cancellingBy, dropped, startedAtMs } = s;
        const lines = [...(s.lines ?? [])];
        for (const event of events) {
          if (event.kind === "log") lines.push({ time: event.time, level: event.level, message: event.message, ...(event.fields ? { fields: event.fields } : {}) });
          else if (event.kind === "progress") progress = { done: event.done, total: event.total, message: event.message };
          else if (event.kind === "truncated") dropped += event.dropped;
          else if (event.kind === "status") {
            status = event.status;
            if (event.status === "cancelling" || event.status === "cancelled") cancellingBy = event.by ?? cancellingBy;
            if (event.status === "running") startedAtMs ??= Date.parse(event.time);
          }
        }
        return { ...s, lines, status, progress, cancellingBy, dropped, startedAtMs, watchError: undefined };
      });
    };

    const seed = reloads === 0 && initial?.id === runId ? initial : undefined;
    // A reload starts the lines again (a watch replays every event from the first).
    setState(reloads === 0 ? (seed ? fromRecord(seed, EMPTY) : EMPTY) : (s) => ({ ...s, lines: undefined, progress: undefined, dropped: 0, watching: false }));
    void (async () => {
      const record = seed ?? (await load());
      if (stopped || !record || isFinished(record.status)) return;
      setState((s) => ({ ...s, lines: s.lines ?? [], watching: true }));
      stopWatch = watchRun(runId, {
        transport: chosenTransport(),
        onEvents,
        onTransport: (transport) => setState((s) => ({ ...s, transport })),
        onError: (error, fatal) => setState((s) => ({ ...s, watchError: describeError(error), watching: s.watching && !fatal })),
        onEnd: () => {
          setState((s) => ({ ...s, watching: false }));
          void (async () => {
            // The engine stores the final record before the final event; another writer may lag a little.
            for (let attempt = 0; attempt < 5 && !stopped; attempt++) {
              const final = await load();
              if (final && isFinished(final.status)) return onFinished.current?.(final);
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
          })();
        },
      });
    })();

    return () => {
      stopped = true;
      stopWatch?.();
    };
  }, [runId, reloads]);

  return {
    ...state,
    setRecord: (record) => setState((s) => ({ ...s, record, status: record.status })),
    markCancelling: (by) => setState((s) => (isFinished(s.status) ? s : { ...s, status: "cancelling", cancellingBy: s.cancellingBy ?? by })),
    reload: () => setReloads((n) => n + 1),
  };
}
