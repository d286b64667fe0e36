// Propose changes from a connected workspace (issue 21, item 1) on a real host: Azurite tables and queues, the
// sync worker, real git behind the GitHub stand-in (Git Data API, pulls). A draft is edited through the API; the
// pull request's branch is fetched with git and its tree compared with the base commit plus the changeset, file
// by file; the workspace folder is compared with `git archive` of its commit before and after.
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { Octokit } from "@octokit/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readHostSettings } from "../local/host-json.js";
import type { ConnectionStatus, Draft, DraftCheck, DraftFileWritten, ProposeAnswer } from "../src/api-types.js";
import { connectPatWithRepoHook, removeRepoHooks, resetGitHubState } from "./support/github-app-fixtures.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { classicToken, fineGrainedToken } from "./support/pat-tokens.js";
import { archiveState, diffWorkspace, fetchedState, type FileState } from "./support/sync-fixtures.js";
import { createTempDir } from "./support/temp-dir.js";
import { startTestHost, swaPrincipalHeader, type TestHost } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";

const run = promisify(execFile);
const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };

let github: GitHubStandIn;
let scratch: { path: string; cleanup(): Promise<void> };
let host: TestHost | undefined;
let token: string | undefined;
let repo: StandInRepository;
let extraHeaders: Record<string, string> = {};

beforeAll(async () => {
  github = await startGitHubStandIn();
  scratch = await createTempDir("propose-");
});
afterAll(async () => {
  await github?.close();
  await scratch?.cleanup();
});
afterEach(async () => {
  if (token) await removeRepoHooks(github, repo.fullName, token);
  token = undefined;
  extraHeaders = {};
  await host?.close();
  host = undefined;
});

