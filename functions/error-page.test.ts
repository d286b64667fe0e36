import { describe, expect, it } from "vitest";
import { BadRequestError } from "../src/errors.js";
import { renderErrorPage, wantsPage } from "./error-page.js";

const page = { title: "Could not register the GitHub App", backTo: "/settings/github", backLabel: "Back to Settings → GitHub" };

describe("renderErrorPage", () => {
  it("escapes what the error says and links back under PUBLIC_URL", () => {
    const answer = renderErrorPage(new BadRequestError('"<script>alert(1)</script>" is not a name', { code: "invalid_state" }), page, {
      publicUrl: "https://fs.example.com/",
    });
    expect(answer.status).toBe(400);
    expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(answer.body).not.toContain("<script>");
    expect(answer.body).toContain("&#34;&#60;script&#62;alert(1)&#60;/script&#62;&#34; is not a name");
    expect(answer.body).toContain('href="https://fs.example.com/settings/github"');
    expect(answer.body).toContain('data-error-code="invalid_state"');
    // Its only resource is its own stylesheet, allowed by hash; no script, no form.
    expect(answer.headers["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; .*form-action 'none'; sandbox$/);
  });

  it("keeps an unknown failure's detail in the log, as the JSON answer does", () => {
    const answer = renderErrorPage(new Error("ECONNRESET at 10.0.0.5 with token ghp_x"), page, { publicUrl: "http://127.0.0.1:7071" });
    expect(answer.status).toBe(500);
    expect(answer.body).not.toContain("10.0.0.5");
    expect(answer.body).toContain("The details are in the server log");
  });

  it.each([
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true],
    ["application/json", false],
    ["*/*", false],
    [null, false],
  ])("a request accepting %s is a browser navigating: %s", (accept, expected) => {
    expect(wantsPage(accept)).toBe(expected);
  });
});
