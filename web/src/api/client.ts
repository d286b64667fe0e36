// The one way the UI calls the API: same origin, JSON in and out, and every refusal turned into an
// ApiError that carries the server's stable `code` and its user-facing message (src/errors.ts).
import type { ApiErrorBody } from "../../../src/api-types.js";

/** The error body as it came: the API's (ApiErrorBody), or whatever a proxy in between answered. */
export type ErrorBody = Partial<ApiErrorBody>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: ErrorBody;
  readonly headers: Headers;

  constructor(status: number, body: ErrorBody, headers: Headers) {
    const message = typeof body.message === "string" ? body.message : `The server answered ${status}.`;
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof body.error === "string" ? body.error : `http_${status}`;
    this.body = body;
    this.headers = headers;
  }
}

/** Fetches `/api/...` and throws ApiError on any non-2xx answer (the body's message when it has one). */
export async function callApi(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: "same-origin", ...init });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, { error: "network", message: "The server could not be reached. Check that funcspace is running, then retry." }, new Headers());
  }
  if (!response.ok) {
    const error = new ApiError(response.status, await readErrorBody(response), response.headers);
    if (response.status === 401 || error.code === "not_invited") refusalListener?.(error);
    throw error;
  }
  return response;
}

let refusalListener: ((error: ApiError) => void) | undefined;

/**
 * Who hears a 401 (the session lapsed) or a 403 `not_invited` (the role was taken away), from any call: the
 * session (session.ts), which knows the auth mode and so whether that means SWA's login or our sign-in page.
 */
export function onSessionRefused(listener: ((error: ApiError) => void) | undefined): void {
  refusalListener = listener;
}

export async function getJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await callApi(path, { ...init, headers: { accept: "application/json", ...init.headers } });
  return (await response.json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  const response = await callApi(path, {
    ...init,
    method,
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function readErrorBody(response: Response): Promise<ErrorBody> {
  const text = await response.text().catch(() => "");
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") return parsed as ErrorBody;
  } catch {
    // Not JSON (a proxy's error page): fall through to a plain message.
  }
  return { error: `http_${response.status}`, message: `The server answered ${response.status} ${response.statusText}.` };
}

/** A message for any caught value, for display next to the control that failed. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Encodes a workspace path for a `{*path}` route: each segment, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
