import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { knownSecretValues } from "../../src/known-secret-values.js";
import { describeSchedule } from "./describe-schedule.js";
import { describeTokenKind, readPermissionHint, webhookPermissionHint } from "./describe-token-kind.js";
import { parseRepositoryName } from "./parse-repository-name.js";
import { readBranchName, readPatToken } from "./read-pat-input.js";

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? error.code : "not an AppError";
  }
  return "accepted";
};

describe("PAT input checks", () => {
  it.each([
    ["ghp_0123456789abcdefghijklmnopqrstuvwxyz", "accepted"],
    ["  github_pat_11ABCDEFG0123456789_abcdefghijklmnop  ", "accepted"],
    ["", "invalid_token"],
    [42, "invalid_token"],
    ["ghp_with space inside", "invalid_token"],
    ["short", "invalid_token"],
    ["ghp_éèà-not-ascii-token", "invalid_token"],
  ])("token %j → %s", (value, code) => {
    expect(codeOf(() => readPatToken(value))).toBe(code);
  });

  it("trims the token and makes it known to the log scrubber", () => {
    const token = "ghp_ScrubMe0123456789abcdefghijklmnopq";
    expect(readPatToken(`\n${token}\n`)).toBe(token);
    expect(knownSecretValues.scrub(`x ${token} y`)).toBe("x [redacted] y");
  });

  it.each([
    ["main", "main"],
    ["feature/x-1", "feature/x-1"],
    ["refs/heads/release", "release"],
    ["", undefined],
    ["a..b", undefined],
    ["has space", undefined],
    ["ends.lock", undefined],
    ["/leading", undefined],
    ["trailing/", undefined],
    ["a~b", undefined],
    ["tab\tbranch", undefined],
  ])("branch %j → %s", (value, expected) => {
    if (expected === undefined) expect(codeOf(() => readBranchName(value))).toBe("invalid_branch");
    else expect(readBranchName(value)).toBe(expected);
  });

  it.each([
    ["octocat/hello-world", { owner: "octocat", repo: "hello-world" }],
    [" Octo-Org/site.git ", { owner: "Octo-Org", repo: "site" }],
    ["octocat/hello.world_2", { owner: "octocat", repo: "hello.world_2" }],
    ["octocat", undefined],
    ["a/b/c", undefined],
    ["-bad/repo", undefined],
    ["octocat/..", undefined],
    ["octocat/a b", undefined],
  ])("repository %j", (value, expected) => {
    if (expected === undefined) expect(codeOf(() => parseRepositoryName(value))).toBe("invalid_repository");
    else expect(parseRepositoryName(value)).toEqual(expected);
  });
});

describe("token kinds and permission names", () => {
  it.each([
    ["ghp_abc", "classic"],
    ["github_pat_abc", "fine-grained"],
    ["gho_abc", "unknown"],
  ])("%s is %s", (token, kind) => {
    expect(describeTokenKind(token)).toBe(kind);
  });

  it("names the permission GitHub's settings page uses for each kind", () => {
    expect(readPermissionHint("fine-grained")).toBe("Contents: read (fine-grained token)");
    expect(readPermissionHint("classic")).toMatch(/`repo` scope/);
    expect(webhookPermissionHint("fine-grained")).toBe("Webhooks: write");
    expect(webhookPermissionHint("classic")).toBe("the admin:repo_hook scope");
    expect(webhookPermissionHint("unknown")).toMatch(/Webhooks: write.*admin:repo_hook/);
  });
});

describe("describeSchedule", () => {
  it.each([
    ["0 */5 * * * *", "every 5 minutes"],
    ["0 */1 * * * *", "every minute"],
    ["0 * * * * *", "every minute"],
    ["*/30 * * * * *", "every 30 seconds"],
    ["0 0 3 * * *", 'on the schedule "0 0 3 * * *"'],
  ])("%s → %s", (schedule, words) => {
    expect(describeSchedule(schedule)).toBe(words);
  });
});
