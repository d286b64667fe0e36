// The GitHub stand-in against real Octokit and real git: what it serves must equal what git says.
import { execFile, execFileSync } from "node:child_process";
import { createSign, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import { exchangeWebFlowCode, refreshToken } from "@octokit/oauth-methods";
import { request } from "@octokit/request";
import { RequestError } from "@octokit/request-error";
import { verify } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startWebhookReceiver } from "./support/webhook-receiver.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInApp, type StandInRepository } from "./support/github-stand-in/index.js";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, maxBuffer: 64 * 1024 * 1024 });
/** A push must not block the event loop: the repository's hook waits for the stand-in, which runs in this process. */
const gitAsync = (cwd: string, ...args: string[]) =>
  new Promise<void>((resolve, reject) => execFile("git", args, { cwd }, (error) => (error ? reject(error) : resolve())));

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof RequestError) return error.status;
    throw error;
  }
}

let standIn: GitHubStandIn;
let hello: StandInRepository;
let secret: StandInRepository;
let helloSha: string;
const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));

beforeAll(async () => {
  standIn = await startGitHubStandIn();
  hello = await standIn.createRepository("octo-user/hello");
  secret = await standIn.createRepository("acme/secret", { private: true, collaborators: { "octo-user": "admin" } });
  await hello.commit({ "README.md": "# hello\n", "old.txt": "old" });
  helloSha = await hello.commit(
    {
      "old.txt": null,
      "src/app.ts": "export const x = 1;\n",
      "src/deep/nested/data.bin": binary,
      "bin/run.sh": { content: "#!/bin/sh\necho hi\n", executable: true },
      "link-to-readme": { symlink: "README.md" },
      vendor: { submodule: "1234567890abcdef1234567890abcdef12345678" },
    },
    { message: "Add app" },
  );
  await secret.commit({ "config.json": '{"secret":true}\n' });
  standIn.addToken("ghp_classic_repo", { type: "classic", scopes: ["repo"] });
  standIn.addToken("ghp_classic_public", { type: "classic", scopes: ["public_repo"] });
  standIn.addToken("github_pat_contents", { type: "fine-grained", repositories: ["acme/secret"], permissions: { contents: "read" } });
  standIn.addToken("github_pat_metadata", { type: "fine-grained", repositories: ["acme/secret"], permissions: { metadata: "read" } });
  standIn.addToken("github_pat_other", { type: "fine-grained", repositories: ["octo-user/hello"], permissions: { contents: "read" } });
});

afterAll(async () => {
  await standIn?.close();
});

const octokit = (token?: string) => new Octokit({ baseUrl: standIn.apiUrl, ...(token ? { auth: token } : {}) });

