// The stand-in's write side (issue 21, item 4): Git Data blobs, trees, commits and refs, pull requests and
// compare, through real Octokit; every branch it creates is fetched with real `git` from the bare repository
// and checked there, so what the stand-in answers is held to what git stores.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { Octokit } from "@octokit/core";
import type { RequestError } from "@octokit/request-error";
import { requestFailure } from "./support/request-failure.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { createTempDir } from "./support/temp-dir.js";

const run = promisify(execFile);
const git = async (cwd: string, ...args: string[]) => (await run("git", args, { cwd, maxBuffer: 1 << 26 })).stdout;

/** git's blob id, computed here without git: sha1("blob <size>\0" + bytes). */
const blobId = (bytes: Buffer | string) => {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return createHash("sha1").update(Buffer.concat([Buffer.from(`blob ${data.length}\0`), data])).digest("hex");
};

/** GitHub's `message` (Octokit's error message appends the documentation URL). */
const messageOf = (error: RequestError) => (error.response?.data as { message?: string } | undefined)?.message;

const failure = requestFailure;

let standIn: GitHubStandIn;
let repo: StandInRepository;
let scratch: { path: string; cleanup(): Promise<void> };
let hook: { url: string; close(): Promise<void> };
const binary = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 256));
const o = { owner: "octo-user", repo: "data" };
const octokit = (token?: string) => new Octokit({ baseUrl: standIn.apiUrl, ...(token ? { auth: token } : {}) });

beforeAll(async () => {
  standIn = await startGitHubStandIn();
  repo = await standIn.createRepository("octo-user/data", { private: true, collaborators: { reader: "read", writer: "write" } });
  await repo.commit({
    "README.md": "# data\n",
    "src/a.ts": "export const a = 1;\n",
    "src/b.ts": "export const b = 2;\n",
    "bin/run.sh": { content: "#!/bin/sh\necho run\n", executable: true },
    "docs/guide.md": "guide\n",
  });
  standIn.addToken("ghp_owner", { type: "classic", scopes: ["repo"] });
  standIn.addToken("ghp_reader", { type: "classic", login: "reader", scopes: ["repo"] });
  standIn.addToken("ghp_writer", { type: "classic", login: "writer", scopes: ["repo"] });
  standIn.addToken("ghp_no_repo_scope", { type: "classic", scopes: ["read:org"] });
  standIn.addToken("github_pat_read", { type: "fine-grained", repositories: ["octo-user/data"], permissions: { contents: "read", pull_requests: "read" } });
  standIn.addToken("github_pat_write", { type: "fine-grained", repositories: ["octo-user/data"], permissions: { contents: "write", pull_requests: "write" } });
  standIn.addToken("github_pat_contents_only", { type: "fine-grained", repositories: ["octo-user/data"], permissions: { contents: "write" } });
  standIn.addUser("writer", { name: "Wanda Writer", email: "wanda@example.test" });
  // A repository hook that answers 204: the pushes API ref changes cause are recorded with their payloads.
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hook = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise((r) => server.close(() => r())) };
  await octokit("ghp_owner").request("POST /repos/{owner}/{repo}/hooks", { ...o, config: { url: hook.url, content_type: "json" }, events: ["push"] });
  scratch = await createTempDir("stand-in-git-data-");
  await git(scratch.path, "init", "--quiet");
});
afterAll(async () => {
  await standIn?.close();
  await hook?.close();
  await scratch?.cleanup();
});

/** Fetches a branch of the stand-in's bare repository into the scratch clone; returns the fetched commit. */
async function fetchBranch(branch: string): Promise<string> {
  await git(scratch.path, "fetch", "--quiet", "--force", repo.bareDir, `+refs/heads/${branch}:refs/remotes/stand-in/${branch}`);
  return (await git(scratch.path, "rev-parse", `refs/remotes/stand-in/${branch}`)).trim();
}

/** `git ls-tree -r` of a commit in the scratch clone: path → "mode type sha". */
async function filesOf(commit: string): Promise<Map<string, string>> {
  const out = await git(scratch.path, "ls-tree", "-r", "-z", commit);
  return new Map(
    out
      .split("\0")
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf("\t");
        return [line.slice(tab + 1), line.slice(0, tab)] as const;
      }),
  );
}

