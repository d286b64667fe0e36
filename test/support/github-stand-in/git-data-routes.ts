// The Git Data API's writes: blobs, trees and commits, stored in the bare repository by git's plumbing
// (git-writes.ts). Shapes and status codes as GitHub documents them:
//   https://docs.github.com/rest/git/blobs#create-a-blob
//   https://docs.github.com/rest/git/trees#create-a-tree
//   https://docs.github.com/rest/git/commits#create-a-commit
// Each needs `contents: write` (fine-grained, App) or `repo` (classic; `public_repo` on a public repository)
// and a role that may push; refs (ref-routes.ts) make a commit reachable.
import { callerIdentity } from "./caller-identity.js";
import { inspectObject, listTree, readCommit, resolveTree, toGitHubDate, type CommitInfo } from "./git-objects.js";
import { isEmptyRepository, readFlatTree, writeBlob, writeCommit, writeFlatTree, type FlatEntry, type Identity } from "./git-writes.js";
import { HttpError, readJsonBody, sendJson } from "./http-kit.js";
import { nodeId } from "./repository-json.js";
import { loadRepository } from "./repository-routes.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { StandInState } from "./stand-in-state.js";

const repoPath = "/repos/([^/]+)/([^/]+)";
const docs = {
  blob: "https://docs.github.com/rest/git/blobs#create-a-blob",
  tree: "https://docs.github.com/rest/git/trees#create-a-tree",
  commit: "https://docs.github.com/rest/git/commits#create-a-commit",
};
/** GitHub takes blobs up to 100 MB; the request body is base64, a third larger. */
const MAX_BODY_BYTES = 140 * 1024 * 1024;
const shaShape = /^[0-9a-f]{40}$/i;
const modes: Record<string, "blob" | "tree" | "commit"> = { "100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit" };

/** A repository the caller may write to, with at least one branch (GitHub: 409 on an empty repository). */
export async function loadForWrite(ctx: RequestContext, owner: string, name: string, documentationUrl: string): Promise<StandInRepository> {
  const repo = loadRepository(ctx, owner, name, { permission: "contents", level: "write" });
  if (await isEmptyRepository(repo.bareDir)) throw new HttpError(409, "Git Repository is empty.", { documentationUrl });
  return repo;
}

/** GitHub's answer to a body that does not match the endpoint's schema. */
export function invalidRequest(detail: string, documentationUrl: string): HttpError {
  return new HttpError(422, `Invalid request.\n\n${detail}`, { documentationUrl });
}

export const gitDataRoutes: Route[] = [
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/blobs$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = await loadForWrite(ctx, owner, name, docs.blob);
      const body = await readJsonBody(ctx.req, MAX_BODY_BYTES);
      if (typeof body.content !== "string") throw invalidRequest(`"content" wasn't supplied.`, docs.blob);
      const encoding = body.encoding ?? "utf-8";
      if (encoding !== "utf-8" && encoding !== "utf8" && encoding !== "base64") {
        throw new HttpError(422, `encoding must be "utf-8" or "base64"`, { documentationUrl: docs.blob });
      }
      const bytes = Buffer.from(body.content, encoding === "base64" ? "base64" : "utf8");
      const sha = await writeBlob(repo.bareDir, bytes);
      const url = `${ctx.state.apiUrl}/repos/${repo.fullName}/git/blobs/${sha}`;
      sendJson(ctx.req, ctx.res, 201, { sha, url }, { ...ctx.headers, location: url });
    },
  },
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/trees$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = await loadForWrite(ctx, owner, name, docs.tree);
      const body = await readJsonBody(ctx.req, MAX_BODY_BYTES);
      if (!Array.isArray(body.tree)) throw invalidRequest(`"tree" wasn't supplied.`, docs.tree);
      const edits = body.tree.map((entry: unknown, index) => parseTreeEdit(entry, index));
      let files = new Map<string, FlatEntry>();
      if (body.base_tree !== undefined && body.base_tree !== null) {
        const base = typeof body.base_tree === "string" ? await resolveTree(repo.bareDir, body.base_tree) : undefined;
        if (!base) throw new HttpError(422, `base_tree ${JSON.stringify(body.base_tree)} is not a tree`, { documentationUrl: docs.tree });
        files = await readFlatTree(repo.bareDir, base);
      }
      for (const edit of edits) await applyTreeEdit(repo, files, edit);
      const sha = await writeFlatTree(repo.bareDir, files);
      const json = await treeJson(ctx.state, repo, sha);
      sendJson(ctx.req, ctx.res, 201, json, { ...ctx.headers, location: String(json.url) });
    },
  },
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/git/commits$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = await loadForWrite(ctx, owner, name, docs.commit);
      const body = await readJsonBody(ctx.req);
      if (typeof body.message !== "string") throw invalidRequest(`"message" wasn't supplied.`, docs.commit);
      if (typeof body.tree !== "string") throw invalidRequest(`"tree" wasn't supplied.`, docs.commit);
      if ((await inspectObject(repo.bareDir, body.tree))?.type !== "tree") throw new HttpError(422, "Tree SHA does not exist", { documentationUrl: docs.commit });
      const parents = body.parents ?? [];
      if (!Array.isArray(parents) || parents.some((p) => typeof p !== "string")) throw invalidRequest(`"parents" must be an array of SHAs.`, docs.commit);
      for (const parent of parents as string[]) {
        if ((await inspectObject(repo.bareDir, parent))?.type !== "commit") {
          throw new HttpError(422, "Parent SHA does not exist or is not a commit object", { documentationUrl: docs.commit });
        }
      }
      const now = toGitHubDate(new Date());
      const caller = callerIdentity(ctx);
      const author = parseIdentity(body.author, "author") ?? { name: caller.name, email: caller.email, date: now };
      // "By default, `committer` will use the information set in `author`."
      const committer = parseIdentity(body.committer, "committer", author) ?? author;
      const sha = await writeCommit(repo.bareDir, {
        tree: body.tree.toLowerCase(),
        parents: (parents as string[]).map((p) => p.toLowerCase()),
        message: body.message,
        author: gitDate(author),
        committer: gitDate(committer),
      });
      const json = gitCommitJson(ctx.state, repo, await readCommit(repo.bareDir, sha));
      sendJson(ctx.req, ctx.res, 201, json, { ...ctx.headers, location: String(json.url) });
    },
  },
];