describe("github stand-in: repository content", () => {
  it("serves the repository, branch and commit as GitHub shapes them", async () => {
    const client = octokit("ghp_classic_repo");
    const repo = await client.request("GET /repos/{owner}/{repo}", { owner: "octo-user", repo: "hello" });
    expect(repo.data).toMatchObject({ full_name: "octo-user/hello", private: false, default_branch: "main", owner: { login: "octo-user", type: "User" } });
    expect(repo.data.permissions).toMatchObject({ admin: true, pull: true });
    expect(repo.headers["x-oauth-scopes"]).toBe("repo");
    expect(Number(repo.headers["x-ratelimit-limit"])).toBe(5000);

    const branch = await client.request("GET /repos/{owner}/{repo}/branches/{branch}", { owner: "octo-user", repo: "hello", branch: "main" });
    expect(branch.data.commit.sha).toBe(helloSha);
    expect(branch.data.commit.sha).toBe(git(hello.bareDir, "rev-parse", "main").toString().trim());
    expect(branch.data.commit.commit.message).toBe("Add app");
    expect(branch.data.commit.parents).toHaveLength(1);
    expect(await statusOf(client.request("GET /repos/{owner}/{repo}/branches/{branch}", { owner: "octo-user", repo: "hello", branch: "nope" }))).toBe(404);

    const org = await client.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "secret" });
    expect(org.data.owner.type).toBe("Organization");
    expect(org.data.private).toBe(true);
  });

  it("lists branches by name, paged like GitHub (per_page, page, Link), with the visibility rules of the content routes", async () => {
    const branchy = await standIn.createRepository("octo-user/branchy");
    const main = await branchy.commit({ "README.md": "# branchy\n" });
    const feature = await branchy.commit({ "x.txt": "x\n" }, { branch: "feature/x" });
    // 130 more branches in one real push (the hook reports them all at once).
    const clone = await mkdtemp(path.join(tmpdir(), "stand-in-branches-"));
    try {
      git(clone, "clone", "--quiet", branchy.cloneUrl, ".");
      const names = Array.from({ length: 130 }, (_, i) => (i % 2 ? `topic/${String(i).padStart(3, "0")}` : `b-${String(i).padStart(3, "0")}`));
      await gitAsync(clone, "push", "--quiet", "origin", ...names.map((n) => `main:refs/heads/${n}`));
      const expected = ["main", "feature/x", ...names].sort();

      const client = octokit("ghp_classic_repo");
      const first = await client.request("GET /repos/{owner}/{repo}/branches", { owner: "octo-user", repo: "branchy" });
      expect(first.data).toHaveLength(30);
      expect(first.data.map((b) => b.name)).toEqual(expected.slice(0, 30));
      expect(first.headers.link).toMatch(/[?&]page=2[^>]*>; rel="next"/);
      expect(first.headers.link).toMatch(/[?&]page=5[^>]*>; rel="last"/);

      const listed: { name: string; sha: string; protected: boolean; url: string }[] = [];
      let pages = 0;
      for (let url: string | undefined = `${standIn.apiUrl}/repos/octo-user/branchy/branches?per_page=500`; url; pages++) {
        const response: Response = await fetch(url, { headers: { authorization: "token ghp_classic_repo" } });
        const body = (await response.json()) as { name: string; commit: { sha: string; url: string }; protected: boolean }[];
        expect(body.length).toBeLessThanOrEqual(100);
        listed.push(...body.map((b) => ({ name: b.name, sha: b.commit.sha, protected: b.protected, url: b.commit.url })));
        url = /<([^>]+)>; rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
      }
      expect(pages).toBe(2);
      expect(listed.map((b) => b.name)).toEqual(expected);
      expect(listed.find((b) => b.name === "feature/x")).toEqual({ name: "feature/x", sha: feature, protected: false, url: `${standIn.apiUrl}/repos/octo-user/branchy/commits/${feature}` });
      expect(listed.filter((b) => b.sha === main)).toHaveLength(131);
      const last = await client.request("GET /repos/{owner}/{repo}/branches", { owner: "octo-user", repo: "branchy", per_page: 100, page: 2 });
      expect(last.headers.link).not.toContain('rel="next"');
      expect(last.headers.link).toContain('rel="prev"');
      expect((await client.request("GET /repos/{owner}/{repo}/branches", { owner: "octo-user", repo: "branchy", protected: true })).data).toEqual([]);
    } finally {
      await rm(clone, { recursive: true, force: true });
    }

    const secretBranches = (token?: string) => octokit(token).request("GET /repos/{owner}/{repo}/branches", { owner: "acme", repo: "secret" });
    expect((await secretBranches("github_pat_contents")).data.map((b) => b.name)).toEqual(["main"]);
    expect(await statusOf(secretBranches())).toBe(404);
    expect(await statusOf(secretBranches("github_pat_other"))).toBe(404);
    expect(await statusOf(secretBranches("github_pat_metadata"))).toBe(403);
    expect(await statusOf(octokit("ghp_classic_repo").request("GET /repos/{owner}/{repo}/branches", { owner: "octo-user", repo: "nope" }))).toBe(404);
  });

  it("answers a matching If-None-Match on a commit with 304 and no rate-limit cost", async () => {
    const client = octokit("ghp_classic_repo");
    const first = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "octo-user", repo: "hello", ref: "main" });
    expect(first.data.sha).toBe(helloSha);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const used = Number(first.headers["x-ratelimit-used"]);
    const conditional = client.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "octo-user", repo: "hello", ref: "main", headers: { "if-none-match": etag } });
    expect(await statusOf(conditional)).toBe(304);
    const after = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "octo-user", repo: "hello", ref: helloSha });
    expect(Number(after.headers["x-ratelimit-used"])).toBe(used + 1);

    await hello.commit({ "CHANGELOG.md": "1\n" }, { branch: "feature/x" });
    const moved = await client.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "octo-user", repo: "hello", ref: "feature/x", headers: { "if-none-match": etag } });
    expect(moved.status).toBe(200);
    expect(moved.data.sha).toBe(await hello.headSha("feature/x"));
    expect(await statusOf(client.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "octo-user", repo: "hello", ref: "no-such-ref" }))).toBe(422);
  });

  it("lists a recursive tree exactly as git ls-tree -r -t -l does", async () => {
    const { data } = await octokit("ghp_classic_repo").request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
      owner: "octo-user",
      repo: "hello",
      tree_sha: helloSha,
      recursive: "1",
    });
    const expected = git(hello.bareDir, "ls-tree", "-r", "-t", "-l", helloSha)
      .toString()
      .trim()
      .split("\n")
      .map((line) => {
        const [meta = "", file = ""] = line.split("\t");
        const [mode, type, sha, size] = meta.split(/ +/);
        return { path: file, mode, type, sha, ...(type === "blob" ? { size: Number(size) } : {}) };
      });
    expect(data.truncated).toBe(false);
    expect(data.sha).toBe(git(hello.bareDir, "rev-parse", `${helloSha}^{tree}`).toString().trim());
    expect(data.tree.map(({ path: p, mode, type, sha, size }) => ({ path: p, mode, type, sha, ...(size === undefined ? {} : { size }) }))).toEqual(expected);
    expect(data.tree.find((e) => e.path === "bin/run.sh")?.mode).toBe("100755");
    expect(data.tree.find((e) => e.path === "link-to-readme")?.mode).toBe("120000");
    expect(data.tree.find((e) => e.path === "vendor")).toMatchObject({ type: "commit", mode: "160000" });
    expect(data.tree.find((e) => e.path === "src")).toMatchObject({ type: "tree", mode: "040000" });

    const top = await octokit().request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: "octo-user", repo: "hello", tree_sha: "main" });
    expect(top.data.tree.map((e) => e.path)).not.toContain("src/app.ts");
    expect(top.data.tree.map((e) => e.path)).toContain("src");
  });

  it("serves blobs as GitHub's base64 JSON and as raw bytes", async () => {
    const { data: tree } = await octokit().request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: "octo-user", repo: "hello", tree_sha: helloSha, recursive: "1" });
    const entry = tree.tree.find((e) => e.path === "src/deep/nested/data.bin");
    const sha = entry?.sha ?? "";
    const { data } = await octokit("ghp_classic_repo").request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner: "octo-user", repo: "hello", file_sha: sha });
    expect(data).toMatchObject({ sha, size: binary.length, encoding: "base64" });
    expect(data.content.split("\n").slice(0, -1).every((line) => line.length <= 60)).toBe(true);
    expect(Buffer.from(data.content, "base64").equals(git(hello.bareDir, "cat-file", "blob", sha))).toBe(true);

    const raw = await fetch(`${standIn.apiUrl}/repos/octo-user/hello/git/blobs/${sha}`, { headers: { accept: "application/vnd.github.raw", authorization: "token ghp_classic_repo" } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe("application/vnd.github.raw; charset=utf-8");
    expect(Buffer.from(await raw.arrayBuffer()).equals(binary)).toBe(true);
    expect(await statusOf(octokit().request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner: "octo-user", repo: "hello", file_sha: "0".repeat(40) }))).toBe(404);
  });

  it("redirects a tarball to a signed download of git archive with GitHub's prefix", async () => {
    const manual = await fetch(`${standIn.apiUrl}/repos/octo-user/hello/tarball/main`, { redirect: "manual", headers: { authorization: "token ghp_classic_repo" } });
    expect(manual.status).toBe(302);
    const location = manual.headers.get("location") ?? "";
    expect(location).toContain("token=");

    const { data } = await octokit("ghp_classic_repo").request("GET /repos/{owner}/{repo}/tarball/{ref}", { owner: "octo-user", repo: "hello", ref: "main" });
    const archive = Buffer.from(data as ArrayBuffer);
    const prefix = `octo-user-hello-${helloSha.slice(0, 7)}/`;
    expect(archive.equals(git(hello.bareDir, "archive", "--format=tar.gz", `--prefix=${prefix}`, helloSha))).toBe(true);
    const dir = await mkdtemp(path.join(tmpdir(), "stand-in-tar-"));
    try {
      await writeFile(path.join(dir, "a.tar.gz"), archive);
      const names = execFileSync("tar", ["-tzf", "a.tar.gz"], { cwd: dir }).toString().trim().split("\n");
      expect(names.every((name) => name.startsWith(prefix))).toBe(true);
      expect(names).toContain(`${prefix}src/deep/nested/data.bin`);
      execFileSync("tar", ["-xzf", "a.tar.gz"], { cwd: dir });
      expect((await readFile(path.join(dir, prefix, "src/deep/nested/data.bin"))).equals(binary)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const tampered = location.replace(/token=([^.]+)\.(.)/, (_m, claims: string, c: string) => `token=${claims}.${c === "A" ? "B" : "A"}`);
    expect((await fetch(tampered)).status).toBe(404);
  });
});

