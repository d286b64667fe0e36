// Check runs and check suites, as GitHub documents them:
//   https://docs.github.com/rest/checks/runs#create-a-check-run
//   https://docs.github.com/rest/checks/runs#get-a-check-run
//   https://docs.github.com/rest/checks/runs#update-a-check-run
//   https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference
//   https://docs.github.com/rest/checks/runs#list-check-runs-in-a-check-suite
//   https://docs.github.com/rest/checks/runs#list-check-run-annotations
//   https://docs.github.com/rest/checks/runs#rerequest-a-check-run
//   https://docs.github.com/rest/checks/suites#get-a-check-suite
//   https://docs.github.com/rest/checks/suites#rerequest-a-check-suite
// Writing takes a GitHub App: "To create a check run, you must use a GitHub App. OAuth apps and authenticated
// users are not able to" — any other token that can see the repository gets GitHub's 403 "You must authenticate
// via a GitHub App.", an installation token without `checks: write` 403 + `X-Accepted-GitHub-Permissions`, and an
// app touching another app's check run GitHub's 403 "Invalid app_id `{id}` - check run can only be modified by
// the GitHub App that created it." Reading needs `checks: read` (App) or, classic, `repo` on a private repository;
// fine-grained tokens have no `checks` permission on GitHub, so they read public repositories' checks only.
import { authorizeRepository } from "./access.js";
import { checkDocs, parseCreateInput, parseUpdateInput } from "./check-input.js";
import { annotationJson, type StandInCheckRun } from "./check-json.js";
import type { CheckRegistry } from "./check-registry.js";
import { callerIdentity } from "./caller-identity.js";
import { inspectObject, resolveCommit } from "./git-objects.js";
import { HttpError, notFound, readJsonBody, sendJson } from "./http-kit.js";
import { paginate } from "./paginate.js";
import { loadRepository } from "./repository-routes.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInRepository } from "./stand-in-repository.js";

const repoPath = "/repos/([^/]+)/([^/]+)";

/** A repository the caller may write checks to, and the app the installation token belongs to. */
function loadForCheckWrite(ctx: RequestContext, owner: string, name: string, documentationUrl: string): { repo: StandInRepository; appId: number } {
  const credential = ctx.credential;
  if (credential?.kind !== "installation") {
    const repo = ctx.state.repository(owner, name);
    // GitHub hides what the caller cannot see; what it can see, it refuses to anyone but an app.
    if (!repo || !credential || !authorizeRepository(credential, repo, { permission: "metadata", level: "read" }, ctx.state.lookups).allowed) throw notFound(documentationUrl);
    throw new HttpError(403, "You must authenticate via a GitHub App.", { documentationUrl });
  }
  const repo = loadRepository(ctx, owner, name, { permission: "checks", level: "write" });
  const appId = ctx.state.lookups.installation(credential.installationId)?.app?.id;
  if (appId === undefined) throw notFound(documentationUrl);
  return { repo, appId };
}

function findRun(checks: CheckRegistry, repo: StandInRepository, id: string, documentationUrl: string): StandInCheckRun {
  const run = checks.runs(repo).find((r) => r.id === Number(id));
  if (!run) throw notFound(documentationUrl);
  return run;
}

function ownedBy(run: { appId: number }, appId: number, documentationUrl: string): void {
  if (run.appId !== appId) {
    throw new HttpError(403, `Invalid app_id \`${run.appId}\` - check run can only be modified by the GitHub App that created it.`, { documentationUrl });
  }
}

