// The GitHub connection record: one per workspace, in the `connections` table. While one exists and is not
// disconnected, the workspace is managed by GitHub and read-only. Written by the GitHub connect flows
// (App and PAT), read by the read-only guard, the sync worker, the reconcile timer and the status API.
// Secrets are never stored here: only the names of secrets in the secret store (and the PAT's last 4 chars).

// The kinds, states and delivery modes are the API's (src/api-types.ts): the status answers them as stored.
export type { ConnectionKind, ConnectionState, DeliveryMode } from "../api-types.js";
import type { ConnectionKind, ConnectionState, DeliveryMode } from "../api-types.js";

export interface ConnectionRecord {
  /** New for every connect: jobs queued for an earlier connection are recognised as stale. */
  connectionId: string;
  kind: ConnectionKind;
  /** `owner/name` as GitHub spells it. */
  repository: string;
  branch: string;
  /** GitHub App installation (kind "app"). */
  installationId?: number;
  /** Secret-store name of the PAT (kind "pat"), and its last 4 characters for display. */
  tokenSecretName?: string;
  tokenLast4?: string;
  deliveryMode: DeliveryMode;
  /** Why polling, e.g. "webhook not created: the token lacks Webhooks: write". */
  deliveryModeReason?: string;
  /** Repository webhook we created (kind "pat") and the secret-store name of its secret. */
  webhookId?: number;
  webhookSecretName?: string;
  state: ConnectionState;
  stateReason?: string;
  /** Last commit applied to the workspace, and the branch head last seen (with its ETag for 304 polling). */
  appliedSha?: string;
  headSha?: string;
  headEtag?: string;
  lastSyncAt?: string;
  createdAt: string;
  updatedAt: string;
  /** Who connected, for the audit trail. */
  connectedBy?: string;
  /** Who last replaced the personal access token, and when. */
  tokenRotatedBy?: string;
  tokenRotatedAt?: string;
  /**
   * The pin (github-app/pin-workspace.ts): the commit the sync engine applies instead of the branch head, who
   * pinned it and when. While set, pushes are recorded but not applied; `headSha` keeps following the branch.
   */
  pinnedSha?: string;
  pinnedBy?: string;
  pinnedAt?: string;
  /** Commits on the branch after the pinned one (as last counted), and whether the branch still contains it. */
  waitingCommits?: number;
  pinOffBranch?: boolean;
}

/** One workspace per deployment today; the key keeps room for more. */
export const DEFAULT_WORKSPACE_ID = "default";
