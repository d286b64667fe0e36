// A commit as the settings show it: the short SHA, linked to the commit on GitHub, the full SHA as its title.
import type { ConnectionStatus } from "../api/github.js";
import { githubCommitUrl } from "../session.js";

export function CommitSha({ status, sha }: { status: ConnectionStatus; sha: string | undefined }) {
  if (!sha) return <span class="muted">—</span>;
  return (
    <a href={githubCommitUrl(status, sha)} target="_blank" rel="noreferrer" title={sha}>
      <code>{shortSha(sha)}</code>
    </a>
  );
}

/** The 7-digit form GitHub shows. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