type TreeEdit =
  | { kind: "delete"; path: string }
  | { kind: "tree"; path: string; sha: string }
  | { kind: "entry"; path: string; mode: string; type: "blob" | "commit"; sha?: string; content?: string };

/** One `tree[]` item, checked as GitHub does: a path, a known mode matching `type`, and `sha` or `content`, not both. */
function parseTreeEdit(value: unknown, index: number): TreeEdit {
  const at = `tree[${index}]`;
  if (!value || typeof value !== "object") throw invalidRequest(`For '${at}', it is not an object.`, docs.tree);
  const entry = value as Record<string, unknown>;
  const file = entry.path;
  if (typeof file !== "string" || !isRepositoryPath(file)) {
    throw new HttpError(422, `${at}.path contains a malformed path component`, { documentationUrl: docs.tree });
  }
  if (entry.sha !== undefined && entry.content !== undefined) {
    throw new HttpError(422, `${at}: use either sha or content, not both`, { documentationUrl: docs.tree });
  }
  if (entry.sha === null) return { kind: "delete", path: file };
  const mode = entry.mode;
  if (typeof mode !== "string" || !(mode in modes)) throw invalidRequest(`For '${at}.mode', ${JSON.stringify(mode)} is not a valid file mode.`, docs.tree);
  const type = entry.type ?? modes[mode];
  if (type !== modes[mode]) throw new HttpError(422, `${at}: mode ${mode} is not of type ${String(entry.type)}`, { documentationUrl: docs.tree });
  if (typeof entry.content === "string") {
    if (type !== "blob") throw new HttpError(422, `${at}: content is only for blobs`, { documentationUrl: docs.tree });
    return { kind: "entry", path: file, mode, type, content: entry.content };
  }
  if (typeof entry.sha !== "string" || !shaShape.test(entry.sha)) throw invalidRequest(`For '${at}', "sha" or "content" must be supplied.`, docs.tree);
  const sha = entry.sha.toLowerCase();
  if (type === "tree") return { kind: "tree", path: file, sha };
  return { kind: "entry", path: file, mode, type: type as "blob" | "commit", sha };
}

/** A path inside the repository: relative, no empty, `.` or `..` segment, no `.git`. */
function isRepositoryPath(file: string): boolean {
  if (file === "" || file.startsWith("/") || file.endsWith("/") || file.includes("\0")) return false;
  return file.split("/").every((segment) => segment !== "" && segment !== "." && segment !== ".." && segment.toLowerCase() !== ".git");
}

