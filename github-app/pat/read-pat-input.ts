// Checks the token a user pasted before it goes anywhere. The value itself is never echoed back, and it is
// known to the log scrubber from this moment (even a token GitHub rejects is never written to a log).
import { BadRequestError } from "../../src/errors.js";
import { knownSecretValues } from "../../src/known-secret-values.js";

export function readPatToken(value: unknown): string {
  const token = typeof value === "string" ? value.trim() : "";
  if (!token) throw new BadRequestError('"token" is required: paste a GitHub personal access token.', { code: "invalid_token" });
  // GitHub tokens are printable ASCII without spaces; anything else is a copy-paste accident (and would
  // break the Authorization header).
  if (!/^[\x21-\x7e]{8,512}$/.test(token)) {
    throw new BadRequestError('"token" does not look like a GitHub personal access token (ghp_… or github_pat_…).', {
      code: "invalid_token",
    });
  }
  knownSecretValues.add(token);
  return token;
}

export function readBranchName(value: unknown): string {
  const branch = typeof value === "string" ? value.trim() : "";
  // git check-ref-format's main rules; GitHub applies the same.
  const hasControlOrSpace = [...branch].some((char) => char.charCodeAt(0) <= 0x20 || char.charCodeAt(0) === 0x7f);
  if (!branch || branch.length > 255 || hasControlOrSpace || /(^[/.]|\.\.|[~^:?*[\\]|@\{|\/\/|[/.]$|\.lock$)/.test(branch)) {
    throw new BadRequestError('"branch" must be a branch name such as main.', { code: "invalid_branch" });
  }
  return branch.replace(/^refs\/heads\//, "");
}
