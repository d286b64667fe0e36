// GET endpoints on repository content: repository, branch, commit, tree, blob, tarball (+ its download URL).
import type { Readable } from "node:stream";
import { authorizeRepository, type Need } from "./access.js";
import { inspectObject, listBranches, listTree, readCommit, resolveCommit, resolveTree } from "./git-objects.js";
import { spawnGit } from "./git.js";
import { HttpError, notFound, sendJson } from "./http-kit.js";
import { paginate } from "./paginate.js";
import { branchJson, commitJson, nodeId, repositoryJson } from "./repository-json.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInRepository } from "./stand-in-repository.js";

const repoPath = "/repos/([^/]+)/([^/]+)";

/** Finds the repository and applies GitHub's visibility rules; throws 404/403 as GitHub answers. */
export function loadRepository(ctx: RequestContext, owner: string, name: string, need: Need): StandInRepository {
  const repo = ctx.state.repository(owner, name);
  if (!repo) throw notFound();
  const decision = authorizeRepository(ctx.credential, repo, need, ctx.state.lookups);
  if (decision.allowed) return repo;
  if (decision.status === 404) throw notFound();
  throw new HttpError(403, decision.message, { headers: { "x-accepted-github-permissions": decision.acceptedPermissions } });
}

const contentsRead: Need = { permission: "contents", level: "read" };

export const repositoryRoutes: Route[] = [
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}$`),
    handle(ctx, [owner = "", name = ""]) {
      const repo = loadRepository(ctx, owner, name, { permission: "metadata", level: "read" });
      sendJson(ctx.req, ctx.res, 200, repositoryJson(ctx.state, repo, ctx.credential), ctx.headers);
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/branches$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = loadRepository(ctx, owner, name, contentsRead);
      // Nothing here is protected: `protected=true` lists none, `protected=false` (or no filter) lists all.
      const branches = ctx.url.searchParams.get("protected") === "true" ? [] : await listBranches(repo.bareDir);
      const { slice, link } = paginate(ctx, branches);
      const api = `${ctx.state.apiUrl}/repos/${repo.fullName}`;
      const body = slice.map((b) => ({ name: b.name, commit: { sha: b.sha, url: `${api}/commits/${b.sha}` }, protected: false }));
      sendJson(ctx.req, ctx.res, 200, body, { ...ctx.headers, ...(link ? { link } : {}) });
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/branches/(.+)$`),
    async handle(ctx, [owner = "", name = "", branch = ""]) {
      const repo = loadRepository(ctx, owner, name, contentsRead);
      const sha = await resolveCommit(repo.bareDir, `refs/heads/${branch}`);
      if (!sha) throw new HttpError(404, "Branch not found", { documentationUrl: "https://docs.github.com/rest/branches/branches#get-a-branch" });
      sendJson(ctx.req, ctx.res, 200, branchJson(ctx.state, repo, branch, await readCommit(repo.bareDir, sha)), ctx.headers);
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/commits/(.+)$`),
    async handle(ctx, [owner = "", name = "", ref = ""]) {
      const repo = loadRepository(ctx, owner, name, contentsRead);
      const sha = await resolveCommit(repo.bareDir, ref);
      if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`, { documentationUrl: "https://docs.github.com/rest/commits/commits#get-a-commit" });
      sendJson(ctx.req, ctx.res, 200, commitJson(ctx.state, repo, await readCommit(repo.bareDir, sha)), ctx.headers);
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/trees/(.+)$`),
    async handle(ctx, [owner = "", name = "", treeish = ""]) {
      const repo = loadRepository(ctx, owner, name, contentsRead);
      const treeSha = await resolveTree(repo.bareDir, treeish);
      if (!treeSha) throw notFound("https://docs.github.com/rest/git/trees#get-a-tree");
      // GitHub: "Setting this parameter to any value returns the objects or subtrees referenced by the tree."
      const entries = await listTree(repo.bareDir, treeSha, ctx.url.searchParams.has("recursive"));
      const api = `${ctx.state.apiUrl}/repos/${repo.fullName}`;
      const fault = ctx.state.faults.treeTruncation(ctx.url.pathname);
      const limit = fault ? (fault.keepEntries ?? Math.floor(entries.length / 2)) : ctx.state.options.treeEntryLimit;
      const tree = entries.slice(0, limit).map((entry) => {
        if (entry.type === "blob") return { ...entry, url: `${api}/git/blobs/${entry.sha}` };
        if (entry.type === "tree") return { ...entry, url: `${api}/git/trees/${entry.sha}` };
        return entry;
      });
      const body = { sha: treeSha, url: `${api}/git/trees/${treeSha}`, tree, truncated: fault !== undefined || entries.length > limit };
      sendJson(ctx.req, ctx.res, 200, body, ctx.headers);
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/blobs/([^/]+)$`),
    async handle(ctx, [owner = "", name = "", sha = ""]) {
      const repo = loadRepository(ctx, owner, name, contentsRead);
      const object = await inspectObject(repo.bareDir, sha);
      if (object?.type !== "blob") throw notFound("https://docs.github.com/rest/git/blobs#get-a-blob");
      await sendBlob(ctx, repo, sha.toLowerCase(), object.size);
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/tarball(?:/(.+))?$`),
    async handle(ctx, [owner = "", name = "", ref = ""]) {
      const repo = loadRepository(ctx, owner, name, contentsRead);
      const wanted = ref || repo.defaultBranch;
      const sha = await resolveCommit(repo.bareDir, wanted);
      const custom = ctx.state.faults.customTarball(repo.fullName, sha ? [wanted, sha] : [wanted]);
      if (!sha && !custom) throw notFound("https://docs.github.com/rest/repos/contents#download-a-repository-archive-tar");
      const claims = JSON.stringify({ r: repo.fullName, s: sha ?? wanted, e: Date.now() + ctx.state.options.downloadUrlTtlMs, c: custom?.key });
      const token = `${Buffer.from(claims).toString("base64url")}.${ctx.state.sign(claims)}`;
      const location = `${ctx.state.webUrl}/_codeload/${repo.fullName}/legacy.tar.gz/${encodeURIComponent(sha ?? wanted)}?token=${token}`;
      ctx.res.writeHead(302, { ...ctx.headers, location, "content-length": "0" }).end();
    },
  },
  {
    method: "GET",
    area: "raw",
    pattern: /^\/_codeload\/([^/]+)\/([^/]+)\/legacy\.tar\.gz\/(.+)$/,
    async handle(ctx) {
      const [encoded = "", signature = ""] = (ctx.url.searchParams.get("token") ?? "").split(".");
      const claims = Buffer.from(encoded, "base64url").toString("utf8");
      if (!signature || !ctx.state.verify(claims, signature)) throw new HttpError(404, "Not Found");
      const { r: fullName, s: sha, e: expiresAt, c: customKey } = JSON.parse(claims) as { r: string; s: string; e: number; c?: string };
      if (Date.now() > expiresAt) throw new HttpError(404, "Not Found");
      const repo = ctx.state.repositories.get(fullName.toLowerCase());
      if (!repo) throw new HttpError(404, "Not Found");
      const prefix = `${repo.owner}-${repo.name}-${sha.slice(0, 7)}`;
      const headers = { "content-type": "application/x-gzip", "content-disposition": `attachment; filename=${prefix}.tar.gz` };
      const dropAfter = ctx.state.faults.takeTarballDrop();
      const custom = customKey ? ctx.state.faults.customTarballByKey(customKey) : undefined;
      if (custom) {
        ctx.res.writeHead(200, headers);
        await streamBody(ctx, Buffer.isBuffer(custom) ? [custom] : custom(), dropAfter);
        return;
      }
      const git = spawnGit(["archive", "--format=tar.gz", `--prefix=${prefix}/`, sha], { cwd: repo.bareDir });
      git.stderr.resume();
      ctx.res.writeHead(200, headers);
      try {
        await streamBody(ctx, git.stdout, dropAfter);
      } finally {
        git.kill();
      }
    },
  },
];

async function sendBlob(ctx: RequestContext, repo: StandInRepository, sha: string, size: number): Promise<void> {
  const accept = ctx.req.headers.accept ?? "";
  const raw = /application\/vnd\.github(\.v3)?\.raw/.exec(accept);
  const etag = `"${sha}${raw ? "-raw" : ""}"`;
  if ((ctx.req.headers["if-none-match"] ?? "").replace(/W\//g, "").split(/\s*,\s*/).includes(etag)) {
    ctx.res.writeHead(304, { ...ctx.headers, etag }).end();
    return;
  }
  const git = spawnGit(["cat-file", "blob", sha], { cwd: repo.bareDir });
  git.stderr.resume();
  try {
    if (raw) {
      // GitHub labels raw blobs `charset=utf-8` even when they are binary (clients must not decode them as text).
      ctx.res.writeHead(200, { ...ctx.headers, etag, "content-type": `${raw[0]}; charset=utf-8`, "content-length": String(size) });
      await streamBody(ctx, git.stdout, undefined);
      return;
    }
    ctx.res.writeHead(200, { ...ctx.headers, etag, "content-type": "application/json; charset=utf-8" });
    const url = `${ctx.state.apiUrl}/repos/${repo.fullName}/git/blobs/${sha}`;
    const head = `{"sha":"${sha}","node_id":"${nodeId("Blob", sha)}","size":${size},"url":${JSON.stringify(url)},"content":"`;
    await streamBody(ctx, base64JsonLines(head, git.stdout, `","encoding":"base64"}`), undefined);
  } finally {
    git.kill();
  }
}

