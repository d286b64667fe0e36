// A GitHub call's dependency name: Octokit's route template, never a query or a signed link's query.
import { describe, expect, it } from "vitest";
import { routeTemplate } from "./github-network.js";

describe("routeTemplate", () => {
  it.each([
    ["/repos/{owner}/{repo}/git/trees/{tree_sha}", "/repos/{owner}/{repo}/git/trees/{tree_sha}"],
    ["/repos/{owner}/{repo}/git/trees/{tree_sha}?recursive=1", "/repos/{owner}/{repo}/git/trees/{tree_sha}"],
    ["https://codeload.example/o/r/legacy.tar.gz/main?token=SECRET", "/o/r/legacy.tar.gz/main"],
    [undefined, "/"],
  ])("%s → %s", (url, template) => {
    expect(routeTemplate(url)).toBe(template);
  });
});
