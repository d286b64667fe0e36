// Errors of the sync engine. Every failure leaves syncWorkspace wrapped with the step it happened in
// (git-sync's habit), so the run record and the log say "fetch: ..." rather than a bare driver message.
import { AppError, BadRequestError, type AppErrorOptions } from "../errors.js";

export type SyncStep = "resolve" | "manifest" | "plan" | "fetch" | "apply" | "record" | "lease";

/** A failed step. The message is the cause's message (user-facing when the cause is an AppError). */
export class SyncError extends AppError {
  readonly step: SyncStep;
  constructor(step: SyncStep, options: { cause: unknown; message?: string }) {
    const cause = options.cause;
    const status = cause instanceof AppError ? cause.status : 500;
    const code = cause instanceof AppError ? cause.code : "sync_failed";
    const text = options.message ?? (cause instanceof Error ? cause.message : String(cause));
    super(status, code, `${step}: ${text}`, {
      cause,
      details: cause instanceof AppError ? { ...cause.details, step } : { step },
    });
    this.step = step;
  }
}

/**
 * The repository (its tree or its archive) breaks a rule: an unsafe path, a link or device entry, a limit.
 * Nothing was written to the workspace when this is thrown.
 */
export class UnsafeRepositoryError extends BadRequestError {
  constructor(message: string, options: AppErrorOptions & { reason: string; path?: string } ) {
    super(message, { ...options, code: "unsafe_repository", details: { reason: options.reason, path: options.path, ...options.details } });
  }
}

/** The target tree is empty while the workspace is not, and the request did not say `allowEmpty`. */
export class EmptyTargetError extends AppError {
  constructor(fileCount: number, skippedCount = 0) {
    super(
      409,
      "empty_target",
      (skippedCount > 0
        ? `The commit has no file this workspace can hold (its ${skippedCount} ${skippedCount === 1 ? "entry is" : "entries are"} skipped: see the sync's skipped list) but the workspace has ${fileCount}; refusing to delete them all. `
        : `The commit has no files but the workspace has ${fileCount}; refusing to delete them all. `) +
        "Sync again with allowEmpty if the repository is meant to be empty.",
      { details: { workspaceFiles: fileCount, skippedEntries: skippedCount } },
    );
  }
}

/** The run was cancelled (disconnect, shutdown); the workspace holds whole files only. */
export class SyncCancelledError extends AppError {
  constructor(reason = "The sync was cancelled.") {
    super(409, "sync_cancelled", reason);
  }
}

/** Throws SyncCancelledError when the signal is aborted: called before each file so a cancel stops cleanly. */
export function throwIfCancelled(abortSignal: AbortSignal | undefined): void {
  if (abortSignal?.aborted) {
    const reason = abortSignal.reason;
    throw reason instanceof SyncCancelledError ? reason : new SyncCancelledError(reasonText(reason));
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error && reason.name !== "AbortError" && reason.message) return `The sync was cancelled: ${reason.message}`;
  if (typeof reason === "string" && reason) return `The sync was cancelled: ${reason}`;
  return "The sync was cancelled.";
}

/**
 * Failures another attempt cannot fix: the repository breaks a rule (unsafe entry, too large, an empty commit
 * over a full workspace), the repository or branch is gone (404), GitHub refuses the token (401, or 403 that is
 * not a rate limit: those come as 503), or the message itself is malformed. The worker records them and
 * completes the message (no redelivery, no second download); everything else (5xx, network, rate limits,
 * storage) is transient and goes back to the queue. A cancelled run is neither: the next job decides.
 */
const PERMANENT_CODES: ReadonlySet<string> = new Set(["unsafe_repository", "empty_target", "not_found", "unauthorized", "forbidden", "invalid_sync_job"]);
/** Archive refusals a fresh download may not repeat (content that does not match the tree, entries missing). */
const RETRYABLE_REASONS: ReadonlySet<string> = new Set(["content_mismatch", "archive_incomplete"]);

export function isPermanentSyncFailure(error: unknown): boolean {
  if (error instanceof SyncCancelledError || (error instanceof SyncError && error.cause instanceof SyncCancelledError)) return false;
  if (!(error instanceof AppError) || !PERMANENT_CODES.has(error.code)) return false;
  return !RETRYABLE_REASONS.has(String(error.details?.reason));
}

/** A sync job message that is not one (a bug upstream): permanent, recorded in the log only. */
export class InvalidSyncJobError extends BadRequestError {
  constructor(message: string) {
    super(message, { code: "invalid_sync_job" });
  }
}
