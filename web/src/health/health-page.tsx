// /api/health as a page: overall status and each dependency's check with its latency and message.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { getHealth, type HealthReport } from "../api/health.js";

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
        <table>
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Status</th>
              <th scope="col">Latency</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {report.checks.map((check) => (
              <tr key={check.name}>
                <td>{check.name}</td>
                <td>
                  <span class={`badge ${check.status === "pass" ? "badge-good" : check.status === "fail" ? "badge-bad" : "badge-neutral"}`}>{check.status.replace("_", " ")}</span>
                </td>
                <td>{Math.round(check.latencyMs)} ms</td>
                <td>{check.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
