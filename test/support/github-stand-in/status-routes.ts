// Commit statuses, as GitHub documents them:
//   https://docs.github.com/rest/commits/statuses#create-a-commit-status
//   https://docs.github.com/rest/commits/statuses#list-commit-statuses-for-a-reference
//   https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference
// "Users with push access in a repository can create commit statuses": `statuses: write` (fine-grained, App;
// 403 + `X-Accepted-GitHub-Permissions: statuses=write` otherwise) or, classic, `repo` / `repo:status` and a role
// that may push (404 otherwise: GitHub hides writes). "Users with pull access … can view": `statuses: read`,
// classic `repo` / `repo:status` on a private repository, anyone on a public one. GitHub's refusals: 422
// `Validation Failed` for a `sha` that is not 40 hex digits ("sha must be a 40 character SHA1") and a
// description past 140 characters ("description is too long (maximum is 140 characters)"), 422 "No commit found
// for SHA: {sha}" for a commit the repository lacks; a body outside the schema gets "Invalid request.".
import { validationFailed } from "./check-input.js";
import { callerIdentity } from "./caller-identity.js";
import { inspectObject, resolveCommit, toGitHubDate } from "./git-objects.js";
import { HttpError, readJsonBody, sendJson } from "./http-kit.js";
import { paginate } from "./paginate.js";
import { nodeId, repositoryJson } from "./repository-json.js";
import { loadRepository } from "./repository-routes.js";
import { assertSchema, type Schema } from "./request-schema.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { StandInCommitStatus, StandInState } from "./stand-in-state.js";

const repoPath = "/repos/([^/]+)/([^/]+)";
const docs = {
  create: "https://docs.github.com/rest/commits/statuses#create-a-commit-status",
  list: "https://docs.github.com/rest/commits/statuses#list-commit-statuses-for-a-reference",
  combined: "https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference",
};

const createSchema: Schema = {
  type: "object",
  required: ["state"],
  properties: {
    state: { type: "string", enum: ["error", "failure", "pending", "success"] },
    target_url: { type: ["string", "null"] },
    description: { type: ["string", "null"] },
    context: { type: "string" },
  },
};

export function statusesOf(state: StandInState, repo: StandInRepository): StandInCommitStatus[] {
  const key = repo.fullName.toLowerCase();
  let list = state.commitStatuses.get(key);
  if (!list) state.commitStatuses.set(key, (list = []));
  return list;
}

/** GitHub's `status`: `url` names the commit's statuses, `creator` who made it. */
function statusJson(state: StandInState, repo: StandInRepository, status: StandInCommitStatus): Record<string, unknown> {
  const creator = state.accountJson(status.creator);
  return {
    url: `${state.apiUrl}/repos/${repo.fullName}/statuses/${status.sha}`,
    avatar_url: creator.avatar_url,
    id: status.id,
    node_id: nodeId("StatusContext", status.id),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: toGitHubDate(status.createdAt),
    updated_at: toGitHubDate(status.updatedAt),
    creator,
  };
}

/** The statuses of a ref's commit, newest first ("The first status in the list will be the latest one"). */
async function statusesForRef(ctx: RequestContext, repo: StandInRepository, ref: string, documentationUrl: string): Promise<{ sha: string; statuses: StandInCommitStatus[] }> {
  const sha = await resolveCommit(repo.bareDir, ref);
  if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`, { documentationUrl });
  return { sha, statuses: statusesOf(ctx.state, repo).filter((s) => s.sha === sha).reverse() };
}

/**
 * "failure if any of the contexts report as error or failure; pending if there are no statuses or a context is
 * pending; success if the latest status for all contexts is success". Contexts are case-insensitive.
 */
function combine(newestFirst: StandInCommitStatus[]): { state: string; latest: StandInCommitStatus[] } {
  const seen = new Set<string>();
  const latest = newestFirst.filter((s) => !seen.has(s.context.toLowerCase()) && seen.add(s.context.toLowerCase()));
  const states = latest.map((s) => s.state);
  const state = states.some((s) => s === "error" || s === "failure") ? "failure" : states.length === 0 || states.includes("pending") ? "pending" : "success";
  return { state, latest };
}

const listStatuses: Route["handle"] = async (ctx, [owner = "", name = "", ref = ""]) => {
  const repo = loadRepository(ctx, owner, name, { permission: "statuses", level: "read" });
  const { statuses } = await statusesForRef(ctx, repo, ref, docs.list);
  const { slice, link } = paginate(ctx, statuses);
  sendJson(ctx.req, ctx.res, 200, slice.map((s) => statusJson(ctx.state, repo, s)), { ...ctx.headers, ...(link ? { link } : {}) });
};

export const statusRoutes: Route[] = [
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/statuses/([^/]+)$`),
    async handle(ctx, [owner = "", name = "", sha = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "statuses", level: "write" });
      const body = await readJsonBody(ctx.req);
      assertSchema(createSchema, body, docs.create);
      if (!/^[0-9a-f]{40}$/i.test(sha)) throw validationFailed(docs.create, { resource: "Status", code: "custom", field: "sha", message: "sha must be a 40 character SHA1" });
      const description = typeof body.description === "string" ? body.description : null;
      if (description !== null && [...description].length > 140) {
        throw validationFailed(docs.create, { resource: "Status", code: "custom", field: "description", message: "description is too long (maximum is 140 characters)" });
      }
      if ((await inspectObject(repo.bareDir, sha))?.type !== "commit") throw new HttpError(422, `No commit found for SHA: ${sha}`, { documentationUrl: docs.create });
      const now = new Date();
      const status: StandInCommitStatus = {
        id: ctx.state.nextId(),
        sha: sha.toLowerCase(),
        state: body.state as StandInCommitStatus["state"],
        targetUrl: typeof body.target_url === "string" ? body.target_url : null,
        description,
        context: typeof body.context === "string" ? body.context : "default",
        creator: callerIdentity(ctx).login,
        createdAt: now,
        updatedAt: now,
      };
      statusesOf(ctx.state, repo).push(status);
      const json = statusJson(ctx.state, repo, status);
      sendJson(ctx.req, ctx.res, 201, json, { ...ctx.headers, location: String(json.url) });
    },
  },
  { method: "GET", area: "api", pattern: new RegExp(`^${repoPath}/commits/(.+)/statuses$`), handle: listStatuses },
  // "This resource is also available via a legacy route: `GET /repos/:owner/:repo/statuses/:ref`."
  { method: "GET", area: "api", pattern: new RegExp(`^${repoPath}/statuses/(.+)$`), handle: listStatuses },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/commits/(.+)/status$`),
    async handle(ctx, [owner = "", name = "", ref = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "statuses", level: "read" });
      const { sha, statuses } = await statusesForRef(ctx, repo, ref, docs.combined);
      const { state, latest } = combine(statuses);
      const { slice } = paginate(ctx, latest);
      const api = `${ctx.state.apiUrl}/repos/${repo.fullName}`;
      sendJson(
        ctx.req,
        ctx.res,
        200,
        {
          state,
          statuses: slice.map((s) => {
            const { creator: _creator, ...simple } = statusJson(ctx.state, repo, s);
            return simple;
          }),
          sha,
          total_count: latest.length,
          repository: repositoryJson(ctx.state, repo),
          commit_url: `${api}/commits/${sha}`,
          url: `${api}/commits/${sha}/status`,
        },
        ctx.headers,
      );
    },
  },
];
