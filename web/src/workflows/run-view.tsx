// One run: id (copyable), status, who started it and how, parameters (secret-looking ones masked), elapsed time or
// duration, progress, output, logs and the error with its stack, where every workspace `file:line` is a link that
// opens the editor at that line. Live runs pass what their events said so far (runs/use-live-run.ts).
// Output, logs and stack scroll in boxes of their own, each a tab stop so the keyboard can scroll them too.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { RunLogEntry, RunRecord, WorkspaceError } from "../api/workflows.js";
import { isFinished } from "../api/workflows.js";
import { followLink } from "../router.js";
import { maskParam, shortRunId } from "../runs/run-params.js";
import type { LiveRun } from "../runs/use-live-run.js";

export interface RunViewProps {
  run: RunRecord;
  /** What the run's events said so far, for a run watched live. */
  live?: Pick<LiveRun, "status" | "lines" | "progress" | "cancellingBy" | "dropped" | "watching" | "transport" | "startedAtMs"> | undefined;
  /** Buttons (Cancel, Re-run), shown under the title. */
  actions?: ComponentChildren;
  /** Headings one level down, inside a panel. */
  compact?: boolean;
  /** The title's level (its sections one below): 1 on the run's own page; else 3, or 4 when compact. */
  headingLevel?: 1 | 3 | 4 | undefined;
}

export function RunView({ run, live, actions, compact, headingLevel = compact ? 4 : 3 }: RunViewProps) {
  const status = live?.status || run.status;
  const lines: RunLogEntry[] = live?.lines ?? run.logs ?? [];
  const finished = isFinished(status);
  const cancelledBy = run.cancelledBy ?? (status === "cancelled" ? live?.cancellingBy : undefined);
  const Title = `h${headingLevel}` as const;
  const Sub = `h${headingLevel + 1}` as "h2" | "h4" | "h5";
  return (
    <section class="run-view" aria-label="Run result" data-run-id={run.id} aria-busy={!finished}>
      <Title class="run-title">
        Run <code title={run.id} data-testid="run-id">{shortRunId(run.id)}</code> <CopyRunId id={run.id} />{" "}
        <StatusBadge status={status} />
      </Title>
      <p class="muted run-meta">
        <a href={`/runs?workflow=${encodeURIComponent(run.workflow)}`} onClick={followLink}>{run.workflow}</a>
        {run.startedBy ? <> · started by <span data-testid="run-started-by">{run.startedBy}</span></> : " · started without a person"}
        {" "}<span title="How it was started: http (the caller waited for it) or queue (?wait=false)">via {run.trigger}</span>
        {run.draft && (
          <> · <span class="badge badge-neutral" data-testid="run-draft">draft run</span> of {run.draft.owner}'s draft ({run.draft.changes === 1 ? "1 file" : `${run.draft.changes} files`} changed)</>
        )}
        {run.startedAt && <> · {new Date(run.startedAt).toLocaleString()}</>}
        {" · "}
        <span data-testid="run-elapsed">
          {finished && run.durationMs !== undefined ? <>took {formatDuration(run.durationMs)}</> : live?.startedAtMs && !finished ? <Elapsed since={live.startedAtMs} /> : status === "queued" ? "waiting to start" : "—"}
        </span>
      </p>
      {actions && <div class="run-actions">{actions}</div>}
      {status === "cancelling" && (
        <p class="notice" role="status" data-testid="run-cancel-info">Cancelling…{live?.cancellingBy && <> (asked by {live.cancellingBy})</>}</p>
      )}
      {status === "cancelled" && (
        <p class="notice" data-testid="run-cancel-info">Cancelled{cancelledBy && <> by <strong data-testid="run-cancelled-by">{cancelledBy}</strong></>}.</p>
      )}
      {live?.progress && <ProgressBar {...live.progress} finished={finished} />}
      <ParamsView params={run.params} compact={compact} />
      {run.output !== undefined && (
        <>
          <Sub>Output</Sub>
          <pre class="output" data-testid="run-output" tabIndex={0}>{JSON.stringify(run.output, null, 2)}</pre>
        </>
      )}
      {run.outputTruncated && <p class="muted">The output was too large to keep.</p>}
      {run.error && <RunErrorView error={run.error} heading={Sub} />}
      <Sub id={`logs-${run.id}`}>
        Logs{" "}
        {live?.watching && <span class="badge badge-neutral live-badge" data-testid="run-live">live{live.transport === "poll" ? " (polling)" : ""}</span>}
      </Sub>
      {lines.length > 0 ? (
        <div role="log" aria-labelledby={`logs-${run.id}`} class="log-box" tabIndex={0}>
          <ol class="logs" data-testid="run-logs">
            {lines.map((entry, index) => (
              <li key={index} class={`log log-${entry.level ?? "info"}`}>
                {entry.time && <time dateTime={entry.time}>{new Date(entry.time).toLocaleTimeString()}</time>} <span class="log-level">{entry.level ?? "info"}</span>{" "}
                <span class="log-message">{entry.message}</span>
                {entry.fields && Object.keys(entry.fields).length > 0 && <code class="log-fields"> {JSON.stringify(entry.fields)}</code>}
              </li>
            ))}
          </ol>
        </div>
      ) : (
        <p class="muted">{finished ? "No log lines." : "No log lines yet."}</p>
      )}
      {(live?.dropped ?? 0) > 0 && <p class="muted">{live!.dropped} more lines were not kept.</p>}
      {(run.logsDropped ?? 0) > 0 && !live?.lines && <p class="muted">{run.logsDropped} more lines were not kept.</p>}
    </section>
  );
}

