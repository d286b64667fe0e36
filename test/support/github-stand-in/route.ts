// The shape every route module shares with the dispatcher.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Credential } from "./access.js";
import type { StandInState } from "./stand-in-state.js";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path inside the area: for the API, without the `/api/v3` prefix. */
  path: string;
  state: StandInState;
  /** The caller's token, resolved (API only; a JWT is left in `jwt`). */
  credential?: Credential;
  jwt?: string;
  /** Headers the API adds to every answer (rate limit, scopes); route handlers pass them on. */
  headers: Record<string, string>;
}

export interface Route {
  method: "GET" | "POST" | "DELETE" | "PATCH";
  /** `api`: under /api/v3 with auth; `web`: github.com pages; `raw`: codeload and the stand-in's own endpoints. */
  area: "api" | "web" | "raw";
  pattern: RegExp;
  handle(ctx: RequestContext, params: string[]): Promise<void> | void;
}

/** Path segments of a match, URL-decoded (Octokit sends `/` inside a ref as `%2F`). */
export function decodeParams(match: RegExpExecArray): string[] {
  return match.slice(1).map((segment) => (segment === undefined ? "" : decodeURIComponent(segment)));
}
