// What the draft services need: the draft table, the workspace folder (read only: a draft never writes it), and
// the connection (drafts exist only while GitHub manages the workspace). A plain object each host builds.
import type { ConnectionStore } from "../azure/connection-store.js";
import type { DraftOwner, DraftStore } from "../azure/draft-store.js";

export interface DraftDeps {
  drafts: DraftStore;
  workspaceDir: string;
  connections: Pick<ConnectionStore, "get">;
  /** Largest file a draft may hold: the smaller of MAX_FILE_BYTES and what one table entity can carry. */
  maxFileBytes: number;
  /** Changed paths one draft may hold. */
  maxChanges: number;
  /** Bytes of content one draft may hold in all (default MAX_DRAFT_TOTAL_BYTES). */
  maxTotalBytes?: number;
}

export interface DraftCallOptions {
  abortSignal?: AbortSignal;
}

/** Whose draft: the caller's identity, and the name records show. */
export interface DraftCaller extends DraftOwner {
  name: string;
}

export const DEFAULT_MAX_DRAFT_CHANGES = 200;
/** All of a draft's content together: what a draft run sends to the runner and a proposal uploads. */
export const MAX_DRAFT_TOTAL_BYTES = 16 * 1024 * 1024;