/** `testId`: `run-status` for the run shown, `run-row-status` in tables (tests tell the two apart). */
export function StatusBadge({ status, testId = "run-status" }: { status: string; testId?: string }) {
  const tone = status === "succeeded" ? "badge-good" : /fail|timed_out|cancelled|interrupted/.test(status) ? "badge-bad" : "badge-neutral";
  return (
    <span class={`badge ${tone}`} data-testid={testId}>
      {status}
    </span>
  );
}

function ProgressBar({ done, total, message, finished }: { done: number; total: number; message?: string | undefined; finished: boolean }) {
  const max = total > 0 ? total : 1;
  return (
    <div class="run-progress" data-testid="run-progress">
      <progress max={max} value={Math.min(done, max)} aria-label="Progress" aria-valuetext={`${done} of ${total}${message ? `: ${message}` : ""}`} />
      <span class="muted small">
        {done} of {total}
        {message && <> · {message}</>}
        {finished && " (last reported)"}
      </span>
    </div>
  );
}

function ParamsView({ params, compact }: { params: Record<string, unknown> | undefined; compact?: boolean | undefined }) {
  const entries = Object.entries(params ?? {});
  if (entries.length === 0) return <p class="muted small">No parameters.</p>;
  return (
    <details class="run-params" open={!compact}>
      <summary>Parameters</summary>
      <dl data-testid="run-params">
        {entries.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd><code>{maskParam(name, value)}</code></dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** Seconds since `since`, ticking. */
function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return <>running for {formatDuration(Math.max(0, now - since), { whole: true })}</>;
}

function CopyRunId({ id }: { id: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(id);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard (an insecure origin): show the id to copy by hand.
      window.prompt("Run id", id);
    }
  };
  return (
    <button type="button" class="link-button small" onClick={() => void copy()}>
      {copied ? "copied" : "copy id"}
      <span class="visually-hidden"> of run {id}</span>
    </button>
  );
}

export function RunErrorView({ error, heading: Heading = "h4" }: { error: WorkspaceError; heading?: "h2" | "h4" | "h5" }) {
  return (
    <div class="run-error" role="alert">
      <Heading>Error</Heading>
      <p>
        <strong>{error.name ?? "Error"}</strong>: {error.message}
        {error.file && (
          <>
            {" "}at <SourceLink file={error.file} line={error.line} />
          </>
        )}
      </p>
      {error.stack && <pre class="stack" tabIndex={0}>{linkifyStack(error.stack)}</pre>}
    </div>
  );
}

export function SourceLink({ file, line }: { file: string; line?: number | undefined }) {
  const href = `/editor?file=${encodeURIComponent(file)}${line ? `&line=${line}` : ""}`;
  return (
    <a href={href} onClick={followLink} class="source-link">
      {file}
      {line ? `:${line}` : ""}
    </a>
  );
}

// Workspace-relative `path/to/file.ts:12:5` in a stack (the engine rewrites server paths away).
const FRAME = /((?:[\w.-]+\/)*[\w.-]+\.(?:ts|mts|cts|js|mjs|cjs)):(\d+)(?::\d+)?/g;

function linkifyStack(stack: string): ComponentChildren[] {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const match of stack.matchAll(FRAME)) {
    const [text, file, line] = match;
    const index = match.index;
    const before = stack.slice(Math.max(0, index - 8), index);
    // node:internal frames and URLs are not workspace files.
    if (/node:|\/\/|file:|\/$/.test(before) || file!.startsWith("node_modules/")) continue;
    parts.push(stack.slice(last, index), <SourceLink key={index} file={file!} line={Number(line)} />);
    last = index + text.length;
  }
  parts.push(stack.slice(last));
  return parts;
}

export function formatDuration(ms: number, options: { whole?: boolean } = {}): string {
  if (ms < 1000 && !options.whole) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return options.whole ? `${Math.floor(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1000)} s`;
}
