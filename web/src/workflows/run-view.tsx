// One run's result: status, duration, output as JSON, captured logs, and the error with its stack, where
// every workspace `file:line` is a link that opens the editor at that line.
import type { ComponentChildren } from "preact";
import type { RunRecord, WorkspaceError } from "../api/workflows.js";
import { followLink } from "../router.js";

export function RunView({ run }: { run: RunRecord }) {
  const failed = run.error !== undefined || /fail|error|timed?_?out|cancel/i.test(run.status);
  return (
    <section class="run-view" aria-label="Run result" data-run-id={run.id}>
      <h3>
        Run <code>{run.id.slice(0, 8)}</code>{" "}
        <span class={`badge ${failed ? "badge-bad" : run.status === "succeeded" ? "badge-good" : "badge-neutral"}`} data-testid="run-status">
          {run.status}
        </span>
      </h3>
      <p class="muted">
        {run.startedAt && <>Started {new Date(run.startedAt).toLocaleString()}{run.startedBy && <> by <span data-testid="run-started-by">{run.startedBy}</span></>}. </>}
        {!run.startedAt && run.startedBy && <>Started by <span data-testid="run-started-by">{run.startedBy}</span>. </>}
        {run.durationMs !== undefined && <>Took {formatDuration(run.durationMs)}.</>}
      </p>
      {run.output !== undefined && (
        <>
          <h4>Output</h4>
          <pre class="output" data-testid="run-output">{JSON.stringify(run.output, null, 2)}</pre>
        </>
      )}
      {run.error && <RunErrorView error={run.error} />}
      <h4>Logs</h4>
      {run.logs && run.logs.length > 0 ? (
        <ol class="logs" data-testid="run-logs">
          {run.logs.map((entry, index) => (
            <li key={index} class={`log log-${entry.level ?? "info"}`}>
              {entry.time && <time>{new Date(entry.time).toLocaleTimeString()}</time>} <span class="log-level">{entry.level ?? "info"}</span>{" "}
              <span class="log-message">{entry.message}</span>
              {entry.fields && Object.keys(entry.fields).length > 0 && <code class="log-fields"> {JSON.stringify(entry.fields)}</code>}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No log lines.</p>
      )}
    </section>
  );
}

export function RunErrorView({ error }: { error: WorkspaceError }) {
  return (
    <div class="run-error" role="alert">
      <h4>Error</h4>
      <p>
        <strong>{error.name ?? "Error"}</strong>: {error.message}
        {error.file && (
          <>
            {" "}at <SourceLink file={error.file} line={error.line} />
          </>
        )}
      </p>
      {error.stack && <pre class="stack">{linkifyStack(error.stack)}</pre>}
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

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
