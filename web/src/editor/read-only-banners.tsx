// Why the editor is read-only, above it: the person's role (no write access), and/or GitHub managing the
// workspace (with a link to the open file on GitHub, where it can be changed, and for admins "Propose changes":
// propose/propose-banner.tsx).
import type { ComponentChildren } from "preact";
import type { ConnectionStatus } from "../api/github.js";
import { githubFileUrl } from "../session.js";

export interface ReadOnlyBannersProps {
  status: ConnectionStatus | undefined;
  /** Why this person cannot write (missingRoleReason), when they cannot. */
  roleReason: string | undefined;
  activePath: string | undefined;
  /** Shown at the end of the "Managed by GitHub" banner. */
  githubAction?: ComponentChildren;
}

export function ReadOnlyBanners({ status, roleReason, activePath, githubAction }: ReadOnlyBannersProps) {
  return (
    <>
      {roleReason && (
        <div class="banner banner-readonly" role="status" data-testid="role-read-only">
          <strong>Read-only</strong> — {roleReason}
        </div>
      )}
      {status?.connected && (
        <div class="banner banner-readonly" role="status">
          <strong>
            Managed by GitHub: {status.repository}@{status.branch}
          </strong>{" "}
          — files here follow the repository and cannot be edited.{" "}
          <a href={githubFileUrl(status, activePath)} target="_blank" rel="noreferrer">
            {activePath ? `Open ${activePath} on GitHub` : "Open the repository on GitHub"}
          </a>
          {githubAction}
        </div>
      )}
    </>
  );
}
