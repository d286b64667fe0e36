// /api/health as a page: overall status and each dependency's check, named in words (check-label.ts) with the
// API's key beside it, its latency and message.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { getHealth, type HealthReport } from "../api/health.js";
import { TableScroll } from "../ui/table-scroll.js";
import { checkLabel } from "./check-label.js";

export function HealthPage() {
  const [report, setReport] = useState<HealthReport | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [checkedAt, setCheckedAt] = useState<Date | undefined>();
  const load = () => {
    setError(undefined);
    getHealth().then(
      (r) => (setReport(r), setCheckedAt(new Date())),
      (e: unknown) => setError(describeError(e)),
    );
  };
  useEffect(load, []);
  return (
    <div class="health-page">
      <h1>
        Health{" "}
        {report && (
          <span class={`badge ${report.status === "healthy" ? "badge-good" : "badge-bad"}`} data-testid="health-status">{report.status}</span>
        )}
      </h1>
      <p>
        <button type="button" onClick={load}>Check again</button> {checkedAt && <span class="muted">Checked {checkedAt.toLocaleTimeString()}</span>}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      {report && (
        // Explicit roles: on a narrow window styles.css lays each row out as a card (display: grid), and some browsers
        // drop a table's semantics once its display changes. https://adrianroselli.com/2018/02/tables-css-display-properties-and-aria.html
        <TableScroll label="Checks">
          <table class="health-table" role="table">
            <thead role="rowgroup">
              <tr role="row">
                <th role="columnheader" scope="col">Check</th>
                <th role="columnheader" scope="col">Status</th>
                <th role="columnheader" scope="col">Latency</th>
                <th role="columnheader" scope="col">Message</th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              {report.checks.map((check) => (
                <tr key={check.name} role="row" data-check={check.name}>
                  <th role="rowheader" scope="row">
                    {checkLabel(check.name)} <code class="check-key" title="The check's name in the API (/api/health/details)">{check.name}</code>
                  </th>
                  <td role="cell">
                    <span class={`badge ${check.status === "pass" ? "badge-good" : check.status === "fail" ? "badge-bad" : "badge-neutral"}`}>{check.status.replace("_", " ")}</span>
                  </td>
                  <td role="cell" class="latency">{Math.round(check.latencyMs)} ms</td>
                  <td role="cell" class="message">{check.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </div>
  );
}