describe("github stand-in: tokens", () => {
  it("answers unknown and revoked tokens with 401 Bad credentials", async () => {
    const error = await octokit("ghp_nope").request("GET /repos/{owner}/{repo}", { owner: "octo-user", repo: "hello" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).status).toBe(401);
    expect((error as RequestError).response?.data).toMatchObject({ message: "Bad credentials" });

    standIn.addToken("ghp_short_lived", { type: "classic", scopes: ["repo"] });
    expect(await statusOf(octokit("ghp_short_lived").request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "secret" }))).toBe(200);
    standIn.revokeToken("ghp_short_lived");
    expect(await statusOf(octokit("ghp_short_lived").request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "secret" }))).toBe(401);
  });

  it("hides private repositories (404) and reports a missing fine-grained permission (403)", async () => {
    const get = (token: string | undefined) => octokit(token).request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "acme", repo: "secret", ref: "main" });
    expect(await statusOf(get(undefined))).toBe(404);
    expect(await statusOf(get("ghp_classic_public"))).toBe(404);
    expect(await statusOf(get("github_pat_other"))).toBe(404);
    expect(await statusOf(get("ghp_classic_repo"))).toBe(200);
    expect(await statusOf(get("github_pat_contents"))).toBe(200);
    const error = (await get("github_pat_metadata").catch((e: unknown) => e)) as RequestError;
    expect(error.status).toBe(403);
    expect(error.response?.headers["x-accepted-github-permissions"]).toBe("contents=read");
    expect(error.response?.data).toMatchObject({ message: "Resource not accessible by personal access token" });
    // Public repositories: any valid token, or none.
    expect(await statusOf(octokit("github_pat_metadata").request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: "octo-user", repo: "hello", tree_sha: "main" }))).toBe(200);
  });
});

