// One error hierarchy for the whole app, and the one place that maps an error to an HTTP answer.
// Handlers throw; every host (Functions, the local host, tests) turns the error into a response here.
import type { ApiErrorBody } from "./api-types.js";

export interface AppErrorOptions {
  cause?: unknown;
  /** Extra fields for the JSON body (never secrets). */
  details?: Record<string, unknown>;
  /** Extra response headers (e.g. the current ETag on a 412). */
  headers?: Record<string, string>;
}

/** Base of every error whose message is meant for the user. `code` is stable and machine-readable. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(400, options.code ?? "bad_request", message, options);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "Sign in to use funcspace.", options: AppErrorOptions = {}) {
    super(401, "unauthorized", message, options);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(403, options.code ?? "forbidden", message, options);
  }
}

/** The request named a host this server does not answer for (DNS rebinding, a stray proxy). */
export class MisdirectedRequestError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(421, "misdirected_request", message, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(404, options.code ?? "not_found", message, options);
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(405, "method_not_allowed", message, options);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(409, options.code ?? "conflict", message, options);
  }
}

export class PreconditionFailedError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(412, options.code ?? "precondition_failed", message, options);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(413, options.code ?? "payload_too_large", message, options);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(415, options.code ?? "unsupported_media_type", message, options);
  }
}

/** The client did not send its request in time. */
export class RequestTimeoutError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(408, "request_timeout", message, options);
  }
}

/** A dependency (storage, GitHub, Key Vault) is unavailable; the caller may retry. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(503, options.code ?? "service_unavailable", message, options);
  }
}

/** A dependency's host could not be reached at all (DNS, connection refused, no route): said at once, not retried. */
export class UnreachableError extends ServiceUnavailableError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, { ...options, code: "unreachable" });
  }
}

/** A lease (one sync at a time per workspace) is held by another worker. */
export class LeaseHeldError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(409, "lease_held", message, options);
  }
}

/**
 * A lease's tenure is over (it expired and another worker took it, or the holder's own deadline passed):
 * the former holder must not write anything more.
 */
export class LeaseLostError extends AppError {
  constructor(key: string, options: AppErrorOptions & { message?: string } = {}) {
    super(409, "lease_lost", options.message ?? `The lease "${key}" is no longer held by this worker; it stopped before writing more.`, options);
  }
}

/** Another sync (a `funcspace-sync` run) holds the folder's lock file. */
export class FolderLockedError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super(409, "folder_locked", message, options);
  }
}

/** The workspace is managed by GitHub: every mutating call is refused. */
export class ReadOnlyError extends AppError {
  constructor(repository: string, branch: string, options: AppErrorOptions = {}) {
    super(
      409,
      "read_only",
      `This workspace is managed by GitHub (${repository}@${branch}). Edit it there, or disconnect GitHub to edit here.`,
      { ...options, details: { repository, branch, ...options.details } },
    );
  }
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  /** The API's error body (src/api-types.ts): what the UI reads. */
  body: ApiErrorBody;
}

/**
 * Maps any thrown value to the HTTP answer. Unknown errors become a plain 500 whose detail stays in the log:
 * a stack trace or a driver message can carry paths, hosts or tokens.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AppError) {
    return {
      status: error.status,
      headers: { ...error.headers },
      body: { ...error.details, error: error.code, message: error.message },
    };
  }
  return {
    status: 500,
    headers: {},
    body: { error: "internal", message: "Something went wrong on the server. The details are in the server log." },
  };
}
