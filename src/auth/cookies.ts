// The two cookies funcspace sets: the session (`github` mode) and the flow cookie that ties a redirect
// round trip (sign-in, App registration, Connect with GitHub) to the browser that started it. Both HttpOnly
// and SameSite=Lax (sent on GitHub's top-level redirect back, never on a cross-site subrequest); Secure and
// `__Host-` prefixed when PUBLIC_URL is https.
import { randomBytes } from "node:crypto";
import type { Config } from "../config.js";
import type { HeaderSource } from "./principal.js";

/** The shape both hosts write as Set-Cookie (structurally the Functions library's `Cookie`). */
export interface ResponseCookie {
  name: string;
  value: string;
  path?: string;
  maxAge?: number;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
}

const FLOW_TTL_SECONDS = 10 * 60;

function isSecure(config: Config): boolean {
  return config.publicUrl.startsWith("https:");
}

export function sessionCookieName(config: Config): string {
  return isSecure(config) ? "__Host-funcspace-session" : "funcspace-session";
}

export function flowCookieName(config: Config): string {
  return isSecure(config) ? "__Host-funcspace-flow" : "funcspace-flow";
}

/** One cookie's value from the request, or `undefined`. */
export function readCookie(headers: HeaderSource, name: string): string | undefined {
  const header = headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    const value = part.slice(at + 1).trim();
    return /^[\w.-]{1,512}$/.test(value) ? value : undefined;
  }
  return undefined;
}

function cookie(config: Config, name: string, value: string, maxAge: number): ResponseCookie {
  return { name, value, path: "/", maxAge, httpOnly: true, sameSite: "Lax", secure: isSecure(config) };
}

export function sessionCookie(config: Config, value: string, maxAgeSeconds: number): ResponseCookie {
  return cookie(config, sessionCookieName(config), value, maxAgeSeconds);
}

export function clearedSessionCookie(config: Config): ResponseCookie {
  return cookie(config, sessionCookieName(config), "", 0);
}

/** A new flow nonce and its cookie: the redirect's signed state carries the nonce's hash. */
export function newFlowCookie(config: Config): { nonce: string; cookie: ResponseCookie } {
  const nonce = randomBytes(24).toString("base64url");
  return { nonce, cookie: cookie(config, flowCookieName(config), nonce, FLOW_TTL_SECONDS) };
}

export function readFlowNonce(headers: HeaderSource, config: Config): string | undefined {
  return readCookie(headers, flowCookieName(config));
}