describe("git data: blobs, trees, commits, refs", () => {
  it("builds a branch from blobs, a tree edited on a base tree and a commit; git fetches exactly that", async () => {
    const client = octokit("ghp_owner");
    const head = await repo.headSha();
    const base = await fetchBranch("main");
    expect(base).toBe(head);

    const text = await client.request("POST /repos/{owner}/{repo}/git/blobs", { ...o, content: "tool v1\n", encoding: "utf-8" });
    expect(text.status).toBe(201);
    expect(text.data).toEqual({ sha: blobId("tool v1\n"), url: `${standIn.apiUrl}/repos/octo-user/data/git/blobs/${blobId("tool v1\n")}` });
    expect(text.headers.location).toBe(text.data.url);
    const bin = await client.request("POST /repos/{owner}/{repo}/git/blobs", { ...o, content: binary.toString("base64"), encoding: "base64" });
    expect(bin.data.sha).toBe(blobId(binary));
    // The blob reads back byte for byte through "Get a blob".
    const back = await client.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { ...o, file_sha: bin.data.sha });
    expect(Buffer.from(back.data.content, "base64").equals(binary)).toBe(true);

    const { data: baseCommit } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { ...o, ref: head });
    const tree = await client.request("POST /repos/{owner}/{repo}/git/trees", {
      ...o,
      base_tree: baseCommit.commit.tree.sha,
      tree: [
        { path: "src/a.ts", mode: "100644", type: "blob", content: "export const a = 42;\n" },
        { path: "src/b.ts", mode: "100644", type: "blob", sha: null },
        { path: "assets/logo.bin", mode: "100644", type: "blob", sha: bin.data.sha },
        { path: "bin/tool", mode: "100755", type: "blob", sha: text.data.sha },
        { path: "docs", mode: "040000", type: "tree", sha: null },
      ],
    });
    expect(tree.status).toBe(201);
    expect(tree.data.truncated).toBe(false);
    // The answer lists the top level, as "Get a tree" without `recursive`.
    expect(tree.data.tree.map((e) => `${e.type} ${e.path}`)).toEqual(["blob README.md", "tree assets", "tree bin", "tree src"]);

    const commit = await client.request("POST /repos/{owner}/{repo}/git/commits", {
      ...o,
      message: "Edit from the API\n\nCo-authored-by: Someone <someone@example.test>",
      tree: tree.data.sha,
      parents: [head],
      author: { name: "Ada Author", email: "ada@example.test", date: "2024-05-01T12:00:00Z" },
    });
    expect(commit.status).toBe(201);
    expect(commit.data).toMatchObject({
      tree: { sha: tree.data.sha },
      parents: [{ sha: head }],
      author: { name: "Ada Author", email: "ada@example.test", date: "2024-05-01T12:00:00Z" },
      // "By default, committer will use the information set in author."
      committer: { name: "Ada Author", email: "ada@example.test", date: "2024-05-01T12:00:00Z" },
      message: "Edit from the API\n\nCo-authored-by: Someone <someone@example.test>",
      verification: { verified: false, reason: "unsigned" },
    });
    expect(commit.headers.location).toBe(`${standIn.apiUrl}/repos/octo-user/data/git/commits/${commit.data.sha}`);

    const ref = await client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "refs/heads/edit-1", sha: commit.data.sha });
    expect(ref.status).toBe(201);
    expect(ref.data).toMatchObject({ ref: "refs/heads/edit-1", object: { type: "commit", sha: commit.data.sha } });
    const read = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...o, ref: "heads/edit-1" });
    expect(read.data.object.sha).toBe(commit.data.sha);

    // git's own view of the branch: the base tree with exactly these edits, nothing else.
    const fetched = await fetchBranch("edit-1");
    expect(fetched).toBe(commit.data.sha);
    const expected = await filesOf(base);
    expected.delete("src/b.ts");
    expected.delete("docs/guide.md");
    expected.set("src/a.ts", `100644 blob ${blobId("export const a = 42;\n")}`);
    expected.set("assets/logo.bin", `100644 blob ${blobId(binary)}`);
    expected.set("bin/tool", `100755 blob ${blobId("tool v1\n")}`);
    expect(Object.fromEntries(await filesOf(fetched))).toEqual(Object.fromEntries(expected));
    expect(await git(scratch.path, "show", `${fetched}:src/a.ts`)).toBe("export const a = 42;\n");
    expect((await git(scratch.path, "log", "-1", "--format=%an|%ae|%aI|%cn|%P|%B", fetched)).trim()).toBe(
      `Ada Author|ada@example.test|2024-05-01T12:00:00+00:00|Ada Author|${head}|Edit from the API\n\nCo-authored-by: Someone <someone@example.test>`,
    );

    // Creating the branch was a push, as on GitHub.
    const push = standIn.deliveries.findLast((d) => d.event === "push");
    expect(push?.payload).toMatchObject({ ref: "refs/heads/edit-1", before: "0".repeat(40), after: commit.data.sha, created: true });
    expect(standIn.deliveries.findLast((d) => d.event === "push")?.outcome).toBe("delivered");
  });

  it("makes a tree from the given entries only without base_tree, and names the caller as author by default", async () => {
    const client = octokit("ghp_writer");
    const tree = await client.request("POST /repos/{owner}/{repo}/git/trees", {
      ...o,
      tree: [
        { path: "only/file.txt", mode: "100644", type: "blob", content: "only\n" },
        { path: "vendor/lib", mode: "160000", type: "commit", sha: "1234567890abcdef1234567890abcdef12345678" },
      ],
    });
    const head = await repo.headSha();
    const commit = await client.request("POST /repos/{owner}/{repo}/git/commits", { ...o, message: "Only", tree: tree.data.sha, parents: [head] });
    expect(commit.data.author).toMatchObject({ name: "Wanda Writer", email: "wanda@example.test" });
    await client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "refs/heads/only", sha: commit.data.sha });
    const files = await filesOf(await fetchBranch("only"));
    expect(Object.fromEntries(files)).toEqual({
      "only/file.txt": `100644 blob ${blobId("only\n")}`,
      "vendor/lib": "160000 commit 1234567890abcdef1234567890abcdef12345678",
    });
  });

  it("refuses malformed trees and commits with GitHub's 422", async () => {
    const client = octokit("ghp_owner");
    const head = await repo.headSha();
    const { data: baseCommit } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { ...o, ref: head });
    const base_tree = baseCommit.commit.tree.sha;
    const tree = (entries: unknown[], withBase = true) =>
      client.request("POST /repos/{owner}/{repo}/git/trees", { ...o, ...(withBase ? { base_tree } : {}), tree: entries } as never);
    // "Returns an error if you try to delete a file that does not exist."
    const missing = await failure(tree([{ path: "no/such.txt", mode: "100644", type: "blob", sha: null }]));
    expect(missing.status).toBe(422);
    expect(messageOf(missing)).toContain("no/such.txt");
    expect((await failure(tree([{ path: "a.txt", mode: "100644", type: "blob", sha: blobId("x"), content: "x" }]))).status).toBe(422);
    expect((await failure(tree([{ path: "a.txt", mode: "100600", type: "blob", content: "x" }]))).status).toBe(422);
    expect((await failure(tree([{ path: "a.txt", mode: "100644", type: "tree", content: "x" }]))).status).toBe(422);
    expect((await failure(tree([{ path: "../a.txt", mode: "100644", type: "blob", content: "x" }]))).status).toBe(422);
    expect((await failure(tree([{ path: ".git/config", mode: "100644", type: "blob", content: "x" }]))).status).toBe(422);
    expect((await failure(tree([{ path: "a.txt", mode: "100644", type: "blob", sha: "0".repeat(39) + "1" }]))).status).toBe(422);
    expect((await failure(tree([{ path: "a.txt", mode: "100644", type: "blob", sha: null }], false))).status).toBe(422);

    const commit = (body: Record<string, unknown>) => client.request("POST /repos/{owner}/{repo}/git/commits", { ...o, ...body } as never);
    const noTree = await failure(commit({ message: "m", tree: "f".repeat(40), parents: [head] }));
    expect([noTree.status, messageOf(noTree)]).toEqual([422, "Tree SHA does not exist"]);
    const noParent = await failure(commit({ message: "m", tree: base_tree, parents: ["e".repeat(40)] }));
    expect([noParent.status, messageOf(noParent)]).toEqual([422, "Parent SHA does not exist or is not a commit object"]);
    expect((await failure(commit({ tree: base_tree }))).status).toBe(422);
    // Without parents the commit is a root commit.
    const root = await commit({ message: "root", tree: base_tree });
    expect((root.data as { parents: unknown[] }).parents).toEqual([]);
  });

  it("moves refs as GitHub does: 422 if it exists, fast-forward unless forced, 404/422 when missing", async () => {
    const client = octokit("github_pat_write");
    const head = await repo.headSha();
    const makeCommit = async (message: string, parents: string[]) => {
      const { data: tree } = await client.request("POST /repos/{owner}/{repo}/git/trees", {
        ...o,
        tree: [{ path: `${message}.txt`, mode: "100644", type: "blob", content: `${message}\n` }],
      });
      return (await client.request("POST /repos/{owner}/{repo}/git/commits", { ...o, message, tree: tree.sha, parents })).data.sha;
    };
    const first = await makeCommit("first", [head]);
    const second = await makeCommit("second", [first]);
    const unrelated = await makeCommit("unrelated", [head]);

    await client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "refs/heads/moving", sha: first });
    const exists = await failure(client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "refs/heads/moving", sha: second }));
    expect([exists.status, messageOf(exists)]).toEqual([422, "Reference already exists"]);
    expect((await failure(client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "heads/x", sha: first }))).status).toBe(422);
    expect((await failure(client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "refs/heads/bad..name", sha: first }))).status).toBe(422);
    const noObject = await failure(client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "refs/heads/ghost", sha: "d".repeat(40) }));
    expect([noObject.status, messageOf(noObject)]).toEqual([422, "Object does not exist"]);

    const forward = await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...o, ref: "heads/moving", sha: second });
    expect(forward.status).toBe(200);
    expect(forward.data.object.sha).toBe(second);
    const sideways = await failure(client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...o, ref: "heads/moving", sha: unrelated }));
    expect([sideways.status, messageOf(sideways)]).toEqual([422, "Update is not a fast forward"]);
    expect(await fetchBranch("moving")).toBe(second);
    const forced = await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...o, ref: "heads/moving", sha: unrelated, force: true });
    expect(forced.data.object.sha).toBe(unrelated);
    expect(await fetchBranch("moving")).toBe(unrelated);
    const push = standIn.deliveries.findLast((d) => d.event === "push");
    expect(push?.payload).toMatchObject({ ref: "refs/heads/moving", before: second, after: unrelated, forced: true });

    const gone = await failure(client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...o, ref: "heads/nope", sha: first }));
    expect([gone.status, messageOf(gone)]).toEqual([422, "Reference does not exist"]);
    expect((await failure(client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...o, ref: "heads/nope" }))).status).toBe(404);
  });

  it("refuses writes to an empty repository with 409", async () => {
    await standIn.createRepository("octo-user/empty");
    const error = await failure(octokit("ghp_owner").request("POST /repos/{owner}/{repo}/git/blobs", { owner: "octo-user", repo: "empty", content: "x" }));
    expect([error.status, messageOf(error)]).toEqual([409, "Git Repository is empty."]);
  });
});

