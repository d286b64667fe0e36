// Serves the built web UI (web/dist) next to the API on the local host's one URL, as Static Web Apps
// does in Azure: files by path, and index.html for any other page navigation (the SPA's routes), so
// /editor or /settings/github load on refresh. Plugs into startLocalHost's `fallback` (tried for every
// path outside /api). A fresh clone has no web/dist: `npm start` builds it once in the background with
// Vite (a dev dependency) and answers "being built" until it is there.
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { normalizeRelativePath } from "../src/workspace/safe-path.js";

export interface StaticUiOptions {
  /** The built UI: a folder with index.html and assets/. */
  distDir: string;
  /** When distDir has no index.html, build the UI from this folder (holding vite.config.ts) into it. */
  buildFrom?: string;
  log?: (message: string) => void;
}

export interface StaticUi {
  fallback: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Settles when the UI can be served (at once when already built); rejects when the build failed. */
  ready: Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export function serveStaticUi(options: StaticUiOptions): StaticUi {
  const { distDir } = options;
  const log = options.log ?? (() => undefined);
  let state: "ready" | "building" | "failed" = "ready";
  let failure = "";

  const ready = (async () => {
    if (await isFile(path.join(distDir, "index.html"))) return;
    if (!options.buildFrom) {
      state = "failed";
      failure = `The web UI is not built (${distDir} has no index.html): run \`npm run build:web\`.`;
      throw new Error(failure);
    }
    state = "building";
    log("building the web UI (first start; `npm run build:web` rebuilds it)…");
    try {
      await buildUi(options.buildFrom, distDir);
      state = "ready";
      log("web UI built");
    } catch (error) {
      state = "failed";
      failure = `Building the web UI failed: ${(error as Error).message}. Run \`npm run build:web\` to see why.`;
      throw new Error(failure, { cause: error });
    }
  })();
  // Start-up must not fail on the UI: the API works without it, and the page says what happened.
  ready.catch((error: Error) => log(error.message));

  async function fallback(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const method = (req.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") return false;
    const url = new URL(req.url ?? "/", "http://localhost");
    const wantsPage = (req.headers.accept ?? "").includes("text/html");
    // SWA's own endpoints do not exist here: the UI reads their absence as "local developer". A person sent to
    // one (the sign-in link of AUTH_MODE=swa, opened on this host instead of the SWA CLI) gets a page that says
    // where sign-in lives, not the API's JSON 404.
    if (url.pathname.startsWith("/.auth/")) {
      if (!wantsPage) return false;
      sendPage(res, 404, SWA_SIGN_IN_ELSEWHERE, false);
      return true;
    }

    if (state !== "ready") {
      if (!wantsPage) return false;
      const message = state === "building" ? "The web UI is being built (first start). This page reloads when it is ready." : failure;
      sendPage(res, state === "building" ? 503 : 500, message, state === "building");
      return true;
    }

    let relative: string;
    try {
      relative = normalizeRelativePath(decodeURIComponent(url.pathname.replace(/^\/+/, "")), { allowRoot: true });
    } catch {
      return false;
    }
    const file = relative === "" ? "index.html" : relative;
    const absolute = path.join(distDir, file);
    if (await isFile(absolute)) {
      await sendFile(req, res, absolute, file.startsWith("assets/"));
      return true;
    }
    // A page of the single-page app (/editor, /settings/github): index.html, as SWA's navigationFallback.
    if (wantsPage && !file.startsWith("assets/")) {
      await sendFile(req, res, path.join(distDir, "index.html"), false);
      return true;
    }
    return false;
  }

  return { fallback, ready };
}

const SWA_SIGN_IN_ELSEWHERE =
  "Static Web Apps' sign-in (/.auth/…) is not served by funcspace's local host. With AUTH_MODE=swa, run " +
  "`npm run start:swa` and open the UI through it: http://127.0.0.1:4280/ (its sign-in page explains how to sign in offline). " +
  "Without Static Web Apps, `npm start` alone makes you the admin on http://127.0.0.1:7071/.";

/** What Static Web Apps' globalHeaders give the pages in Azure: no framing (clickjacking), no sniffing. */
const PAGE_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "frame-ancestors 'none'; object-src 'none'; base-uri 'self'",
  "referrer-policy": "same-origin",
};

async function sendFile(req: IncomingMessage, res: ServerResponse, absolute: string, immutable: boolean): Promise<void> {
  const info = await stat(absolute);
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[path.extname(absolute).toLowerCase()] ?? "application/octet-stream",
    "content-length": String(info.size),
    // Vite puts a content hash in every asset name; index.html must be revalidated to pick up new ones.
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    ...PAGE_HEADERS,
  });
  if ((req.method ?? "GET").toUpperCase() === "HEAD") {
    res.end();
    return;
  }
  await pipeline(createReadStream(absolute), res);
}

function sendPage(res: ServerResponse, status: number, message: string, reload: boolean): void {
  const escaped = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...PAGE_HEADERS, ...(reload ? { refresh: "2" } : {}) });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>funcspace</title></head><body><p>${escaped}</p></body></html>`);
}

async function isFile(absolute: string): Promise<boolean> {
  try {
    return (await stat(absolute)).isFile();
  } catch {
    return false;
  }
}

/**
 * Builds into a sibling folder and renames it into place, so a build cut short (Ctrl-C) never leaves a
 * half-written UI that the next start would take for a finished one.
 */
async function buildUi(webDir: string, distDir: string): Promise<void> {
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    throw new Error("Vite is not installed (it is a dev dependency: run `npm ci`)");
  }
  const partial = `${distDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(path.dirname(distDir), { recursive: true });
  await vite.build({
    configFile: path.join(webDir, "vite.config.ts"),
    root: webDir,
    logLevel: "warn",
    build: { outDir: partial, emptyOutDir: true },
  });
  await rm(distDir, { recursive: true, force: true });
  await rename(partial, distDir);
}
