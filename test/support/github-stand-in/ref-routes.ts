// Git references: read one, create one, move one, delete one. Shapes, messages and status codes as GitHub answers them:
//   https://docs.github.com/rest/git/refs#get-a-reference
//   https://docs.github.com/rest/git/refs#create-a-reference
//   https://docs.github.com/rest/git/refs#update-a-reference
//   https://docs.github.com/rest/git/refs#delete-a-reference
// GitHub sends a `push` event when the API creates or moves a branch or tag; so does the stand-in, to the
// repository's hooks and apps, before it answers (as a new hook's ping: the receiver may hear of it first).
import { callerIdentity } from "./caller-identity.js";
import { inspectObject, isAncestor, ZERO_SHA } from "./git-objects.js";
import { deleteRef, isValidRefName, readRef, updateRef } from "./git-writes.js";
import { invalidRequest, loadForWrite } from "./git-data-routes.js";
import { announcePushedRef } from "./hook-routes.js";
import { HttpError, notFound, readJsonBody, sendJson } from "./http-kit.js";
import { nodeId } from "./repository-json.js";
import { loadRepository } from "./repository-routes.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInRepository } from "./stand-in-repository.js";

const repoPath = "/repos/([^/]+)/([^/]+)";
const docs = {
  get: "https://docs.github.com/rest/git/refs#get-a-reference",
  create: "https://docs.github.com/rest/git/refs#create-a-reference",
  update: "https://docs.github.com/rest/git/refs#update-a-reference",
  delete: "https://docs.github.com/rest/git/refs#delete-a-reference",
};
const shaShape = /^[0-9a-f]{40}$/i;

export const refRoutes: Route[] = [
  {
    method: "GET",
    area: "api",
    // `{ref}` is `heads/<branch>` or `tags/<tag>`; Octokit sends its slashes as %2F.
    pattern: new RegExp(`^${repoPath}/git/ref/(.+)$`),
    async handle(ctx, [owner = "", name = "", ref = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "contents", level: "read" });
      const full = `refs/${ref}`;
      const sha = (await isValidRefName(repo.bareDir, full)) ? await readRef(repo.bareDir, full) : undefined;
      if (!sha) throw notFound(docs.get);
      sendJson(ctx.req, ctx.res, 200, await refJson(ctx, repo, full, sha), ctx.headers);
    },
  },
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/refs$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = await loadForWrite(ctx, owner, name, docs.create);
      const body = await readJsonBody(ctx.req);
      if (typeof body.ref !== "string") throw invalidRequest(`"ref" wasn't supplied.`, docs.create);
      if (typeof body.sha !== "string") throw invalidRequest(`"sha" wasn't supplied.`, docs.create);
      // "If it doesn't start with 'refs' and have at least two slashes, it will be rejected."
      if (!body.ref.startsWith("refs/") || body.ref.split("/").length < 3 || !(await isValidRefName(repo.bareDir, body.ref))) {
        throw new HttpError(422, "Reference name must start with 'refs/' and have at least two slashes", { documentationUrl: docs.create });
      }
      const sha = await checkTarget(repo, body.ref, body.sha, docs.create);
      if (!(await updateRef(repo.bareDir, body.ref, sha, ZERO_SHA))) throw new HttpError(422, "Reference already exists", { documentationUrl: docs.create });
      await announcePush(ctx, repo, body.ref, ZERO_SHA, sha);
      const json = await refJson(ctx, repo, body.ref, sha);
      sendJson(ctx.req, ctx.res, 201, json, { ...ctx.headers, location: String(json.url) });
    },
  },
  {
    method: "PATCH",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/refs/(.+)$`),
    async handle(ctx, [owner = "", name = "", ref = ""]) {
      const repo = await loadForWrite(ctx, owner, name, docs.update);
      const full = `refs/${ref}`;
      const body = await readJsonBody(ctx.req);
      if (typeof body.sha !== "string") throw invalidRequest(`"sha" wasn't supplied.`, docs.update);
      if (body.force !== undefined && typeof body.force !== "boolean") throw invalidRequest(`For 'force', ${JSON.stringify(body.force)} is not a boolean.`, docs.update);
      const current = (await isValidRefName(repo.bareDir, full)) ? await readRef(repo.bareDir, full) : undefined;
      if (!current) throw new HttpError(422, "Reference does not exist", { documentationUrl: docs.update });
      const sha = await checkTarget(repo, full, body.sha, docs.update);
      // "Leaving this out or setting it to false will make sure you're not overwriting work."
      if (body.force !== true && full.startsWith("refs/heads/") && !(await isAncestor(repo.bareDir, current, sha))) {
        throw new HttpError(422, "Update is not a fast forward", { documentationUrl: docs.update });
      }
      if (!(await updateRef(repo.bareDir, full, sha, current))) throw new HttpError(422, "Reference update failed", { documentationUrl: docs.update });
      if (current !== sha) await announcePush(ctx, repo, full, current, sha);
      sendJson(ctx.req, ctx.res, 200, await refJson(ctx, repo, full, sha), ctx.headers);
    },
  },
  {
    // 204; 422 "Reference does not exist" (GitHub's answer for a missing ref). A deleted branch is pushed as
    // `after` = zeros, as GitHub announces it.
    method: "DELETE",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/refs/(.+)$`),
    async handle(ctx, [owner = "", name = "", ref = ""]) {
      const repo = await loadForWrite(ctx, owner, name, docs.delete);
      const full = `refs/${ref}`;
      const current = (await isValidRefName(repo.bareDir, full)) ? await readRef(repo.bareDir, full) : undefined;
      if (!current) throw new HttpError(422, "Reference does not exist", { documentationUrl: docs.delete });
      if (!(await deleteRef(repo.bareDir, full, current))) throw new HttpError(422, "Reference update failed", { documentationUrl: docs.delete });
      await announcePush(ctx, repo, full, current, ZERO_SHA);
      ctx.res.writeHead(204, ctx.headers);
      ctx.res.end();
    },
  },
];

/** The object a ref may point at: an existing one, and a commit for a branch. */
async function checkTarget(repo: StandInRepository, ref: string, sha: string, documentationUrl: string): Promise<string> {
  const object = shaShape.test(sha) ? await inspectObject(repo.bareDir, sha) : undefined;
  if (!object || (ref.startsWith("refs/heads/") && object.type !== "commit")) throw new HttpError(422, "Object does not exist", { documentationUrl });
  return sha.toLowerCase();
}

async function announcePush(ctx: RequestContext, repo: StandInRepository, ref: string, before: string, after: string): Promise<void> {
  if (!ref.startsWith("refs/heads/") && !ref.startsWith("refs/tags/")) return;
  repo.pushedAt = new Date();
  await announcePushedRef(ctx.state, repo, { ref, before, after }, callerIdentity(ctx).login);
}

/** GitHub's `git-ref`: the ref, and the object it names (a commit, or an annotated tag's tag object). */
async function refJson(ctx: RequestContext, repo: StandInRepository, ref: string, sha: string): Promise<Record<string, unknown>> {
  const api = `${ctx.state.apiUrl}/repos/${repo.fullName}`;
  const type = (await inspectObject(repo.bareDir, sha))?.type ?? "commit";
  const objectPath = type === "tag" ? "tags" : type === "commit" ? "commits" : `${type}s`;
  return {
    ref,
    node_id: nodeId("Ref", `${repo.id}:${ref}`),
    url: `${api}/git/${ref}`,
    object: { sha, type, url: `${api}/git/${objectPath}/${sha}` },
  };
}
