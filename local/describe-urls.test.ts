import { describe, expect, it } from "vitest";
import { describeUiUrls } from "./describe-urls.js";

describe("describeUiUrls", () => {
  it("prints the local host's own URL when it serves the whole UI", () => {
    expect(describeUiUrls({ authMode: "local", port: 7071 }, "http://127.0.0.1:7071")).toEqual(["  web UI     http://127.0.0.1:7071/"]);
    expect(describeUiUrls({ authMode: "github", port: 7071 }, "http://127.0.0.1:7071")).toEqual(["  web UI     http://127.0.0.1:7071/"]);
  });

  it("prints the Static Web Apps CLI's URL under AUTH_MODE=swa, and the API apart", () => {
    const lines = describeUiUrls({ authMode: "swa", port: 7071 }, "http://127.0.0.1:7071");
    expect(lines[0]).toMatch(/^ {2}web UI {5}http:\/\/127\.0\.0\.1:4280\/ — run `npm run start:swa`/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe("  API        http://127.0.0.1:7071/api");
    expect(lines[2]).toContain("http://127.0.0.1:7071/ shows how to set its StaticWebAppsAuthCookie");
    expect(lines.join("\n")).not.toContain("web UI     http://127.0.0.1:7071/");
  });

  it("says when the CLI's proxy target and this host's port differ", () => {
    expect(describeUiUrls({ authMode: "swa", port: 7400 }, "http://127.0.0.1:7400").join("\n")).toContain("this host listens on 7400");
  });
});