describe("pull requests and compare", () => {
  let feature: string;
  beforeEach(async () => {
    // A branch with one commit on main's head: add, change, delete, rename.
    const client = octokit("ghp_owner");
    const head = await repo.headSha();
    const { data: base } = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { ...o, ref: head });
    const name = `feature-${Math.random().toString(36).slice(2, 8)}`;
    const { data: guide } = await client.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { ...o, tree_sha: head, recursive: "1" });
    const guideSha = guide.tree.find((e) => e.path === "docs/guide.md")!.sha!;
    const { data: tree } = await client.request("POST /repos/{owner}/{repo}/git/trees", {
      ...o,
      base_tree: base.commit.tree.sha,
      tree: [
        { path: "new.txt", mode: "100644", type: "blob", content: "new\n" },
        { path: "README.md", mode: "100644", type: "blob", content: "# data\nmore\n" },
        { path: "src/b.ts", mode: "100644", type: "blob", sha: null },
        { path: "docs/guide.md", mode: "100644", type: "blob", sha: null },
        { path: "docs/manual.md", mode: "100644", type: "blob", sha: guideSha },
      ],
    });
    const { data: commit } = await client.request("POST /repos/{owner}/{repo}/git/commits", { ...o, message: "Feature", tree: tree.sha, parents: [head] });
    await client.request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: `refs/heads/${name}`, sha: commit.sha });
    feature = name;
  });

  it("compares: ahead with the files changed, identical, behind, diverged; 404 for an unknown ref", async () => {
    const client = octokit("github_pat_read");
    const main = await repo.headSha();
    const featureSha = await fetchBranch(feature);
    const ahead = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...o, basehead: `main...${feature}` });
    expect(ahead.data).toMatchObject({ status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, base_commit: { sha: main }, merge_base_commit: { sha: main } });
    expect(ahead.data.commits.map((c) => c.sha)).toEqual([featureSha]);
    const files = Object.fromEntries((ahead.data.files ?? []).map((f) => [f.filename, f]));
    expect(files["new.txt"]).toMatchObject({ status: "added", sha: blobId("new\n"), additions: 1, deletions: 0, changes: 1 });
    expect(files["README.md"]).toMatchObject({ status: "modified", sha: blobId("# data\nmore\n"), additions: 1, deletions: 0 });
    expect(files["src/b.ts"]).toMatchObject({ status: "removed", sha: blobId("export const b = 2;\n"), deletions: 1 });
    expect(files["docs/manual.md"]).toMatchObject({ status: "renamed", previous_filename: "docs/guide.md", sha: blobId("guide\n") });
    expect(Object.keys(files).sort()).toEqual(["README.md", "docs/manual.md", "new.txt", "src/b.ts"]);
    // The same as git says.
    const gitNames = (await git(scratch.path, "diff", "--name-status", "-M", main, featureSha)).trim().split("\n").length;
    expect(ahead.data.files).toHaveLength(gitNames);

    const identical = await client.request("GET /repos/{owner}/{repo}/compare/{base}...{head}", { ...o, base: main, head: "main" });
    expect(identical.data).toMatchObject({ status: "identical", ahead_by: 0, behind_by: 0, commits: [], files: [] });
    const behind = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...o, basehead: `${feature}...main` });
    expect(behind.data).toMatchObject({ status: "behind", ahead_by: 0, behind_by: 1 });

    const other = await repo.commit({ "main-only.txt": "x\n" });
    const diverged = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...o, basehead: `${featureSha.slice(0, 7)}...main` });
    expect(diverged.data).toMatchObject({ status: "diverged", ahead_by: 1, behind_by: 1, commits: [{ sha: other }], merge_base_commit: { sha: main } });
    expect(diverged.data.files?.map((f) => f.filename)).toEqual(["main-only.txt"]);

    expect((await failure(client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...o, basehead: "main...no-such-branch" }))).status).toBe(404);
  });

  it("opens a pull request, reads it back, and refuses a duplicate, an empty one and unknown branches", async () => {
    const client = octokit("github_pat_write");
    const created = await client.request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "Fix it", body: "Because.", head: feature, base: "main" });
    expect(created.status).toBe(201);
    const number = created.data.number;
    expect(created.data).toMatchObject({
      state: "open",
      title: "Fix it",
      body: "Because.",
      html_url: `${standIn.webUrl}/octo-user/data/pull/${number}`,
      head: { ref: feature, sha: await fetchBranch(feature), label: `octo-user:${feature}` },
      base: { ref: "main", sha: await repo.headSha() },
      user: { login: "octo-user" },
      merged: false,
      mergeable: null,
      commits: 1,
      changed_files: 4,
    });
    expect(created.headers.location).toBe(`${standIn.apiUrl}/repos/octo-user/data/pulls/${number}`);
    expect(standIn.pullRequests("octo-user/data").map((p) => p.number)).toContain(number);

    const read = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...o, pull_number: number });
    expect(read.data).toMatchObject({ number, title: "Fix it", mergeable: true, mergeable_state: "clean" });
    expect((await failure(client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...o, pull_number: 9999 }))).status).toBe(404);

    const again = await failure(client.request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "Again", head: feature, base: "main" }));
    expect(again.status).toBe(422);
    expect(again.response?.data).toMatchObject({
      message: "Validation Failed",
      errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for octo-user:${feature}.` }],
    });
    const empty = await failure(client.request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "Empty", head: "main", base: feature }));
    expect(empty.response?.data).toMatchObject({ errors: [{ code: "custom", message: `No commits between ${feature} and main` }] });
    const noHead = await failure(client.request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "x", head: "no-such", base: "main" }));
    expect(noHead.response?.data).toMatchObject({ errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] });
    const noBase = await failure(client.request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "x", head: feature, base: "no-such" }));
    expect(noBase.response?.data).toMatchObject({ errors: [{ resource: "PullRequest", field: "base", code: "invalid" }] });
    const noTitle = await failure(client.request("POST /repos/{owner}/{repo}/pulls", { ...o, head: feature, base: "main" } as never));
    expect(noTitle.response?.data).toMatchObject({ errors: [{ resource: "Issue", field: "title", code: "missing_field" }] });
  });

  it("reports a conflicting pull request as not mergeable", async () => {
    const client = octokit("ghp_owner");
    await repo.commit({ "README.md": "# data\nchanged on main\n" });
    const { data: pr } = await client.request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "Conflict", head: feature, base: "main" });
    const { data } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...o, pull_number: pr.number });
    expect(data).toMatchObject({ mergeable: false, mergeable_state: "dirty" });
  });
});

describe("token permissions on the write endpoints", () => {
  it("answers a read-only token as GitHub does: 403 naming the permission (fine-grained), 404 (classic without write)", async () => {
    const head = await repo.headSha();
    // Each call made only when awaited: a failed assertion leaves no request in flight.
    const writes = (token?: string) => [
      () => octokit(token).request("POST /repos/{owner}/{repo}/git/blobs", { ...o, content: "x" }),
      () => octokit(token).request("POST /repos/{owner}/{repo}/git/trees", { ...o, tree: [{ path: "x", mode: "100644", type: "blob", content: "x" }] }),
      () => octokit(token).request("POST /repos/{owner}/{repo}/git/commits", { ...o, message: "m", tree: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", parents: [head] }),
      () => octokit(token).request("POST /repos/{owner}/{repo}/git/refs", { ...o, ref: "refs/heads/denied", sha: head }),
      () => octokit(token).request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...o, ref: "heads/main", sha: head }),
    ];
    for (const attempt of writes("github_pat_read")) {
      const error = await failure(attempt());
      expect([error.status, messageOf(error), error.response?.headers["x-accepted-github-permissions"]]).toEqual([
        403,
        "Resource not accessible by personal access token",
        "contents=write",
      ]);
    }
    // A classic token of a read-only collaborator, a token without `repo` on a private repository, no token: 404.
    for (const token of ["ghp_reader", "ghp_no_repo_scope", undefined]) {
      for (const attempt of writes(token)) expect((await failure(attempt())).status).toBe(404);
    }
    const pull = await failure(octokit("github_pat_contents_only").request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "x", head: "main", base: "main" }));
    expect([pull.status, pull.response?.headers["x-accepted-github-permissions"]]).toEqual([403, "pull_requests=write"]);
    expect((await failure(octokit("ghp_reader").request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "x", head: "main", base: "main" }))).status).toBe(404);
    // Reading stays allowed: the ref and a comparison.
    const ref = await octokit("github_pat_read").request("GET /repos/{owner}/{repo}/git/ref/{ref}", { ...o, ref: "heads/main" });
    expect(ref.data.object.sha).toBe(head);
    expect((await octokit("ghp_reader").request("GET /repos/{owner}/{repo}/compare/{basehead}", { ...o, basehead: "main...main" })).data.status).toBe("identical");
    expect(await fetchBranch("main")).toBe(head);
    expect((await git(scratch.path, "ls-remote", repo.bareDir, "refs/heads/denied")).trim()).toBe("");
  });
});