/** GitHub's base64 blob content: 60 characters a line, each line ending in `\n` (written escaped inside JSON). */
async function* base64JsonLines(head: string, source: Readable, tail: string): AsyncGenerator<Buffer> {
  yield Buffer.from(head);
  let rest = Buffer.alloc(0);
  const encode = (bytes: Buffer) => {
    let out = "";
    for (let i = 0; i < bytes.length; i += 45) out += `${bytes.subarray(i, i + 45).toString("base64")}\\n`;
    return Buffer.from(out);
  };
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const all = Buffer.concat([rest, chunk]);
    const whole = all.length - (all.length % 45);
    if (whole > 0) yield encode(all.subarray(0, whole));
    rest = all.subarray(whole);
  }
  if (rest.length > 0) yield encode(rest);
  yield Buffer.from(tail);
}

/** Writes a stream chunk by chunk (waiting for each to flush); `dropAfter` cuts the connection mid-body. */
async function streamBody(ctx: RequestContext, source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, dropAfter: number | undefined): Promise<void> {
  let sent = 0;
  const write = (piece: Uint8Array) =>
    new Promise<void>((resolve, reject) => ctx.res.write(piece, (error) => (error ? reject(error) : resolve())));
  for await (const chunk of source) {
    if (ctx.res.destroyed) return;
    if (dropAfter !== undefined && sent + chunk.byteLength >= dropAfter) {
      await write(chunk.subarray(0, dropAfter - sent));
      ctx.res.destroy();
      return;
    }
    await write(chunk);
    sent += chunk.byteLength;
  }
  ctx.res.end();
}