/** `?check_name`, `?status`, `?app_id`, `?filter=latest|all` (default latest: the newest run of each name per app), newest first. */
function filterRuns(ctx: RequestContext, runs: StandInCheckRun[]): StandInCheckRun[] {
  const query = ctx.url.searchParams;
  const name = query.get("check_name");
  const status = query.get("status");
  const appId = query.get("app_id");
  const newestFirst = [...runs].sort((a, b) => b.id - a.id);
  const seen = new Set<string>();
  return newestFirst.filter((run) => {
    if (name !== null && run.name !== name) return false;
    if (status !== null && run.status !== status) return false;
    if (appId !== null && run.appId !== Number(appId)) return false;
    if (query.get("filter") === "all") return true;
    const key = `${run.appId}\0${run.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function sendRunList(ctx: RequestContext, checks: CheckRegistry, repo: StandInRepository, runs: StandInCheckRun[]): Promise<void> {
  const { slice, link } = paginate(ctx, runs);
  const body = { total_count: runs.length, check_runs: await Promise.all(slice.map((run) => checks.runJson(repo, run))) };
  sendJson(ctx.req, ctx.res, 200, body, { ...ctx.headers, ...(link ? { link } : {}) });
}

export function checkRunRoutes(checks: CheckRegistry): Route[] {
  return [
    {
      method: "POST",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-runs$`),
      async handle(ctx, [owner = "", name = ""]) {
        const { repo, appId } = loadForCheckWrite(ctx, owner, name, checkDocs.create);
        const input = parseCreateInput(await readJsonBody(ctx.req));
        const headSha = (input.headSha ?? "").toLowerCase();
        if ((await inspectObject(repo.bareDir, headSha))?.type !== "commit") {
          throw new HttpError(422, `No commit found for SHA: ${input.headSha ?? ""}`, { documentationUrl: checkDocs.create });
        }
        const run = await checks.createRun(repo, appId, { ...input, name: input.name ?? "", headSha }, callerIdentity(ctx).login);
        sendJson(ctx.req, ctx.res, 201, await checks.runJson(repo, run), ctx.headers);
      },
    },
    {
      method: "PATCH",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-runs/(\\d+)$`),
      async handle(ctx, [owner = "", name = "", id = ""]) {
        const { repo, appId } = loadForCheckWrite(ctx, owner, name, checkDocs.update);
        const run = findRun(checks, repo, id, checkDocs.update);
        ownedBy(run, appId, checkDocs.update);
        await checks.updateRun(repo, run, parseUpdateInput(await readJsonBody(ctx.req)), callerIdentity(ctx).login);
        sendJson(ctx.req, ctx.res, 200, await checks.runJson(repo, run), ctx.headers);
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-runs/(\\d+)$`),
      async handle(ctx, [owner = "", name = "", id = ""]) {
        const repo = loadRepository(ctx, owner, name, { permission: "checks", level: "read" });
        sendJson(ctx.req, ctx.res, 200, await checks.runJson(repo, findRun(checks, repo, id, checkDocs.get)), ctx.headers);
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-runs/(\\d+)/annotations$`),
      handle(ctx, [owner = "", name = "", id = ""]) {
        const repo = loadRepository(ctx, owner, name, { permission: "checks", level: "read" });
        const run = findRun(checks, repo, id, checkDocs.annotations);
        const { slice, link } = paginate(ctx, run.annotations);
        const body = slice.map((annotation) => annotationJson(checks.json, repo, run, annotation));
        sendJson(ctx.req, ctx.res, 200, body, { ...ctx.headers, ...(link ? { link } : {}) });
      },
    },
    {
      // 201 `{}`; GitHub sends `check_run` `rerequested` to the app that made the check run.
      method: "POST",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-runs/(\\d+)/rerequest$`),
      async handle(ctx, [owner = "", name = "", id = ""]) {
        const { repo, appId } = loadForCheckWrite(ctx, owner, name, checkDocs.rerequest);
        const run = findRun(checks, repo, id, checkDocs.rerequest);
        ownedBy(run, appId, checkDocs.rerequest);
        await checks.rerequestRun(repo, run, callerIdentity(ctx).login);
        sendJson(ctx.req, ctx.res, 201, {}, ctx.headers);
      },
    },
    {
      method: "GET",
      area: "api",
      // `{ref}`: a SHA, branch or tag; a branch with `/` arrives encoded (or not).
      pattern: new RegExp(`^${repoPath}/commits/(.+)/check-runs$`),
      async handle(ctx, [owner = "", name = "", ref = ""]) {
        const repo = loadRepository(ctx, owner, name, { permission: "checks", level: "read" });
        const sha = await resolveCommit(repo.bareDir, ref);
        if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`, { documentationUrl: checkDocs.listForRef });
        await sendRunList(ctx, checks, repo, filterRuns(ctx, checks.runs(repo).filter((run) => run.headSha === sha)));
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-suites/(\\d+)/check-runs$`),
      async handle(ctx, [owner = "", name = "", id = ""]) {
        const repo = loadRepository(ctx, owner, name, { permission: "checks", level: "read" });
        if (!checks.suites(repo).some((s) => s.id === Number(id))) throw notFound(checkDocs.listInSuite);
        await sendRunList(ctx, checks, repo, filterRuns(ctx, checks.runs(repo).filter((run) => run.suiteId === Number(id))));
      },
    },
    {
      method: "GET",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-suites/(\\d+)$`),
      async handle(ctx, [owner = "", name = "", id = ""]) {
        const repo = loadRepository(ctx, owner, name, { permission: "checks", level: "read" });
        const suite = checks.suites(repo).find((s) => s.id === Number(id));
        if (!suite) throw notFound(checkDocs.getSuite);
        sendJson(ctx.req, ctx.res, 200, await checks.suiteJson(repo, suite), ctx.headers);
      },
    },
    {
      method: "POST",
      area: "api",
      pattern: new RegExp(`^${repoPath}/check-suites/(\\d+)/rerequest$`),
      async handle(ctx, [owner = "", name = "", id = ""]) {
        const { repo, appId } = loadForCheckWrite(ctx, owner, name, checkDocs.rerequestSuite);
        const suite = checks.suites(repo).find((s) => s.id === Number(id));
        if (!suite) throw notFound(checkDocs.rerequestSuite);
        ownedBy(suite, appId, checkDocs.rerequestSuite);
        await checks.rerequestSuite(repo, suite, callerIdentity(ctx).login);
        sendJson(ctx.req, ctx.res, 201, {}, ctx.headers);
      },
    },
  ];
}
