// The answer to a refused or failed GitHub round trip (App registration, installation, sign-in) when a person's
// browser lands on it: a page in the app's look that says what went wrong and what to do next, instead of the
// API's JSON. GitHub sends the browser to these callbacks; a script or test that asks for JSON still gets JSON
// (src/errors.ts maps both the same way). The page is static HTML with one inline stylesheet, allowed by its hash
// in the page's own Content-Security-Policy: no script, no form, nothing fetched.
import { createHash } from "node:crypto";
import { toErrorResponse } from "../src/errors.js";

/** How a route's error page is titled and where it sends the person back to. */
export interface ErrorPage {
  /** What could not be finished, e.g. "Could not register the GitHub App". */
  title: string;
  /** A path under PUBLIC_URL, e.g. "/settings/github". */
  backTo: string;
  backLabel: string;
}

export interface RenderedErrorPage {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Whether the caller is a browser navigating (it asks for HTML), not a script asking the API. */
export function wantsPage(accept: string | null): boolean {
  return (accept ?? "").toLowerCase().includes("text/html");
}

export function renderErrorPage(error: unknown, page: ErrorPage, options: { publicUrl: string }): RenderedErrorPage {
  const { status, headers, body } = toErrorResponse(error);
  const back = `${options.publicUrl.replace(/\/+$/, "")}${page.backTo}`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · funcspace</title>
<style>${STYLE}</style>
</head>
<body>
<header class="app-header"><span class="brand">funcspace</span></header>
<main>
<section class="card" aria-labelledby="error-title" data-error-code="${escapeHtml(body.error)}">
<h1 id="error-title">${escapeHtml(page.title)}</h1>
<p class="error" role="alert">${escapeHtml(body.message)}</p>
<h2>What to do</h2>
<ul>${adviceFor(body.error, status)
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join("")}</ul>
<p><a class="button primary" href="${escapeHtml(back)}">${escapeHtml(page.backLabel)}</a></p>
<p class="muted small">Error code <code>${escapeHtml(body.error)}</code> (HTTP ${status}).</p>
</section>
</main>
</body>
</html>
`;
  return {
    status,
    headers: {
      ...headers,
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": PAGE_CSP,
    },
    body: html,
  };
}

/** The steps that get a person past each refusal a callback can give. */
function adviceFor(code: string, status: number): string[] {
  switch (code) {
    case "invalid_state":
      return [
        "The link GitHub sent you back with is valid for 10 minutes, once, and only in the browser that started: it may have expired, been used already, or been opened in another browser.",
        "Go back to Settings → GitHub in this browser and start the step again.",
      ];
    case "unauthorized":
      return ["You are not signed in to funcspace here (or your session ended).", "Sign in, then start again from Settings → GitHub."];
    case "forbidden":
      return [
        "Only a funcspace admin can finish this step, and the GitHub account you come back with must be able to see the installation.",
        "Install the App on an account or organisation you belong to (or ask its owner to), then connect again.",
      ];
    case "not_invited":
      return ["Ask an admin of this funcspace for the admin role, then start again."];
    case "app_already_registered":
      return ["A GitHub App is already registered for this funcspace: connect with it from Settings → GitHub.", "To replace it, start the registration again and choose to replace it."];
    case "app_not_registered":
      return ["Create the GitHub App first: Settings → GitHub → Create GitHub App."];
    case "invalid_code":
    case "bad_request":
      return ["GitHub's one-time code can be used once and expires after a few minutes.", "Start the step again from Settings → GitHub."];
    case "unreachable":
      return ["funcspace could not reach GitHub: check this server's network and DNS, and GITHUB_API_URL.", "Then start the step again."];
    case "not_found":
      return ["This step is not available with this server's settings (AUTH_MODE): go back and use the way the page offers."];
    default:
      return status >= 500
        ? ["Something failed on the way (GitHub or this server). The details are in the server log.", "Wait a moment and start the step again."]
        : ["Start the step again from Settings → GitHub."];
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The app's look (web/src/styles.css: colours, header, card, button), in the few rules this page uses.
const STYLE = [
  ":root{--bg:#f6f7f9;--panel:#fff;--text:#1c2430;--muted:#5c6675;--border:#d6dbe3;--accent:#2457c5;--danger:#b42318;",
  "font-family:system-ui,-apple-system,\"Segoe UI\",sans-serif;font-size:14px;color:var(--text);background:var(--bg)}",
  "*{box-sizing:border-box}body{margin:0;min-height:100vh}",
  ".app-header{display:flex;align-items:center;padding:0 1rem;height:44px;background:#18202e;color:#fff}",
  ".brand{font-weight:700;letter-spacing:.02em}main{padding:1rem}",
  ".card{max-width:640px;margin:2rem auto;background:var(--panel);border:1px solid var(--border);border-radius:8px;padding:1.2rem 1.4rem}",
  "h1{font-size:1.5rem;margin:0 0 1rem}h2{font-size:1.15rem;margin:1rem 0 .6rem}",
  ".error{color:var(--danger);background:#fde7e5;border:1px solid #f3b8b2;border-radius:6px;padding:.6rem .9rem}",
  "li{margin:.3rem 0}.muted{color:var(--muted)}.small{font-size:.85em}",
  "code{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace;font-size:12.5px}",
  ".button{display:inline-block;padding:.35rem .75rem;border:1px solid var(--accent);border-radius:5px;background:var(--accent);color:#fff;text-decoration:none}",
  ":focus-visible{outline:2px solid var(--accent);outline-offset:2px}",
].join("");

const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox`;