/** A fresh repository (c1) connected by a PAT with a webhook, synced; `env` for the host (AUTH_MODE…). */
async function startConnected(
  files: Record<string, string | { content: string; executable: boolean }>,
  env: Record<string, string> = {},
  collaborators: Record<string, "read" | "write"> = {},
): Promise<string> {
  repo = await github.createRepository(`octo-user/propose-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, { private: true, collaborators });
  const c1 = await repo.commit(files, { message: "c1" });
  host = await startTestHost({ env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl, ...env }, settings });
  await resetGitHubState(host);
  ({ token } = await connectPatWithRepoHook(host, github, repo.fullName));
  // The file's storage outlives each test's host: start every test with an empty draft.
  expect((await api("/api/drafts/mine", { method: "DELETE" })).status).toBe(204);
  await syncTo(c1);
  return c1;
}

const api = (p: string, init: RequestInit = {}) => host!.fetch(p, { ...init, headers: { ...extraHeaders, ...(init.headers as Record<string, string>) } });
const status = async (): Promise<ConnectionStatus> => (await api("/api/github/connection")).json() as Promise<ConnectionStatus>;
const putDraft = (p: string, content: string, headers: Record<string, string> = {}) => api(`/api/drafts/mine/files/${p}`, { method: "PUT", body: content, headers });
const deleteDraft = (p: string) => api(`/api/drafts/mine/files/${p}`, { method: "DELETE" });
const moveDraft = (from: string, to: string) => api("/api/drafts/mine/moves", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ from, to }) });
const readDraft = async (): Promise<Draft> => (await api("/api/drafts/mine")).json() as Promise<Draft>;
const check = async (): Promise<DraftCheck> => (await api("/api/drafts/mine/check")).json() as Promise<DraftCheck>;
const propose = (title: string, body = "") => api("/api/drafts/mine/pull-request", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title, body }) });

async function syncTo(sha: string): Promise<void> {
  await api("/api/github/sync", { method: "POST" });
  await waitFor(`the workspace at ${sha.slice(0, 7)}`, async () => {
    const now = await status();
    return now.appliedSha === sha && now.state === "Ready" ? now : undefined;
  }, { timeoutInMs: 60_000 });
}

async function expectWorkspaceAt(sha: string): Promise<void> {
  expect(await diffWorkspace(host!.workspaceDir, await archiveState(repo, sha, scratch.path))).toEqual([]);
}

const fetchedTree = (ref: string) => fetchedState(repo, ref, scratch.path);

function expectSameFiles(actual: Map<string, FileState>, expected: Map<string, FileState>): void {
  const render = (m: Map<string, FileState>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, f]) => [p, `${f.executable ? "x " : ""}${f.content.toString("utf8")}`]));
  expect(render(actual)).toEqual(render(expected));
}

const base = {
  "README.md": "# site\n",
  "flows/hello.ts": "export default () => 'v1';\n",
  "lib/greet.ts": "export const greet = (n: string) => `hi ${n}`;\n",
  "bin/tool.sh": { content: "#!/bin/sh\necho v1\n", executable: true },
  "docs/old.md": "old\n",
};

describe("propose changes as a pull request", () => {
  it("keeps edits in the draft, never in the workspace, and opens a pull request whose tree is the base plus the changeset exactly", async () => {
    const c1 = await startConnected(base);
    // The workspace is read-only while connected; the draft is where edits go.
    expect((await api("/api/workspace/files/flows/hello.ts", { method: "PUT", body: "x" })).status).toBe(409);

    const edited = await putDraft("flows/hello.ts", "export default () => 'v2';\n");
    expect(edited.status).toBe(200);
    const editedChange = ((await edited.json()) as DraftFileWritten).change;
    expect(editedChange).toMatchObject({ path: "flows/hello.ts", kind: "modified", size: 27 });
    expect(editedChange.baseBlobSha).toMatch(/^[0-9a-f]{40}$/);
    expect((await putDraft("flows/new.ts", "export default () => 'new';\n")).status).toBe(200);
    expect((await putDraft("bin/tool.sh", "#!/bin/sh\necho v2\n")).status).toBe(200);
    expect((await deleteDraft("docs/old.md")).status).toBe(200);
    expect((await moveDraft("lib/greet.ts", "lib/greeting.ts")).status).toBe(200);
    // An edit back to the workspace's bytes leaves no change for that path.
    expect((await putDraft("README.md", "# changed\n")).status).toBe(200);
    expect((await putDraft("README.md", "# site\n")).status).toBe(204);

    const draft = await readDraft();
    expect(draft.changes.map((c) => [c.path, c.kind, c.renamedFrom ?? ""])).toEqual([
      ["bin/tool.sh", "modified", ""],
      ["docs/old.md", "deleted", ""],
      ["flows/hello.ts", "modified", ""],
      ["flows/new.ts", "added", ""],
      ["lib/greet.ts", "deleted", ""],
      ["lib/greeting.ts", "added", "lib/greet.ts"],
    ]);
    expect(draft.baseSha).toBe(c1);
    expect(await (await api("/api/drafts/mine/files/flows/hello.ts")).text()).toBe("export default () => 'v2';\n");
    expect((await api("/api/drafts/mine/files/docs/old.md")).status).toBe(404);
    await expectWorkspaceAt(c1);

    const checked = await check();
    expect(checked).toMatchObject({ repository: repo.fullName, branch: "main", baseSha: c1, headSha: c1, conflicts: [], author: "pat", canPropose: true });

    const opened = await propose("Say v2", "Because v1 was wrong.");
    expect(opened.status).toBe(201);
    const answer = (await opened.json()) as ProposeAnswer & { kind: "opened" };
    expect(answer).toMatchObject({ kind: "opened", number: expect.any(Number), title: "Say v2", baseSha: c1, author: "pat" });
    expect(answer.url).toBe(`${github.webUrl}/${repo.fullName}/pull/${answer.number}`);
    expect(answer.branch).toMatch(/^funcspace\/local-developer\/\d{8}-\d{6}$/);

    // The branch, fetched with git: c1's files plus the changeset, modes kept, nothing else.
    const expected = await archiveState(repo, c1, scratch.path);
    expected.set("flows/hello.ts", { content: Buffer.from("export default () => 'v2';\n"), executable: false } as FileState);
    expected.set("flows/new.ts", { content: Buffer.from("export default () => 'new';\n"), executable: false } as FileState);
    expected.set("bin/tool.sh", { content: Buffer.from("#!/bin/sh\necho v2\n"), executable: true } as FileState);
    expected.set("lib/greeting.ts", expected.get("lib/greet.ts")!);
    expected.delete("lib/greet.ts");
    expected.delete("docs/old.md");
    expectSameFiles(await fetchedTree(`refs/heads/${answer.branch}`), expected);
    // One commit, on c1, naming who proposed it.
    const parents = (await run("git", ["-C", repo.bareDir, "rev-list", "--parents", "-n", "1", answer.commitSha])).stdout.trim().split(" ");
    expect(parents).toEqual([answer.commitSha, c1]);
    const message = (await run("git", ["-C", repo.bareDir, "log", "-1", "--format=%B", answer.commitSha])).stdout;
    expect(message).toContain("Say v2\n\nBecause v1 was wrong.");
    expect(message).toMatch(/\nProposed-by: local developer \(funcspace\)\n?$/);

    // The pull request, as GitHub lists it.
    const [owner = "", name = ""] = repo.fullName.split("/");
    const octokit = new Octokit({ auth: token, baseUrl: github.apiUrl });
    const { data: pull } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo: name, pull_number: answer.number });
    expect(pull).toMatchObject({ title: "Say v2", state: "open", head: { ref: answer.branch, sha: answer.commitSha }, base: { ref: "main" } });
    expect(pull.body).toContain("Because v1 was wrong.");
    expect(pull.body).toContain("Proposed from funcspace by local developer.");

    // The draft is empty and remembers the pull request; the workspace never moved.
    const after = await readDraft();
    expect(after.changes).toEqual([]);
    expect(after.lastProposal).toMatchObject({ number: answer.number, url: answer.url, branch: answer.branch });
    await expectWorkspaceAt(c1);
    expect((await status()).appliedSha).toBe(c1);
  });

  it("shows a file changed upstream as a conflict before creating anything, and one changed in the workspace after a sync", async () => {
    const c1 = await startConnected(base);
    // Webhooks off for this push: the workspace stays at c1 while the branch moves on.
    github.faults.loseWebhooks({ count: 1, event: "push" });
    expect((await putDraft("flows/hello.ts", "export default () => 'mine';\n")).status).toBe(200);
    expect((await putDraft("lib/greet.ts", "export const greet = () => 'mine';\n")).status).toBe(200);
    const c2 = await repo.commit({ "flows/hello.ts": "export default () => 'theirs';\n" }, { message: "theirs" });
    const refsBefore = (await run("git", ["-C", repo.bareDir, "for-each-ref", "--format=%(refname)"])).stdout;

    const checked = await check();
    expect(checked).toMatchObject({ baseSha: c1, headSha: c2, canPropose: false });
    expect(checked.conflicts).toEqual([
      { path: "flows/hello.ts", reason: "changed_upstream", message: expect.stringContaining(`"flows/hello.ts" was changed on main (now at ${c2.slice(0, 7)})`) },
    ]);
    const refused = await propose("Mine");
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: "draft_conflicts", conflicts: [{ path: "flows/hello.ts", reason: "changed_upstream" }] });
    expect((await run("git", ["-C", repo.bareDir, "for-each-ref", "--format=%(refname)"])).stdout).toBe(refsBefore);

    // The workspace syncs c2: the draft's version of hello.ts started from c1's, now gone from the workspace too.
    await syncTo(c2);
    const afterSync = await check();
    expect(afterSync.conflicts).toEqual([{ path: "flows/hello.ts", reason: "changed_in_workspace", message: expect.stringContaining("in the workspace") }]);
    // Reverting that change leaves a draft that can be proposed.
    expect((await api("/api/drafts/mine/changes/flows/hello.ts", { method: "DELETE" })).status).toBe(204);
    expect(await check()).toMatchObject({ conflicts: [], canPropose: true, baseSha: c2, headSha: c2 });
    const opened = await propose("Only greet");
    expect(opened.status).toBe(201);
    const { branch } = (await opened.json()) as { branch: string };
    const tree = await fetchedTree(`refs/heads/${branch}`);
    expect(tree.get("flows/hello.ts")?.content.toString()).toBe("export default () => 'theirs';\n");
    expect(tree.get("lib/greet.ts")?.content.toString()).toBe("export const greet = () => 'mine';\n");
    await expectWorkspaceAt(c2);
  });

  it("says clearly that a PAT that can only read cannot propose, and creates nothing", async () => {
    github.addUser("reed");
    await startConnected(base, {}, { reed: "read" });
    expect((await putDraft("flows/hello.ts", "export default () => 'v2';\n")).status).toBe(200);
    const record = (await host!.services.connections.get())!.record;
    const refsBefore = (await run("git", ["-C", repo.bareDir, "for-each-ref", "--format=%(refname)"])).stdout;

    // A fine-grained token with Contents: read only: GitHub refuses the first write (403).
    const readOnly = fineGrainedToken();
    github.addToken(readOnly, { type: "fine-grained", repositories: [repo.fullName], permissions: { contents: "read", metadata: "read" } });
    await host!.services.secrets.set(record.tokenSecretName!, readOnly);
    const refused = await propose("v2");
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe("read_only_token");
    expect(body.message).toContain(`can only read ${repo.fullName}`);
    expect(body.message).toContain("Contents: Read and write");

    // A classic token of someone with read access only: the check says so before anything is tried.
    const reader = classicToken();
    github.addToken(reader, { type: "classic", scopes: ["repo"], login: "reed" });
    await host!.services.secrets.set(record.tokenSecretName!, reader);
    const checked = await check();
    expect(checked).toMatchObject({ canPropose: false, author: "pat" });
    expect(checked.reason).toContain("can only read");
    const alsoRefused = await propose("v2");
    expect(alsoRefused.status).toBe(409);
    expect(await alsoRefused.json()).toMatchObject({ error: "read_only_token" });
    expect((await run("git", ["-C", repo.bareDir, "for-each-ref", "--format=%(refname)"])).stdout).toBe(refsBefore);
    // The draft is kept for when the token is fixed.
    expect((await readDraft()).changes.map((c) => c.path)).toEqual(["flows/hello.ts"]);
  });
});

describe("run the draft before proposing it", () => {
  it("runs the draft's code for a draft run while a normal run keeps the workspace's, and lists the draft's workflows", async () => {
    const workflow = (greeting: string) =>
      `import { defineWorkflow } from "funcspace";\nimport { greet } from "../lib/greet.ts";\nexport default defineWorkflow({ name: "hello", async run() { return greet("${greeting}"); } });\n`;
    const c1 = await startConnected({ "flows/hello.ts": workflow("v1"), "lib/greet.ts": "export const greet = (s: string) => `workspace ${s}`;\n" });
    expect((await putDraft("lib/greet.ts", "export const greet = (s: string) => `draft ${s}`;\n")).status).toBe(200);
    expect((await putDraft("flows/bye.ts", `import { defineWorkflow } from "funcspace";\nexport default defineWorkflow({ name: "bye", run: () => "bye from the draft" });\n`)).status).toBe(200);

    const draftRun = await api("/api/drafts/mine/runs/hello", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ params: {} }) });
    expect(draftRun.status).toBe(200);
    expect(await draftRun.json()).toMatchObject({ status: "succeeded", output: "draft v1", draft: { owner: "local developer", changes: 2 } });
    const normalRun = await api("/api/workflows/hello/runs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ params: {} }) });
    const normal = (await normalRun.json()) as { status: string; output: string; draft?: unknown };
    expect(normal).toMatchObject({ status: "succeeded", output: "workspace v1" });
    expect(normal.draft).toBeUndefined();
    // A workflow only the draft has: listed in the draft's view and runnable there, unknown to the workspace.
    const draftList = (await (await api("/api/drafts/mine/workflows")).json()) as { workflows: { name: string }[] };
    expect(draftList.workflows.map((w) => w.name).sort()).toEqual(["bye", "hello"]);
    const workspaceList = (await (await api("/api/workflows")).json()) as { workflows: { name: string }[] };
    expect(workspaceList.workflows.map((w) => w.name)).toEqual(["hello"]);
    expect(await (await api("/api/drafts/mine/runs/bye", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()).toMatchObject({ output: "bye from the draft" });
    expect((await api("/api/workflows/bye/runs", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(404);
    await expectWorkspaceAt(c1);
  });
});

describe("draft rules", () => {
  it("refuses bad paths, case twins, oversized files and lost updates with a clear error, and keeps drafts per person", async () => {
    const alice = { "x-ms-client-principal": swaPrincipalHeader(["admin"], "alice") };
    const bob = { "x-ms-client-principal": swaPrincipalHeader(["admin"], "bob") };
    extraHeaders = alice;
    await startConnected(base, { AUTH_MODE: "swa" });

    const escape = await putDraft("..%2Fescape.ts", "x");
    expect([400, 404]).toContain(escape.status);
    const illegal = await putDraft("flows/a:b.ts", "x");
    expect(illegal.status).toBe(400);
    expect((await putDraft(".funcspace-tmp-x", "x")).status).toBe(400);
    // readme.md beside README.md: one name on Azure Files.
    const twin = await putDraft("readme.md", "x");
    expect(twin.status).toBe(409);
    expect(await twin.json()).toMatchObject({ error: "case_conflict", existing: "README.md" });
    expect((await putDraft("notes/Todo.md", "a")).status).toBe(200);
    const draftTwin = await putDraft("Notes/x.md", "b");
    expect(draftTwin.status).toBe(409);
    expect(await draftTwin.json()).toMatchObject({ error: "case_conflict", existing: "notes/Todo.md" });
    // A folder is not a file.
    expect(await (await putDraft("flows", "x")).json()).toMatchObject({ error: "not_a_file" });
    // Too large for a draft: 413, nothing recorded.
    const big = await putDraft("big.bin", "x".repeat(1024 * 1024));
    expect(big.status).toBe(413);
    expect((await readDraft()).changes.map((c) => c.path)).toEqual(["notes/Todo.md"]);

    // If-Match: a stale version is refused, the newer content kept.
    const first = ((await (await putDraft("flows/hello.ts", "one\n")).json()) as DraftFileWritten).change;
    expect((await putDraft("flows/hello.ts", "two\n", { "if-match": first.etag })).status).toBe(200);
    const stale = await putDraft("flows/hello.ts", "three\n", { "if-match": first.etag });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: "draft_changed" });
    expect(await (await api("/api/drafts/mine/files/flows/hello.ts")).text()).toBe("two\n");

    // Deleting a file the draft added forgets it; a file only in the workspace becomes a deletion.
    expect(await (await deleteDraft("notes/Todo.md")).json()).toEqual({});
    expect((await deleteDraft("nowhere.ts")).status).toBe(404);

    // Bob's draft is his own.
    extraHeaders = bob;
    expect((await readDraft()).changes).toEqual([]);
    expect((await api("/api/drafts/mine/files/flows/hello.ts")).status).toBe(404);
    extraHeaders = alice;
    expect((await readDraft()).changes.map((c) => c.path)).toEqual(["flows/hello.ts"]);
    // An operator has no draft at all.
    extraHeaders = { "x-ms-client-principal": swaPrincipalHeader(["operator"], "olly") };
    expect((await readDraft() as unknown as { error: string }).error).toBe("forbidden");
    extraHeaders = alice;
    // Discarding empties it.
    expect((await api("/api/drafts/mine", { method: "DELETE" })).status).toBe(204);
    expect((await readDraft()).changes).toEqual([]);
    // The workspace never changed.
    await mkdir(scratch.path, { recursive: true });
    expect(await readFile(path.join(host!.workspaceDir, "flows/hello.ts"), "utf8")).toBe("export default () => 'v1';\n");
  });

  it("has no draft on a workspace that is not connected", async () => {
    host = await startTestHost({ enableQueues: false });
    await resetGitHubState(host);
    await writeFile(path.join(host.workspaceDir, "a.ts"), "x");
    const refused = await putDraft("a.ts", "y");
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: "not_connected" });
  });
});
