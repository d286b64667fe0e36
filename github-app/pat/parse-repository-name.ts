// `owner/name` from user input, checked against GitHub's naming rules so a typo fails here with a clear
// message instead of as a confusing 404 (or a path that escapes the API route). The bad value is not echoed:
// a token pasted into the wrong field must not come back in a response.
import { BadRequestError } from "../../src/errors.js";

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export function parseRepositoryName(value: unknown): { owner: string; repo: string } {
  const text = typeof value === "string" ? value.trim() : "";
  const [owner = "", repo = "", ...rest] = text.split("/");
  if (rest.length > 0 || !OWNER.test(owner) || !REPO.test(repo) || repo === "." || repo === "..") {
    throw new BadRequestError(`"repository" must be "owner/name" (for example octocat/hello-world).`, {
      code: "invalid_repository",
    });
  }
  return { owner, repo: repo.endsWith(".git") ? repo.slice(0, -4) : repo };
}
