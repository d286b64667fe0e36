// Compare two commits: https://docs.github.com/rest/commits/commits#compare-two-commits
// `GET /repos/{o}/{r}/compare/{base}...{head}` (branch, tag or SHA on either side; `owner:ref` only for this
// repository's owner: the stand-in has no forks). Without `per_page`/`page` the answer lists up to 250 commits;
// with them the commits are paged (`Link`) and the files come on the first page only, up to 300, as GitHub.
import { changedFiles, commitsBetween, relate } from "./git-compare.js";
import { readCommit, resolveCommit } from "./git-objects.js";
import { HttpError, notFound, sendJson } from "./http-kit.js";
import { paginate } from "./paginate.js";
import { commitJson } from "./repository-json.js";
import { loadRepository } from "./repository-routes.js";
import type { Route } from "./route.js";

const repoPath = "/repos/([^/]+)/([^/]+)";
const docs = "https://docs.github.com/rest/commits/commits#compare-two-commits";
const MAX_COMMITS = 250;
const MAX_FILES = 300;

export const compareRoutes: Route[] = [
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/compare/(.+)$`),
    async handle(ctx, [owner = "", name = "", basehead = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "contents", level: "read" });
      const [baseSpec, headSpec] = splitBasehead(basehead);
      const ownRef = (spec: string) => {
        const colon = spec.indexOf(":");
        if (colon < 0) return spec;
        return spec.slice(0, colon).toLowerCase() === repo.owner.toLowerCase() ? spec.slice(colon + 1) : "";
      };
      const base = baseSpec && (await resolveCommit(repo.bareDir, ownRef(baseSpec)));
      const head = headSpec && (await resolveCommit(repo.bareDir, ownRef(headSpec)));
      if (!base || !head) throw notFound(docs);
      const relation = await relate(repo.bareDir, base, head);
      if (!relation) throw new HttpError(404, `No common ancestor between ${baseSpec} and ${headSpec}.`, { documentationUrl: docs });

      const paged = ctx.url.searchParams.has("per_page") || ctx.url.searchParams.has("page");
      const all = await commitsBetween(repo.bareDir, base, head);
      const { page, slice, link } = paged ? paginate(ctx, all) : { page: 1, slice: all.slice(0, MAX_COMMITS), link: undefined };
      const files = page === 1 ? (await changedFiles(repo.bareDir, relation.mergeBase, head)).slice(0, MAX_FILES) : [];

      const api = `${ctx.state.apiUrl}/repos/${repo.fullName}`;
      const html = `${ctx.state.webUrl}/${repo.fullName}`;
      const commit = async (sha: string) => commitJson(ctx.state, repo, await readCommit(repo.bareDir, sha));
      const body = {
        url: `${api}/compare/${baseSpec}...${headSpec}`,
        html_url: `${html}/compare/${baseSpec}...${headSpec}`,
        permalink_url: `${html}/compare/${repo.owner}:${base.slice(0, 7)}...${repo.owner}:${head.slice(0, 7)}`,
        diff_url: `${html}/compare/${baseSpec}...${headSpec}.diff`,
        patch_url: `${html}/compare/${baseSpec}...${headSpec}.patch`,
        base_commit: await commit(base),
        merge_base_commit: await commit(relation.mergeBase),
        status: relation.status,
        ahead_by: relation.aheadBy,
        behind_by: relation.behindBy,
        total_commits: relation.aheadBy,
        commits: await Promise.all(slice.map(commit)),
        files: files.map((file) => ({
          sha: file.sha,
          filename: file.filename,
          status: file.status,
          additions: file.additions,
          deletions: file.deletions,
          changes: file.additions + file.deletions,
          blob_url: `${html}/blob/${head}/${encodeURI(file.filename)}`,
          raw_url: `${html}/raw/${head}/${encodeURI(file.filename)}`,
          contents_url: `${api}/contents/${encodeURI(file.filename)}?ref=${head}`,
          ...(file.previousFilename !== undefined ? { previous_filename: file.previousFilename } : {}),
        })),
      };
      sendJson(ctx.req, ctx.res, 200, body, { ...ctx.headers, ...(link ? { link } : {}) });
    },
  },
];

/** `BASE...HEAD` (GitHub's form; `BASE..HEAD` is read the same way). */
function splitBasehead(basehead: string): [string, string] {
  const three = basehead.indexOf("...");
  if (three >= 0) return [basehead.slice(0, three), basehead.slice(three + 3)];
  const two = basehead.indexOf("..");
  if (two >= 0) return [basehead.slice(0, two), basehead.slice(two + 2)];
  return ["", ""];
}