describe("github stand-in: faults", () => {
  it("fails the next matching requests, then recovers", async () => {
    standIn.faults.failNext({ path: /\/branches\//, status: 502, count: 2 });
    const get = () => octokit().request("GET /repos/{owner}/{repo}/branches/{branch}", { owner: "octo-user", repo: "hello", branch: "main" });
    expect(await statusOf(get())).toBe(502);
    expect(await statusOf(get())).toBe(502);
    expect(await statusOf(get())).toBe(200);

    standIn.faults.failNext({ path: /\/commits\//, status: 403, rateLimit: "primary" });
    const limited = (await octokit("ghp_classic_repo").request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "octo-user", repo: "hello", ref: "main" }).catch((e: unknown) => e)) as RequestError;
    expect(limited.status).toBe(403);
    expect(limited.response?.headers["x-ratelimit-remaining"]).toBe("0");
    expect(standIn.requests.filter((r) => r.path.endsWith("/branches/main")).map((r) => r.status).slice(-3)).toEqual([502, 502, 200]);
  });

  it("slows requests down", async () => {
    standIn.faults.addLatency({ path: /\/repos\/octo-user\/hello$/, ms: 300, count: 1 });
    const started = Date.now();
    await octokit().request("GET /repos/{owner}/{repo}", { owner: "octo-user", repo: "hello" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("reports trees as truncated", async () => {
    standIn.faults.truncateTrees({ keepEntries: 2 });
    const { data } = await octokit().request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: "octo-user", repo: "hello", tree_sha: helloSha, recursive: "1" });
    standIn.faults.truncateTrees(false);
    expect(data.truncated).toBe(true);
    expect(data.tree).toHaveLength(2);
  });

  it("drops a tarball download mid-stream and serves a custom archive", async () => {
    standIn.faults.dropTarballAfter(100);
    const response = await fetch(`${standIn.apiUrl}/repos/octo-user/hello/tarball/main`);
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();

    const hostile = Buffer.from("not really a tarball");
    standIn.faults.serveTarball("octo-user/hello", "main", hostile);
    const custom = await octokit().request("GET /repos/{owner}/{repo}/tarball/{ref}", { owner: "octo-user", repo: "hello", ref: "main" });
    expect(Buffer.from(custom.data as ArrayBuffer).equals(hostile)).toBe(true);
    standIn.faults.reset();
  });
});

/** The fields of a push payload the tests read (the rest are checked with toMatchObject). */
interface PushPayload {
  after: string;
  pusher: { name: string };
  head_commit: { id: string; added: string[] } | null;
  commits: { message: string }[];
  repository: unknown;
  installation?: unknown;
}

const startReceiver = () => startWebhookReceiver({ status: 202 });

describe("github stand-in: repository webhooks", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let site: StandInRepository;
  beforeAll(async () => {
    receiver = await startReceiver();
    site = await standIn.createRepository("octo-user/site", { private: true, collaborators: { writer: "write" } });
    await site.commit({ "index.html": "<h1>v1</h1>\n" });
    standIn.addToken("ghp_writer_hooks", { type: "classic", login: "writer", scopes: ["repo", "admin:repo_hook"] });
    standIn.addToken("github_pat_hooks", { type: "fine-grained", repositories: ["octo-user/site"], permissions: { contents: "read", webhooks: "write" } });
    standIn.addToken("github_pat_no_hooks", { type: "fine-grained", repositories: ["octo-user/site"], permissions: { contents: "read" } });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const createHook = (token: string, body: Record<string, unknown>) =>
    octokit(token).request("POST /repos/{owner}/{repo}/hooks", { owner: "octo-user", repo: "site", ...body } as never);

  it("lets only admins with the right scope or permission manage hooks", async () => {
    const config = { url: `${receiver.url}?a=1`, content_type: "json" };
    expect(await statusOf(createHook("ghp_classic_public", { config }))).toBe(404);
    expect(await statusOf(createHook("ghp_writer_hooks", { config }))).toBe(404);
    const denied = (await createHook("github_pat_no_hooks", { config }).catch((e: unknown) => e)) as RequestError;
    expect(denied.status).toBe(403);
    expect(denied.response?.headers["x-accepted-github-permissions"]).toBe("webhooks=write");

    const created = await createHook("github_pat_hooks", { config: { url: `${receiver.url}?fine=1`, secret: "s3cret" } });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ type: "Repository", name: "web", active: true, events: ["push"], config: { content_type: "form", secret: "********" } });

    const classic = await createHook("ghp_classic_repo", { config, events: ["push", "create"] });
    expect(classic.headers["x-accepted-oauth-scopes"]).toContain("admin:repo_hook");
    const list = await octokit("ghp_classic_repo").request("GET /repos/{owner}/{repo}/hooks", { owner: "octo-user", repo: "site" });
    expect(list.data.map((h) => h.id)).toEqual([created.data.id, classic.data.id]);
    expect(JSON.stringify(list.data)).not.toContain("s3cret");

    const invalid = (await createHook("ghp_classic_repo", { config }).catch((e: unknown) => e)) as RequestError;
    expect(invalid.status).toBe(422);
    expect(JSON.stringify(invalid.response?.data)).toContain("Hook already exists on this repository");
    expect(await statusOf(createHook("ghp_classic_repo", { config: { content_type: "json" } }))).toBe(422);
    expect(await statusOf(createHook("ghp_classic_repo", { config: { url: `${receiver.url}?b=1` }, events: ["no_such_event"] }))).toBe(422);

    for (const hook of [created.data, classic.data]) {
      const del = octokit("ghp_classic_repo").request("DELETE /repos/{owner}/{repo}/hooks/{hook_id}", { owner: "octo-user", repo: "site", hook_id: hook.id });
      expect((await del).status).toBe(204);
    }
    expect(await statusOf(octokit("ghp_classic_repo").request("GET /repos/{owner}/{repo}/hooks/{hook_id}", { owner: "octo-user", repo: "site", hook_id: classic.data.id }))).toBe(404);
    await standIn.settleDeliveries();
    const pings = receiver.received.filter((r) => r.headers["x-github-event"] === "ping");
    expect(pings).toHaveLength(2);
    receiver.received.length = 0;
  });

  it("delivers a signed push webhook for commits, plain git pushes, tags, force pushes and deletions", async () => {
    const { data: hook } = await createHook("ghp_classic_repo", { config: { url: receiver.url, content_type: "json", secret: "hook-secret" }, events: ["push"] });
    await standIn.settleDeliveries();
    receiver.received.length = 0;

    const before = await site.headSha();
    const sha = await site.commit({ "index.html": "<h1>v2</h1>\n", "about.html": "about\n" }, { message: "Second", pusher: "octo-user" });
    expect(receiver.received).toHaveLength(1);
    const [push] = receiver.received;
    expect(push?.headers["x-github-event"]).toBe("push");
    expect(push?.headers["x-github-hook-id"]).toBe(String(hook.id));
    expect(push?.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(push?.headers["user-agent"]).toMatch(/^GitHub-Hookshot\//);
    expect(push?.headers["content-type"]).toBe("application/json");
    expect(await verify("hook-secret", push?.body ?? "", String(push?.headers["x-hub-signature-256"]))).toBe(true);
    expect(await verify("wrong-secret", push?.body ?? "", String(push?.headers["x-hub-signature-256"]))).toBe(false);
    const payload = JSON.parse(push?.body ?? "{}") as PushPayload;
    expect(payload).toMatchObject({ ref: "refs/heads/main", before, after: sha, created: false, deleted: false, forced: false });
    expect(payload.repository).toMatchObject({ full_name: "octo-user/site", name: "site", owner: { login: "octo-user" }, default_branch: "main", private: true });
    expect(payload.pusher.name).toBe("octo-user");
    expect(payload.head_commit).toMatchObject({ id: sha, message: "Second", added: ["about.html"], modified: ["index.html"], removed: [] });
    expect(payload.commits).toHaveLength(1);
    expect(payload.installation).toBeUndefined();

    // A developer's own `git push` from a clone.
    const work = await mkdtemp(path.join(tmpdir(), "stand-in-clone-"));
    try {
      git(work, "clone", "-q", site.cloneUrl, ".");
      git(work, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "rm", "-q", "about.html");
      git(work, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", "Remove about");
      await gitAsync(work, "push", "-q", "origin", "HEAD:main");
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const plain = JSON.parse(receiver.received.at(-1)?.body ?? "{}") as PushPayload;
    expect(plain.after).toBe(await site.headSha());
    expect(plain.head_commit).toMatchObject({ message: "Remove about", removed: ["about.html"], author: { name: "Dev", email: "dev@example.com" } });

    await site.createTag("v1.0.0", { message: "Release" });
    const tag = JSON.parse(receiver.received.at(-1)?.body ?? "{}") as PushPayload;
    expect(tag).toMatchObject({ ref: "refs/tags/v1.0.0", created: true, deleted: false, commits: [] });
    expect(tag.head_commit?.id).toBe(await site.headSha());

    const rewritten = await site.forcePush({ "fresh.txt": "new history\n" }, { message: "Unrelated" });
    const forced = JSON.parse(receiver.received.at(-1)?.body ?? "{}") as PushPayload;
    expect(forced).toMatchObject({ ref: "refs/heads/main", after: rewritten, forced: true });
    expect(forced.head_commit?.added).toEqual(["fresh.txt"]);

    await site.commit({ "b.txt": "b\n" }, { branch: "topic" });
    const created = JSON.parse(receiver.received.at(-1)?.body ?? "{}") as PushPayload;
    expect(created).toMatchObject({ ref: "refs/heads/topic", created: true, before: "0".repeat(40) });
    expect(created.commits.map((c) => c.message)).toEqual(["Update files"]);
    await site.deleteBranch("topic");
    const deleted = JSON.parse(receiver.received.at(-1)?.body ?? "{}") as PushPayload;
    expect(deleted).toMatchObject({ ref: "refs/heads/topic", deleted: true, after: "0".repeat(40), head_commit: null, commits: [] });

    const records = standIn.deliveries.filter((d) => d.event === "push" && d.hookId === hook.id);
    expect(records.every((d) => d.outcome === "delivered" && d.statusCode === 202)).toBe(true);
    expect(records).toHaveLength(6);
  });

  it("loses a delivery on request and redelivers it with the same delivery id and body", async () => {
    const count = receiver.received.length;
    standIn.faults.loseWebhooks({ count: 1, event: "push" });
    await site.commit({ "lost.txt": "lost\n" });
    expect(receiver.received.length).toBe(count);
    const lost = standIn.deliveries.at(-1);
    expect(lost?.outcome).toBe("lost");

    const again = await standIn.redeliver(lost?.id ?? "");
    expect(again).toMatchObject({ id: lost?.id, redelivery: true, outcome: "delivered", statusCode: 202 });
    expect(receiver.received.at(-1)?.headers["x-github-delivery"]).toBe(lost?.id);
    expect(receiver.received.at(-1)?.body).toBe(lost?.body);

    // API faults never swallow a repository's own push report: only loseWebhooks loses a push.
    standIn.faults.failNext({ path: /.*/, status: 500 });
    const sha = await site.commit({ "kept.txt": "kept\n" });
    expect((JSON.parse(receiver.received.at(-1)?.body ?? "{}") as PushPayload).after).toBe(sha);
    expect(await statusOf(octokit().request("GET /repos/{owner}/{repo}", { owner: "octo-user", repo: "hello" }))).toBe(500);
  });
});

describe("github stand-in: GitHub App", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const eventsOf = (name: string) => receiver.received.filter((r) => r.headers["x-github-event"] === name).map((r) => JSON.parse(r.body) as Record<string, unknown>);

  it("goes from manifest to app JWT to an installation token that reaches only the installation's repositories", async () => {
    const manifest = {
      name: "Funcspace Test",
      url: "http://127.0.0.1:9/",
      hook_attributes: { url: receiver.url },
      redirect_url: "http://127.0.0.1:9/github/manifest-callback",
      setup_url: "http://127.0.0.1:9/github/setup",
      callback_urls: ["http://127.0.0.1:9/github/oauth"],
      default_permissions: { contents: "read", metadata: "read" },
      default_events: ["push"],
    };
    const form = await fetch(`${standIn.webUrl}/settings/apps/new?state=st4te`, { method: "POST", redirect: "manual", body: new URLSearchParams({ manifest: JSON.stringify(manifest) }) });
    expect(form.status).toBe(302);
    const callback = new URL(form.headers.get("location") ?? "");
    expect(callback.origin + callback.pathname).toBe(manifest.redirect_url);
    expect(callback.searchParams.get("state")).toBe("st4te");
    const code = callback.searchParams.get("code") ?? "";

    const { data: app } = await octokit().request("POST /app-manifests/{code}/conversions", { code });
    expect(app).toMatchObject({ slug: "funcspace-test", name: "Funcspace Test", owner: { login: "octo-user" } });
    expect(app.pem).toContain("BEGIN RSA PRIVATE KEY");
    expect(app.webhook_secret).toMatch(/^[0-9a-f]{40}$/);
    expect(await statusOf(octokit().request("POST /app-manifests/{code}/conversions", { code }))).toBe(404);

    standIn.chooseNextInstallation({ account: "octo-user", repositories: ["hello"] });
    const install = await fetch(`${standIn.webUrl}/apps/${app.slug}/installations/new?state=inst`, { redirect: "manual" });
    const setup = new URL(install.headers.get("location") ?? "");
    expect(setup.origin + setup.pathname).toBe(manifest.setup_url);
    expect(setup.searchParams.get("setup_action")).toBe("install");
    expect(setup.searchParams.get("state")).toBe("inst");
    const installationId = Number(setup.searchParams.get("installation_id"));
    const [created] = eventsOf("installation");
    expect(created).toMatchObject({ action: "created", installation: { id: installationId, app_id: app.id }, repositories: [{ full_name: "octo-user/hello" }] });
    const createdRaw = receiver.received.find((r) => r.headers["x-github-event"] === "installation");
    expect(await verify(app.webhook_secret ?? "", createdRaw?.body ?? "", String(createdRaw?.headers["x-hub-signature-256"]))).toBe(true);
    expect(createdRaw?.headers["x-github-hook-installation-target-type"]).toBe("integration");

    const appOctokit = new Octokit({ baseUrl: standIn.apiUrl, authStrategy: createAppAuth, auth: { appId: app.id, privateKey: app.pem } });
    const { data: installation } = await appOctokit.request("GET /app/installations/{installation_id}", { installation_id: installationId });
    expect(installation).toMatchObject({ id: installationId, app_slug: "funcspace-test", account: { login: "octo-user" }, repository_selection: "selected" });
    const { token, expiresAt } = (await createAppAuth({ appId: app.id, privateKey: app.pem, request: request.defaults({ baseUrl: standIn.apiUrl }) })({ type: "installation", installationId })) as { token: string; expiresAt: string };
    expect(token).toMatch(/^ghs_/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(59 * 60_000);

    const repos = await octokit(token).request("GET /installation/repositories");
    expect(repos.data.repositories.map((r) => r.full_name)).toEqual(["octo-user/hello"]);
    expect(await statusOf(octokit(token).request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: "octo-user", repo: "hello", ref: "main" }))).toBe(200);
    expect(await statusOf(octokit(token).request("GET /repos/{owner}/{repo}", { owner: "octo-user", repo: "site" }))).toBe(404);
    const noHooks = (await octokit(token).request("GET /repos/{owner}/{repo}/hooks", { owner: "octo-user", repo: "hello" }).catch((e: unknown) => e)) as RequestError;
    expect(noHooks.status).toBe(403);
    expect(noHooks.response?.data).toMatchObject({ message: "Resource not accessible by integration" });

    // GitHub's JWT rules: exp at most 10 minutes ahead, signed with the app's own key.
    const now = Math.floor(Date.now() / 1000);
    const tooLong = signJwt({ iat: now - 30, exp: now + 3600, iss: app.id }, app.pem ?? "");
    const rejected = (await octokit(tooLong).request("GET /app/installations/{installation_id}", { installation_id: installationId }).catch((e: unknown) => e)) as RequestError;
    expect(rejected.status).toBe(401);
    expect(rejected.message).toContain("too far in the future");
    // Any other key will do; a small one is quick to make.
    const foreignKey = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    expect(await statusOf(octokit(signJwt({ iat: now - 30, exp: now + 500, iss: app.id }, foreignKey)).request("GET /app/installations/{installation_id}", { installation_id: installationId }))).toBe(401);

    // A push to an installed repository reaches the app's hook with the installation named.
    const pushed = await hello.commit({ "app.txt": "app\n" });
    const appPush = eventsOf("push").at(-1);
    expect(appPush).toMatchObject({ after: pushed, installation: { id: installationId } });

    await standIn.removeRepositories(installationId, ["hello"]);
    expect(eventsOf("installation_repositories").at(-1)).toMatchObject({ action: "removed", repositories_removed: [{ full_name: "octo-user/hello" }] });
    expect((await octokit(token).request("GET /installation/repositories")).data.total_count).toBe(0);
    await standIn.addRepositories(installationId, ["hello"]);

    await standIn.suspendInstallation(installationId);
    expect(eventsOf("installation").at(-1)).toMatchObject({ action: "suspend" });
    expect(await statusOf(octokit(token).request("GET /installation/repositories"))).toBe(403);
    await standIn.unsuspendInstallation(installationId);
    expect(await statusOf(octokit(token).request("GET /installation/repositories"))).toBe(200);

    await standIn.deleteInstallation(installationId);
    expect(eventsOf("installation").at(-1)).toMatchObject({ action: "deleted", installation: { id: installationId } });
    expect(await statusOf(octokit(token).request("GET /installation/repositories"))).toBe(401);
  });

  it("exchanges an OAuth code for a user token that lists only the installations the user can see", async () => {
    const app = await standIn.createApp({ name: "OAuth Probe", callbackUrls: ["http://127.0.0.1:9/oauth"], webhookUrl: receiver.url });
    // Another app, owned by an organization, registered through the organization's manifest page.
    const registered = await fetch(`${standIn.webUrl}/organizations/acme/settings/apps/new?manifest=${encodeURIComponent(JSON.stringify({ name: "Someone Else", url: "http://127.0.0.1:9/" }))}`, { redirect: "manual" });
    expect(registered.headers.get("location")).toBe(`${standIn.webUrl}/settings/apps/someone-else`);
    const other = standIn.getApp("someone-else");
    expect(other?.owner).toBe("acme");
    const mine = await standIn.createInstallation(app.slug, { account: "octo-user", repositories: "all" });
    await standIn.createInstallation(app.slug, { account: "acme", repositories: ["secret"], visibleTo: ["someone"] });
    await standIn.createInstallation(other?.id ?? 0, { account: "octo-user", repositories: "all" });

    const authorize = await fetch(`${standIn.webUrl}/login/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent("http://127.0.0.1:9/oauth/callback")}&state=s1`, { redirect: "manual" });
    expect(authorize.status).toBe(302);
    const back = new URL(authorize.headers.get("location") ?? "");
    expect(back.searchParams.get("state")).toBe("s1");
    const code = back.searchParams.get("code") ?? "";
    const elsewhere = await fetch(`${standIn.webUrl}/login/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent("http://evil.test/oauth")}`, { redirect: "manual" });
    expect(elsewhere.status).toBe(400);

    const oauthRequest = request.defaults({ baseUrl: standIn.apiUrl });
    const wrongSecret = exchangeWebFlowCode({ clientType: "github-app", clientId: app.clientId, clientSecret: "nope", code, request: oauthRequest });
    await expect(wrongSecret).rejects.toThrow(/incorrect/);
    const { authentication } = await exchangeWebFlowCode({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, code, request: oauthRequest });
    expect(authentication.token).toMatch(/^ghu_/);
    const reused = await fetch(`${standIn.webUrl}/login/oauth/access_token`, { method: "POST", body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, code }) });
    expect(new URLSearchParams(await reused.text()).get("error")).toBe("bad_verification_code");

    const listed = await octokit(authentication.token).request("GET /user/installations");
    expect(listed.data.installations.map((i) => i.id)).toEqual([mine.id]);
    expect(await statusOf(octokit("ghp_classic_repo").request("GET /user/installations"))).toBe(403);
  });
});

describe("github stand-in: sign in with GitHub (users, organizations, teams)", () => {
  const callback = "http://127.0.0.1:9/api/auth/callback";
  let app: StandInApp;
  const oauthRequest = () => request.defaults({ baseUrl: standIn.apiUrl });

  beforeAll(async () => {
    app = await standIn.createApp({ name: "Sign In Probe", callbackUrls: ["http://127.0.0.1:9/api/auth"], permissions: { contents: "read", members: "read" } });
    standIn.addUser("alice", { id: 583231, name: "Alice Liddell", email: "alice@example.com", orgs: { acme: { role: "admin" }, globex: { role: "member" } }, teams: ["acme/platform"] });
    standIn.addUser("bob", { orgs: { acme: { role: "member" } }, teams: [{ team: "acme/platform", role: "maintainer" }, "acme/ops"] });
    standIn.addUser("carol", { orgs: { acme: { role: "member", state: "pending" } }, teams: ["acme/platform"] });
    standIn.addUser("dave");
    standIn.addUser("eve");
    await standIn.createRepository("acme/portal", { private: true, collaborators: { bob: "maintain", carol: "read", dave: "triage" } });
    await standIn.createInstallation(app.slug, { account: "acme", repositories: ["portal"] });
  });

  const authorizeUrl = (params: Record<string, string>) => `${standIn.webUrl}/login/oauth/authorize?${new URLSearchParams({ client_id: app.clientId, redirect_uri: callback, ...params })}`;
  const postToken = (body: Record<string, string>, accept?: string) =>
    fetch(`${standIn.webUrl}/login/oauth/access_token`, { method: "POST", headers: accept ? { accept } : {}, body: new URLSearchParams(body) });
  /** The browser is signed in to github.com as `login`, the app sends it to authorize, and exchanges the code. */
  async function signIn(login: string, client: StandInApp = app) {
    standIn.signInAs(login);
    try {
      const response = await fetch(authorizeUrl({ client_id: client.clientId, state: "st" }), { redirect: "manual" });
      const code = new URL(response.headers.get("location") ?? "").searchParams.get("code") ?? "";
      const { authentication } = await exchangeWebFlowCode({ clientType: "github-app", clientId: client.clientId, clientSecret: client.clientSecret, code, redirectUrl: callback, request: oauthRequest() });
      return authentication;
    } finally {
      standIn.signInAs(standIn.userLogin);
    }
  }

  it("signs in whoever the browser is signed in as: a one-time code, then an expiring user token for GET /user", async () => {
    standIn.signInAs("alice");
    // `login` only suggests an account: GitHub authorizes the user signed in to the browser.
    const authorize = await fetch(authorizeUrl({ state: "s1", login: "bob", allow_signup: "false" }), { redirect: "manual" });
    standIn.signInAs(standIn.userLogin);
    expect(authorize.status).toBe(302);
    const back = new URL(authorize.headers.get("location") ?? "");
    expect(back.origin + back.pathname).toBe(callback);
    expect(back.searchParams.get("state")).toBe("s1");
    const code = back.searchParams.get("code") ?? "";
    expect(code).toMatch(/^[0-9a-f]{20}$/);

    const started = Date.now();
    const { authentication } = await exchangeWebFlowCode({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, code, redirectUrl: callback, request: oauthRequest() });
    expect(authentication.token).toMatch(/^ghu_/);
    const expiring = authentication as { refreshToken?: string; expiresAt?: string; refreshTokenExpiresAt?: string };
    expect(expiring.refreshToken).toMatch(/^ghr_/);
    expect(Math.abs(Date.parse(expiring.expiresAt ?? "") - (started + 8 * 3600_000))).toBeLessThan(5_000);
    expect(Math.abs(Date.parse(expiring.refreshTokenExpiresAt ?? "") - (started + 15_897_600_000))).toBeLessThan(5_000);

    const user = await octokit(authentication.token).request("GET /user");
    expect(user.data).toMatchObject({
      login: "alice",
      id: 583231,
      node_id: Buffer.from("04:User583231").toString("base64"),
      name: "Alice Liddell",
      email: "alice@example.com",
      type: "User",
      site_admin: false,
      html_url: `${standIn.webUrl}/alice`,
      avatar_url: `${standIn.webUrl}/avatars/alice`,
      url: `${standIn.apiUrl}/users/alice`,
    });
    expect(user.headers["x-ratelimit-limit"]).toBe("5000");
    // The default browser user is the stand-in's; unknown logins cannot sign in.
    expect((await octokit((await signIn("octo-user")).token).request("GET /user")).data).toMatchObject({ login: "octo-user", name: null, type: "User" });
    expect(() => standIn.signInAs("nobody-here")).toThrow(/addUser/);

    // The code worked once: JSON or form (the default), always 200 with an error, as GitHub.
    const again = await postToken({ client_id: app.clientId, client_secret: app.clientSecret, code }, "application/json");
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
    const form = await postToken({ client_id: app.clientId, client_secret: app.clientSecret, code });
    expect(form.headers.get("content-type")).toContain("application/x-www-form-urlencoded");
    expect(new URLSearchParams(await form.text()).get("error")).toBe("bad_verification_code");

    // Bad tokens are Bad credentials; no token, Requires authentication; an installation token is no user.
    const bad = (await octokit("ghu_not_a_token").request("GET /user").catch((e: unknown) => e)) as RequestError;
    expect(bad.status).toBe(401);
    expect(bad.response?.data).toMatchObject({ message: "Bad credentials" });
    expect(await statusOf(octokit().request("GET /user"))).toBe(401);
    expect((await octokit("ghp_classic_repo").request("GET /user")).data.login).toBe("octo-user");
    const installationId = (await standIn.createInstallation(app.slug, { account: "octo-user", repositories: ["hello"] })).id;
    const installationAuth = createAppAuth({ appId: app.id, privateKey: app.pem, request: request.defaults({ baseUrl: standIn.apiUrl }) });
    const { token: installationToken } = (await installationAuth({ type: "installation", installationId })) as { token: string };
    expect(await statusOf(octokit(installationToken).request("GET /user"))).toBe(403);
    await standIn.deleteInstallation(installationId);
  });

  it("answers the web flow's errors as GitHub: unknown client, foreign redirect, refusal, wrong secret, mismatched or expired code", async () => {
    const unknown = await fetch(authorizeUrl({ client_id: "Iv23linope" }), { redirect: "manual" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("text/html");
    expect((await fetch(authorizeUrl({ redirect_uri: "http://evil.test/api/auth/callback" }), { redirect: "manual" })).status).toBe(400);
    expect((await fetch(authorizeUrl({ redirect_uri: "http://127.0.0.1:9/elsewhere" }), { redirect: "manual" })).status).toBe(400);

    standIn.denyNextAuthorization();
    const denied = new URL((await fetch(authorizeUrl({ state: "s2" }), { redirect: "manual" })).headers.get("location") ?? "");
    expect(denied.origin + denied.pathname).toBe(callback);
    expect(Object.fromEntries(denied.searchParams)).toMatchObject({ error: "access_denied", state: "s2" });
    expect(denied.searchParams.has("code")).toBe(false);

    const codeFor = async () => new URL((await fetch(authorizeUrl({ state: "s3" }), { redirect: "manual" })).headers.get("location") ?? "").searchParams.get("code") ?? "";
    const code = await codeFor();
    const wrongSecret = await postToken({ client_id: app.clientId, client_secret: "nope", code }, "application/json");
    expect(await wrongSecret.json()).toMatchObject({ error: "incorrect_client_credentials" });
    const mismatch = exchangeWebFlowCode({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, code, redirectUrl: "http://127.0.0.1:9/api/auth/other", request: oauthRequest() });
    await expect(mismatch).rejects.toThrow(/redirect_uri_mismatch/);
    const unsupported = await postToken({ client_id: app.clientId, client_secret: app.clientSecret, code, grant_type: "password" }, "application/json");
    expect(await unsupported.json()).toMatchObject({ error: "unsupported_grant_type" });

    // Codes expire after 10 minutes.
    const late = await codeFor();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 10 * 60_000 + 1_000);
      const expired = exchangeWebFlowCode({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, code: late, request: oauthRequest() });
      await expect(expired).rejects.toThrow(/bad_verification_code/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refreshes an expiring user token once (the old pair stops working), expires it after 8 hours, and revokes on request", async () => {
    const first = (await signIn("dave")) as { token: string; refreshToken: string };
    const renewed = await refreshToken({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, refreshToken: first.refreshToken, request: oauthRequest() });
    const second = renewed.authentication;
    expect(second.token).toMatch(/^ghu_/);
    expect(second.token).not.toBe(first.token);
    expect(second.refreshToken).toMatch(/^ghr_/);
    expect(await statusOf(octokit(first.token).request("GET /user"))).toBe(401);
    expect((await octokit(second.token).request("GET /user")).data.login).toBe("dave");
    const reused = refreshToken({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, refreshToken: first.refreshToken, request: oauthRequest() });
    await expect(reused).rejects.toThrow(/bad_refresh_token/);

    let third: { token: string; refreshToken: string };
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 8 * 3600_000 + 1_000);
      expect(await statusOf(octokit(second.token).request("GET /user"))).toBe(401);
      ({ authentication: third } = await refreshToken({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, refreshToken: second.refreshToken, request: oauthRequest() }));
      expect((await octokit(third.token).request("GET /user")).data.login).toBe("dave");
    } finally {
      vi.useRealTimers();
    }

    standIn.revokeToken(third.token);
    expect(await statusOf(octokit(third.token).request("GET /user"))).toBe(401);
    standIn.revokeToken(third.refreshToken);
    const revoked = refreshToken({ clientType: "github-app", clientId: app.clientId, clientSecret: app.clientSecret, refreshToken: third.refreshToken, request: oauthRequest() });
    await expect(revoked).rejects.toThrow(/bad_refresh_token/);

    // An app that opted out of expiring user tokens gets a plain, lasting token (no expires_in, no refresh token).
    const lasting = await standIn.createApp({ name: "Lasting Tokens", callbackUrls: ["http://127.0.0.1:9/api/auth"], expiringUserTokens: false });
    const plain = await signIn("dave", lasting);
    expect(plain).not.toHaveProperty("refreshToken");
    expect(plain).not.toHaveProperty("expiresAt");
    standIn.revokeToken(plain.token);
    expect(await statusOf(octokit(plain.token).request("GET /user"))).toBe(401);
  });

  it("tells a user token its user's organization membership (active or pending, member or admin) or 404", async () => {
    const alice = (await signIn("alice")).token;
    const membership = await octokit(alice).request("GET /user/memberships/orgs/{org}", { org: "ACME" });
    expect(membership.data).toMatchObject({
      url: `${standIn.apiUrl}/orgs/acme/memberships/alice`,
      state: "active",
      role: "admin",
      organization_url: `${standIn.apiUrl}/orgs/acme`,
      organization: { login: "acme", url: `${standIn.apiUrl}/orgs/acme`, node_id: expect.any(String) as unknown },
      user: { login: "alice", id: 583231, type: "User" },
    });
    const bob = (await signIn("bob")).token;
    expect((await octokit(bob).request("GET /user/memberships/orgs/{org}", { org: "acme" })).data).toMatchObject({ state: "active", role: "member" });
    const carol = (await signIn("carol")).token;
    expect((await octokit(carol).request("GET /user/memberships/orgs/{org}", { org: "acme" })).data).toMatchObject({ state: "pending", role: "member" });
    const dave = (await signIn("dave")).token;
    expect(await statusOf(octokit(dave).request("GET /user/memberships/orgs/{org}", { org: "acme" }))).toBe(404);
    expect(await statusOf(octokit(bob).request("GET /user/memberships/orgs/{org}", { org: "globex" }))).toBe(404);

    // An app's user token reads memberships only where the app is installed with the Members permission.
    const notInstalled = (await octokit(alice).request("GET /user/memberships/orgs/{org}", { org: "globex" }).catch((e: unknown) => e)) as RequestError;
    expect(notInstalled.status).toBe(403);
    expect(notInstalled.response?.data).toMatchObject({ message: "Resource not accessible by integration" });
    expect(notInstalled.response?.headers["x-accepted-github-permissions"]).toBe("members=read");
    const blind = await standIn.createApp({ name: "Org Blind", callbackUrls: ["http://127.0.0.1:9/api/auth"], permissions: { contents: "read" } });
    await standIn.createInstallation(blind.slug, { account: "acme", repositories: "all" });
    const blindAlice = (await signIn("alice", blind)).token;
    expect(await statusOf(octokit(blindAlice).request("GET /user/memberships/orgs/{org}", { org: "acme" }))).toBe(403);
    expect(await statusOf(octokit(blindAlice).request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", { org: "acme", team_slug: "platform", username: "alice" }))).toBe(403);

    // Classic tokens need read:org; no token is 401.
    standIn.addToken("ghp_alice_org", { type: "classic", login: "alice", scopes: ["read:org"] });
    standIn.addToken("ghp_alice_repo", { type: "classic", login: "alice", scopes: ["repo"] });
    expect((await octokit("ghp_alice_org").request("GET /user/memberships/orgs/{org}", { org: "globex" })).data).toMatchObject({ role: "member", state: "active" });
    expect(await statusOf(octokit("ghp_alice_repo").request("GET /user/memberships/orgs/{org}", { org: "acme" }))).toBe(403);
    expect(await statusOf(octokit().request("GET /user/memberships/orgs/{org}", { org: "acme" }))).toBe(401);

    // Memberships change with addUser (the id stays): bob is no longer in acme.
    const bobId = (await octokit(bob).request("GET /user")).data.id;
    expect(standIn.addUser("bob", { orgs: {} }).id).toBe(bobId);
    expect(await statusOf(octokit(bob).request("GET /user/memberships/orgs/{org}", { org: "acme" }))).toBe(404);
    standIn.addUser("bob", { orgs: { acme: { role: "member" } }, teams: [{ team: "acme/platform", role: "maintainer" }, "acme/ops"] });
  });

  it("tells an organization member's user token a user's team membership (owners are maintainers) or 404", async () => {
    const alice = (await signIn("alice")).token;
    const team = (username: string, slug = "platform", token = alice) =>
      octokit(token).request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", { org: "acme", team_slug: slug, username });
    const own = await team("alice");
    expect(own.data).toMatchObject({ role: "maintainer", state: "active" });
    expect(own.data.url).toMatch(new RegExp(`^${standIn.apiUrl}/teams/\\d+/memberships/alice$`));
    expect((await team("bob")).data).toMatchObject({ role: "maintainer", state: "active" });
    expect((await team("BOB", "ops")).data).toMatchObject({ role: "member", state: "active" });
    expect((await team("carol")).data).toMatchObject({ role: "member", state: "pending" });
    expect(await statusOf(team("dave"))).toBe(404);
    expect(await statusOf(team("alice", "ops"))).toBe(404);
    expect(await statusOf(team("alice", "no-such-team"))).toBe(404);

    const bob = (await signIn("bob")).token;
    expect((await team("alice", "platform", bob)).data).toMatchObject({ role: "maintainer" });
    // The team must be visible to the caller: outsiders and pending members see nothing.
    expect(await statusOf(team("bob", "platform", (await signIn("dave")).token))).toBe(404);
    expect(await statusOf(team("bob", "platform", (await signIn("carol")).token))).toBe(404);
    expect(await statusOf(octokit().request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", { org: "acme", team_slug: "platform", username: "bob" }))).toBe(401);
  });

  it("reports each user's own permission on a repository through their user token, only where the app is installed", async () => {
    const permissionsOf = async (login: string, fullName = "acme/portal") => {
      const [owner = "", repo = ""] = fullName.split("/");
      const { data } = await octokit((await signIn(login)).token).request("GET /repos/{owner}/{repo}", { owner, repo });
      return data.permissions;
    };
    // alice owns the organization; bob maintains, dave triages, carol (a pending member) reads.
    expect(await permissionsOf("alice")).toEqual({ admin: true, maintain: true, push: true, triage: true, pull: true });
    expect(await permissionsOf("bob")).toEqual({ admin: false, maintain: true, push: true, triage: true, pull: true });
    expect(await permissionsOf("dave")).toEqual({ admin: false, maintain: false, push: false, triage: true, pull: true });
    expect(await permissionsOf("carol")).toEqual({ admin: false, maintain: false, push: false, triage: false, pull: true });
    expect(await statusOf(permissionsOf("eve"))).toBe(404);
    // The owner of octo-user/hello is admin on it (public: anyone's token reads it, as a reader).
    expect(await permissionsOf("octo-user", "octo-user/hello")).toMatchObject({ admin: true });
    expect(await permissionsOf("eve", "octo-user/hello")).toEqual({ admin: false, maintain: false, push: false, triage: false, pull: true });
    // acme/secret is not in the app's installation: alice, admin there as an organization owner, cannot reach it
    // through the app's token (only what both she and the app reach), but can with her own classic token.
    expect(await statusOf(permissionsOf("alice", "acme/secret"))).toBe(404);
    expect((await octokit("ghp_alice_repo").request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "secret" })).data.permissions).toMatchObject({ admin: true });
    // The content routes follow the same rule: dave (triage) reads the branches.
    expect(await statusOf(octokit((await signIn("dave")).token).request("GET /repos/{owner}/{repo}/branches", { owner: "acme", repo: "portal" }))).toBe(200);
  });

  it("checks addUser's input: known ids, real organizations, teams inside the user's organizations", () => {
    expect(() => standIn.addUser("frank", { id: 583231 })).toThrow(/already alice/);
    expect(() => standIn.addUser("frank", { orgs: { dave: { role: "member" } } })).toThrow(/is a user/);
    expect(() => standIn.addUser("frank", { orgs: { acme: { role: "member" } }, teams: ["globex/platform"] })).toThrow(/not in organization globex/);
    expect(() => standIn.addUser("frank", { teams: ["platform"] })).toThrow(/org\/team-slug/);
    expect(() => standIn.addUser("acme")).toThrow(/is an organization/);
    expect(() => standIn.addUser("-frank")).toThrow(/login/);
    expect(standIn.addUser("frank", { id: 42 }).id).toBe(42);
    expect(() => standIn.addUser("frank", { id: 43 })).toThrow(/already has id 42/);
  });
});

function signJwt(claims: Record<string, unknown>, pem: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(pem).toString("base64url")}`;
}
