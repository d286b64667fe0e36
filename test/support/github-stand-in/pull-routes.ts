// Pull requests between branches of one repository (the stand-in has no forks): open one (a `pull_request`
// `opened` event goes out, pull-events.ts), read one.
//   https://docs.github.com/rest/pulls/pulls#create-a-pull-request
//   https://docs.github.com/rest/pulls/pulls#get-a-pull-request
// Opening one needs `pull_requests: write` (fine-grained, App) or `repo`/`public_repo` (classic), and write
// access to the head branch, which here is in the repository itself. GitHub's refusals are 422 "Validation
// Failed" with an `errors` list: a missing field, a head or base that is not a branch, "No commits between
// {base} and {head}", "A pull request already exists for {owner}:{head}.".
import { callerIdentity } from "./caller-identity.js";
import { relate } from "./git-compare.js";
import { resolveCommit } from "./git-objects.js";
import { invalidRequest } from "./git-data-routes.js";
import { HttpError, notFound, readJsonBody, sendJson } from "./http-kit.js";
import { deliverPullRequestEvent } from "./pull-events.js";
import { pullJson, pullsOf } from "./pull-json.js";
import { loadRepository } from "./repository-routes.js";
import type { Route } from "./route.js";
import type { StandInPullRequest } from "./stand-in-state.js";

const repoPath = "/repos/([^/]+)/([^/]+)";
const docs = {
  create: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
  get: "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
};

function validationFailed(...errors: Record<string, string>[]): HttpError {
  return new HttpError(422, "Validation Failed", { documentationUrl: docs.create, errors });
}

export const pullRoutes: Route[] = [
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/pulls$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "pull_requests", level: "write" });
      const body = await readJsonBody(ctx.req);
      if (body.issue !== undefined) throw invalidRequest("Converting an issue into a pull request is not supported by the stand-in.", docs.create);
      for (const field of ["title", "head", "base"] as const) {
        if (typeof body[field] !== "string" || body[field] === "") {
          throw validationFailed({ resource: field === "title" ? "Issue" : "PullRequest", code: "missing_field", field });
        }
      }
      if (body.body !== undefined && body.body !== null && typeof body.body !== "string") throw invalidRequest(`For 'body', it is not a string.`, docs.create);
      const [title, headSpec, base] = [body.title as string, body.head as string, body.base as string];
      // `owner:branch` names a fork's branch; only this repository's owner is known here.
      const colon = headSpec.indexOf(":");
      const head = colon < 0 ? headSpec : headSpec.slice(0, colon).toLowerCase() === repo.owner.toLowerCase() ? headSpec.slice(colon + 1) : "";
      const headSha = head ? await resolveCommit(repo.bareDir, `refs/heads/${head}`) : undefined;
      const baseSha = await resolveCommit(repo.bareDir, `refs/heads/${base}`);
      if (!baseSha) throw validationFailed({ resource: "PullRequest", field: "base", code: "invalid" });
      if (!headSha) throw validationFailed({ resource: "PullRequest", field: "head", code: "invalid" });
      const pulls = pullsOf(ctx.state, repo);
      if (pulls.some((pr) => pr.state === "open" && pr.head === head && pr.base === base)) {
        throw validationFailed({ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${head}.` });
      }
      const relation = await relate(repo.bareDir, baseSha, headSha);
      if (!relation || relation.aheadBy === 0) throw validationFailed({ resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${headSpec}` });
      const now = new Date();
      const pr: StandInPullRequest = {
        id: ctx.state.nextId(),
        number: (pulls.at(-1)?.number ?? 0) + 1,
        title,
        body: typeof body.body === "string" ? body.body : null,
        head,
        base,
        headSha,
        user: callerIdentity(ctx).login,
        draft: body.draft === true,
        maintainerCanModify: body.maintainer_can_modify !== false,
        state: "open",
        createdAt: now,
        updatedAt: now,
      };
      pulls.push(pr);
      // GitHub works out mergeability in the background: a new pull request reports `mergeable: null`.
      const json = await pullJson(ctx.state, repo, pr, { mergeability: false });
      // Like a push through the API, the event goes out before the answer: the receiver may hear of it first.
      await deliverPullRequestEvent(ctx.state, repo, pr, "opened", pr.user);
      sendJson(ctx.req, ctx.res, 201, json, { ...ctx.headers, location: String(json.url) });
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/pulls/(\\d+)$`),
    async handle(ctx, [owner = "", name = "", number = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "pull_requests", level: "read" });
      const pr = pullsOf(ctx.state, repo).find((p) => p.number === Number(number));
      if (!pr) throw notFound(docs.get);
      sendJson(ctx.req, ctx.res, 200, await pullJson(ctx.state, repo, pr, { mergeability: true }), ctx.headers);
    },
  },
];
