// Open pull requests into the connected branch with what funcspace's check found (issue 22), beside the sync
// history: what merging each one would do to the workspace, before anyone merges it. Refreshed with the history.
import type { ConnectionStatus, PullCheck } from "../api/github.js";
import { TableScroll } from "../ui/table-scroll.js";
import { CommitSha } from "./commit-sha.js";

const OUTCOME: Record<string, string> = {
  success: "passes",
  failure: "fails",
  neutral: "checked in part",
  cancelled: "superseded",
};

export function PullChecks({ status, checks }: { status: ConnectionStatus; checks: PullCheck[] }) {
  const open = checks.filter((check) => check.state === "open");
  return (
    <section class="card" aria-labelledby="pull-checks-title">
      <h2 id="pull-checks-title">Pull requests into {status.branch}</h2>
      {open.length === 0 ? (
        <p class="muted">
          No open pull request has been checked. {status.kind === "pat" ? "Checks come with the GitHub App connection." : "Each new one gets the check “funcspace”."}
        </p>
      ) : (
        <TableScroll label="Open pull requests and their checks">
          <table class="pull-checks">
            <thead>
              <tr>
                <th scope="col">Pull request</th>
                <th scope="col">Head</th>
                <th scope="col">Check</th>
                <th scope="col">Would change</th>
              </tr>
            </thead>
            <tbody>
              {open.map((check) => (
                <tr key={check.number}>
                  <td>
                    <a href={check.url} target="_blank" rel="noreferrer">
                      #{check.number} {check.title}
                    </a>
                  </td>
                  <td>
                    <CommitSha status={status} sha={check.headSha} /> <span class="muted">{check.headRef}</span>
                  </td>
                  <td data-testid={`pull-check-${check.number}`}>
                    {check.status === "completed" ? (
                      <>
                        <strong class={`check-${check.conclusion ?? "neutral"}`}>{OUTCOME[check.conclusion ?? "neutral"] ?? check.conclusion}</strong>
                        {check.summary && <span class="muted">: {check.summary}</span>}
                      </>
                    ) : (
                      <span class="muted">checking…</span>
                    )}
                    {check.checkUrl && (
                      <>
                        {" "}
                        <a href={check.checkUrl} target="_blank" rel="noreferrer">
                          details
                        </a>
                      </>
                    )}
                    {check.reportReason && <div class="muted">{check.reportReason}</div>}
                  </td>
                  <td>{check.counts ? `+${check.counts.added} ~${check.counts.changed} −${check.counts.deleted}` : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