/** Applies one edit to the flattened tree; later items win, so a nested path can change a tree given before it. */
async function applyTreeEdit(repo: StandInRepository, files: Map<string, FlatEntry>, edit: TreeEdit): Promise<void> {
  if (edit.kind === "delete") {
    // "Returns an error if you try to delete a file that does not exist."
    if (removePath(files, edit.path) === 0) throw new HttpError(422, `tree.sha null for a path that does not exist: ${edit.path}`, { documentationUrl: docs.tree });
    return;
  }
  removePath(files, edit.path);
  removeFilesAbove(files, edit.path);
  if (edit.kind === "tree") {
    if ((await inspectObject(repo.bareDir, edit.sha))?.type !== "tree") throw new HttpError(422, `tree.sha ${edit.sha} is not a valid tree`, { documentationUrl: docs.tree });
    for (const [file, entry] of await readFlatTree(repo.bareDir, edit.sha)) files.set(`${edit.path}/${file}`, entry);
    return;
  }
  let sha = edit.sha ?? "";
  if (edit.content !== undefined) sha = await writeBlob(repo.bareDir, Buffer.from(edit.content, "utf8"));
  else if (edit.type === "blob" && (await inspectObject(repo.bareDir, sha))?.type !== "blob") {
    throw new HttpError(422, `tree.sha ${sha} is not a valid blob`, { documentationUrl: docs.tree });
  }
  files.set(edit.path, { mode: edit.mode, type: edit.type, sha });
}

/** Removes the file at `file` and everything under the folder `file/`; returns how many entries went. */
function removePath(files: Map<string, FlatEntry>, file: string): number {
  let removed = 0;
  for (const key of [...files.keys()]) {
    if (key === file || key.startsWith(`${file}/`)) {
      files.delete(key);
      removed++;
    }
  }
  return removed;
}

/** A file standing where a folder of `file`'s path must go is replaced by that folder. */
function removeFilesAbove(files: Map<string, FlatEntry>, file: string): void {
  const segments = file.split("/");
  for (let i = 1; i < segments.length; i++) files.delete(segments.slice(0, i).join("/"));
}

function parseIdentity(value: unknown, field: string, fallback?: Identity): Identity | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object") throw invalidRequest(`For '${field}', it is not an object.`, docs.commit);
  const { name, email, date } = value as Record<string, unknown>;
  const filled = { name: name ?? fallback?.name, email: email ?? fallback?.email };
  if (typeof filled.name !== "string" || typeof filled.email !== "string") throw invalidRequest(`"${field}" needs "name" and "email".`, docs.commit);
  if (date !== undefined && (typeof date !== "string" || Number.isNaN(Date.parse(date)))) {
    throw invalidRequest(`For '${field}.date', ${JSON.stringify(date)} is not a date-time.`, docs.commit);
  }
  return { name: filled.name, email: filled.email, date: typeof date === "string" ? date : (fallback?.date ?? toGitHubDate(new Date())) };
}

/** Git's own date format (`<unix seconds> +0000`): parsed the same by every git version. */
function gitDate(identity: Identity): Identity {
  return { ...identity, date: `${Math.floor(Date.parse(identity.date) / 1000)} +0000` };
}

/** GitHub's tree JSON (top level, as "Get a tree" without `recursive`). */
export async function treeJson(state: StandInState, repo: StandInRepository, sha: string): Promise<Record<string, unknown>> {
  const api = `${state.apiUrl}/repos/${repo.fullName}`;
  const tree = (await listTree(repo.bareDir, sha, false)).map((entry) => {
    if (entry.type === "blob") return { ...entry, url: `${api}/git/blobs/${entry.sha}` };
    if (entry.type === "tree") return { ...entry, url: `${api}/git/trees/${entry.sha}` };
    return entry;
  });
  return { sha, url: `${api}/git/trees/${sha}`, tree, truncated: false };
}

/** GitHub's `git-commit` (the Git Data API's commit object, not the REST commit of /commits/{ref}). */
export function gitCommitJson(state: StandInState, repo: StandInRepository, commit: CommitInfo): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${repo.fullName}`;
  const html = `${state.webUrl}/${repo.fullName}`;
  return {
    sha: commit.sha,
    node_id: nodeId("Commit", commit.sha),
    url: `${api}/git/commits/${commit.sha}`,
    html_url: `${html}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.committer,
    tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
    message: commit.message,
    parents: commit.parents.map((sha) => ({ sha, url: `${api}/git/commits/${sha}`, html_url: `${html}/commit/${sha}` })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}
