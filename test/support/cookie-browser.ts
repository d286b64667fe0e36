// A browser without a page, for API-level flows that bounce between funcspace and the GitHub stand-in: it keeps
// the cookies funcspace sets (per browser, like a real one), sends `headers` with every call to funcspace (a
// principal header, say), and follows redirects. URLs under `publicUrl` go to the test host.
import type { TestHost } from "./test-host.js";

export interface CookieBrowser {
  /** One request, no redirects followed. */
  hop(url: string, init?: RequestInit): Promise<Response>;
  /** Follows redirects until the answer is not one, or lands on a page of the UI (`stopAt`). */
  browse(url: string, init?: RequestInit): Promise<{ url: string; response: Response }>;
  /** A funcspace API call (path under /api) with this browser's cookies. */
  api(path: string, init?: RequestInit): Promise<Response>;
  cookies: Map<string, string>;
}

export interface CookieBrowserOptions {
  publicUrl: string;
  headers?: Record<string, string>;
  /** Paths of the UI where `browse` stops (default: any path outside /api). */
  stopAt?: (url: URL) => boolean;
}

export function createCookieBrowser(host: TestHost, options: CookieBrowserOptions): CookieBrowser {
  const cookies = new Map<string, string>();
  const stopAt = options.stopAt ?? ((url: URL) => url.href.startsWith(options.publicUrl) && !url.pathname.startsWith("/api/"));

  async function hop(url: string, init: RequestInit = {}): Promise<Response> {
    if (!url.startsWith(options.publicUrl)) return fetch(url, { ...init, redirect: "manual" });
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await host.fetch(url.slice(options.publicUrl.length), {
      ...init,
      headers: { ...options.headers, ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string> | undefined) },
      redirect: "manual",
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (/Max-Age=0/i.test(line) || value === "") cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  }

  async function browse(url: string, init: RequestInit = {}): Promise<{ url: string; response: Response }> {
    let current = url;
    let response = await hop(current, init);
    for (let i = 0; i < 10 && response.status >= 300 && response.status < 400; i++) {
      current = new URL(response.headers.get("location")!, current).href;
      if (stopAt(new URL(current))) break;
      response = await hop(current);
    }
    return { url: current, response };
  }

  return { hop, browse, api: (path, init) => hop(`${options.publicUrl}${path}`, init), cookies };
}
