// The stand-in's pull request checks (issue 22, item 5): check runs and their annotations, commit statuses, and
// the `pull_request`, `check_run` and `check_suite` webhooks, through real Octokit, a real GitHub App installation
// token and real HTTP receivers that verify each delivery's signature.
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import { request } from "@octokit/request";
import type { RequestError } from "@octokit/request-error";
import { requestFailure } from "./support/request-failure.js";
import { verify } from "@octokit/webhooks-methods";
import { startWebhookReceiver, type ReceivedDelivery, type WebhookReceiver } from "./support/webhook-receiver.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn, type StandInApp, type StandInRepository } from "./support/github-stand-in/index.js";

type Received = ReceivedDelivery;
type Receiver = WebhookReceiver;
const startReceiver = () => startWebhookReceiver({ status: 204 });

type Payload = Record<string, unknown> & { action?: string };

/** The deliveries of one event (and action) a receiver got, raw and parsed. */
function eventsOf(receiver: Receiver, event: string, action?: string): { raw: Received; payload: Payload }[] {
  return receiver.received
    .filter((r) => r.headers["x-github-event"] === event)
    .map((raw) => ({ raw, payload: JSON.parse(raw.body) as Payload }))
    .filter((e) => action === undefined || e.payload.action === action);
}

const failure = requestFailure;

/** GitHub's error body (Octokit's message appends the documentation URL). */
const bodyOf = (error: RequestError) => error.response?.data as { message?: string; errors?: unknown[]; documentation_url?: string };

const o = { owner: "octo-user", repo: "site" };
const full = "octo-user/site";
let standIn: GitHubStandIn;
let repo: StandInRepository;
let mainSha: string;
let app: StandInApp;
let appToken: string;
let otherAppToken: string;
let readOnlyAppToken: string;
let appHook: Receiver;
let repoHook: Receiver;
const repoHookSecret = "repo-hook-secret";
const octokit = (token?: string) => new Octokit({ baseUrl: standIn.apiUrl, ...(token ? { auth: token } : {}) });

async function installationToken(target: StandInApp): Promise<string> {
  const installation = await standIn.createInstallation(target.id, { account: "octo-user", repositories: ["site"] });
  const auth = createAppAuth({ appId: target.id, privateKey: target.pem, request: request.defaults({ baseUrl: standIn.apiUrl }) });
  return ((await auth({ type: "installation", installationId: installation.id })) as { token: string }).token;
}

beforeAll(async () => {
  standIn = await startGitHubStandIn();
  appHook = await startReceiver();
  repoHook = await startReceiver();
  repo = await standIn.createRepository(full, { private: true, collaborators: { writer: "write", reader: "read" } });
  mainSha = await repo.commit({ "README.md": "# site\n", "src/app.ts": "export const x = 1;\n" });
  standIn.addToken("ghp_owner", { type: "classic", scopes: ["repo", "admin:repo_hook"] });
  standIn.addToken("ghp_writer", { type: "classic", login: "writer", scopes: ["repo"] });
  standIn.addToken("ghp_writer_status_only", { type: "classic", login: "writer", scopes: ["repo:status"] });
  standIn.addToken("ghp_writer_no_scope", { type: "classic", login: "writer", scopes: ["read:org"] });
  standIn.addToken("ghp_reader", { type: "classic", login: "reader", scopes: ["repo"] });
  standIn.addToken("ghp_stranger", { type: "classic", login: "stranger", scopes: ["repo"] });
  standIn.addToken("github_pat_statuses", { type: "fine-grained", repositories: [full], permissions: { statuses: "write" } });
  standIn.addToken("github_pat_statuses_read", { type: "fine-grained", repositories: [full], permissions: { statuses: "read" } });
  standIn.addToken("github_pat_contents", { type: "fine-grained", repositories: [full], permissions: { contents: "write" } });
  // The App funcspace would be: checks and statuses to report, pull requests to hear about.
  app = await standIn.createApp({
    name: "Funcspace Checks",
    webhookUrl: appHook.url,
    permissions: { contents: "read", checks: "write", statuses: "write", pull_requests: "read" },
    events: ["push", "pull_request"],
  });
  appToken = await installationToken(app);
  otherAppToken = await installationToken(await standIn.createApp({ name: "Other CI", permissions: { checks: "write" } }));
  readOnlyAppToken = await installationToken(await standIn.createApp({ name: "Checks Reader", permissions: { checks: "read" } }));
  await octokit("ghp_owner").request("POST /repos/{owner}/{repo}/hooks", {
    ...o,
    config: { url: repoHook.url, content_type: "json", secret: repoHookSecret },
    events: ["pull_request", "check_run", "check_suite"],
  });
  await standIn.settleDeliveries();
}, 120_000);

afterAll(async () => {
  await standIn?.close();
  await appHook?.close();
  await repoHook?.close();
});

describe("check runs", () => {
  it("are created, updated, read and listed by a GitHub App, one suite per app and commit", async () => {
    const client = octokit(appToken);
    const created = await client.request("POST /repos/{owner}/{repo}/check-runs", {
      ...o,
      name: "funcspace",
      head_sha: mainSha,
      status: "in_progress",
      external_id: "job-1",
      output: { title: "Checking workflows", summary: "Running…" },
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      name: "funcspace",
      head_sha: mainSha,
      status: "in_progress",
      conclusion: null,
      external_id: "job-1",
      completed_at: null,
      url: `${standIn.apiUrl}/repos/${full}/check-runs/${created.data.id}`,
      html_url: `${standIn.webUrl}/${full}/runs/${created.data.id}`,
      output: { title: "Checking workflows", summary: "Running…", text: null, annotations_count: 0, annotations_url: `${standIn.apiUrl}/repos/${full}/check-runs/${created.data.id}/annotations` },
      app: { id: app.id, slug: "funcspace-checks", owner: { login: "octo-user" } },
      pull_requests: [],
    });
    expect(Date.parse(created.data.started_at ?? "")).toBeGreaterThan(Date.now() - 60_000);
    // "If the integrator does not provide this, then the homepage of the GitHub app is used."
    expect(created.data.details_url).toBe(`${standIn.webUrl}/funcspace-checks`);
    const suiteId = created.data.check_suite?.id;
    expect(suiteId).toBeGreaterThan(0);

    const updated = await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      ...o,
      check_run_id: created.data.id,
      conclusion: "failure",
      details_url: "https://funcspace.example/runs/1",
      output: {
        title: "1 workflow has an error",
        summary: "## Results\n\n- `flows/a.ts`: type error",
        text: "Details",
        annotations: [{ path: "flows/a.ts", start_line: 3, end_line: 3, start_column: 5, end_column: 9, annotation_level: "failure", message: "Type error", title: "tsc" }],
      },
    });
    expect(updated.status).toBe(200);
    // "Providing `conclusion` will automatically set the `status` parameter to `completed`."
    expect(updated.data).toMatchObject({ status: "completed", conclusion: "failure", details_url: "https://funcspace.example/runs/1", output: { title: "1 workflow has an error", text: "Details", annotations_count: 1 } });
    expect(updated.data.completed_at).not.toBeNull();
    const read = await octokit("ghp_reader").request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: created.data.id });
    expect(read.data).toEqual(updated.data);
    const [annotation] = (await octokit("ghp_reader").request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", { ...o, check_run_id: created.data.id })).data;
    expect(annotation).toEqual({
      path: "flows/a.ts",
      start_line: 3,
      end_line: 3,
      start_column: 5,
      end_column: 9,
      annotation_level: "failure",
      title: "tsc",
      message: "Type error",
      raw_details: null,
      blob_href: `${standIn.webUrl}/${full}/blob/${mainSha}/flows/a.ts`,
    });

    // A second run of the same name on the same commit: same suite; `filter=latest` (the default) shows the newest.
    const again = await client.request("POST /repos/{owner}/{repo}/check-runs", { ...o, name: "funcspace", head_sha: mainSha, status: "queued" });
    const lint = await client.request("POST /repos/{owner}/{repo}/check-runs", { ...o, name: "lint", head_sha: mainSha, conclusion: "success", output: { title: "ok", summary: "ok" } });
    expect(again.data.check_suite?.id).toBe(suiteId);
    expect(lint.data.status).toBe("completed");
    const list = (query: Record<string, string | number>) => octokit("ghp_reader").request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { ...o, ref: "main", ...query } as never);
    const latest = await list({});
    expect(latest.data.total_count).toBe(2);
    expect(latest.data.check_runs.map((r) => r.id)).toEqual([lint.data.id, again.data.id]);
    expect((await list({ filter: "all" })).data.check_runs.map((r) => r.id)).toEqual([lint.data.id, again.data.id, created.data.id]);
    expect((await list({ filter: "all", check_name: "funcspace" })).data.check_runs.map((r) => r.id)).toEqual([again.data.id, created.data.id]);
    expect((await list({ filter: "all", status: "completed" })).data.check_runs.map((r) => r.id)).toEqual([lint.data.id, created.data.id]);
    const paged = await list({ filter: "all", per_page: 1, page: 2 });
    expect(paged.data).toMatchObject({ total_count: 3, check_runs: [{ id: again.data.id }] });
    expect(paged.headers.link).toContain('rel="next"');
    expect(paged.headers.link).toContain('rel="prev"');
    // By SHA too, and nothing for another commit's runs.
    expect((await list({ ref: mainSha })).data.total_count).toBe(2);
    const suite = await octokit("ghp_reader").request("GET /repos/{owner}/{repo}/check-suites/{check_suite_id}", { ...o, check_suite_id: suiteId ?? 0 });
    expect(suite.data).toMatchObject({ id: suiteId, head_sha: mainSha, head_branch: "main", status: "queued", conclusion: null, app: { id: app.id }, latest_check_runs_count: 2 });
    await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: again.data.id, conclusion: "success" });
    const done = await octokit("ghp_reader").request("GET /repos/{owner}/{repo}/check-suites/{check_suite_id}", { ...o, check_suite_id: suiteId ?? 0 });
    // The suite completes with its runs' most severe conclusion.
    expect(done.data).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("answers GitHub's 422s for bodies outside the schema, a commit the repository lacks, and stale", async () => {
    const client = octokit(appToken);
    const create = (body: Record<string, unknown>) => failure(client.request("POST /repos/{owner}/{repo}/check-runs", { ...o, ...body } as never));
    const missing = await create({ status: "queued" });
    expect(missing.status).toBe(422);
    expect(bodyOf(missing)).toMatchObject({ message: 'Invalid request.\n\n"head_sha", "name" weren\'t supplied.', documentation_url: "https://docs.github.com/rest/checks/runs#create-a-check-run" });
    // "Required if you provide … a `status` of `completed`", in GitHub's words.
    expect(bodyOf(await create({ name: "x", head_sha: mainSha, status: "completed" })).message).toBe(
      'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.\ncompleted is not a member of ["queued", "in_progress"].',
    );
    expect(bodyOf(await create({ name: "x", head_sha: mainSha, conclusion: "stale" })).message).toBe(
      'Invalid request.\n\nstale is not a member of ["success", "failure", "neutral", "cancelled", "timed_out", "action_required", "skipped"].',
    );
    expect(bodyOf(await create({ name: "x", head_sha: mainSha, started_at: "yesterday" })).message).toBe("Invalid request.\n\nyesterday is not a valid date-time.");
    expect(bodyOf(await create({ name: "x", head_sha: mainSha, output: { summary: "no title" } })).message).toBe('Invalid request.\n\n"title" wasn\'t supplied.');
    const unknown = "0123456789abcdef0123456789abcdef01234567";
    const noCommit = await create({ name: "x", head_sha: unknown });
    expect(noCommit.status).toBe(422);
    expect(bodyOf(noCommit).message).toBe(`No commit found for SHA: ${unknown}`);
    expect(standIn.checkRuns(full).some((r) => r.name === "x")).toBe(false);
    expect((await failure(client.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: 999_999_999 }))).status).toBe(404);
  });

  it("takes at most 50 annotations a request, appends them across updates, and checks each one", async () => {
    const client = octokit(appToken);
    const annotations = (count: number, from = 0) =>
      Array.from({ length: count }, (_, i) => ({ path: `flows/f${from + i}.ts`, start_line: from + i + 1, end_line: from + i + 1, annotation_level: "warning" as const, message: `warning ${from + i}` }));
    const created = await client.request("POST /repos/{owner}/{repo}/check-runs", { ...o, name: "annotated", head_sha: mainSha, output: { title: "t", summary: "s", annotations: annotations(50) } });
    expect(created.data.output.annotations_count).toBe(50);
    const update = (output: Record<string, unknown>) => client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: created.data.id, output: { title: "t", summary: "s", ...output } } as never);

    const tooMany = await failure(update({ annotations: annotations(51, 50) }));
    expect(tooMany.status).toBe(422);
    expect(bodyOf(tooMany)).toMatchObject({ message: "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.", documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run" });
    const afterRefusal = await octokit(appToken).request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: created.data.id });
    expect(afterRefusal.data.output.annotations_count).toBe(50);

    const appended = (await update({ annotations: annotations(30, 50) })) as unknown as { data: { output: { annotations_count: number } } };
    expect(appended.data.output.annotations_count).toBe(80);
    const listAnnotations = (page: number, perPage: number) =>
      octokit(appToken).request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", { ...o, check_run_id: created.data.id, page, per_page: perPage });
    const all = await listAnnotations(1, 100);
    expect(all.data.map((a) => a.message)).toEqual(Array.from({ length: 80 }, (_, i) => `warning ${i}`));
    const firstPage = await listAnnotations(1, 30);
    expect(firstPage.data).toHaveLength(30);
    expect(firstPage.headers.link).toContain(`page=3>; rel="last"`);
    expect((await listAnnotations(3, 30)).data.map((a) => a.message)).toEqual(Array.from({ length: 20 }, (_, i) => `warning ${60 + i}`));

    // Each annotation needs path, start_line, end_line, annotation_level and message.
    const incomplete = await failure(update({ annotations: [{ start_line: 1, end_line: 1, message: "m" }, { path: "a", start_line: 1, end_line: 1, annotation_level: "notice", message: "fine" }] }));
    expect(bodyOf(incomplete).message).toBe('Invalid request.\n\n"annotation_level", "path" weren\'t supplied.');
    const badLevel = await failure(update({ annotations: [{ path: "a", start_line: 1, end_line: 1, annotation_level: "error", message: "m" }] }));
    expect(bodyOf(badLevel).message).toBe('Invalid request.\n\nerror is not a member of ["notice", "warning", "failure"].');
    const badLine = await failure(update({ annotations: [{ path: "a", start_line: "one", end_line: 1, annotation_level: "notice", message: "m" }] }));
    expect(bodyOf(badLine).message).toBe(`Invalid request.\n\nFor 'properties/start_line', "one" is not an integer.`);
    // Past the schema, GitHub's own check: line numbers start at 1, columns only on one line.
    for (const wrong of [
      { path: "a", start_line: 0, end_line: 0, annotation_level: "notice", message: "m" },
      { path: "a", start_line: 2, end_line: 4, start_column: 1, end_column: 3, annotation_level: "notice", message: "m" },
    ]) {
      const refused = await failure(update({ annotations: [wrong] }));
      expect(bodyOf(refused)).toMatchObject({ message: "Validation Failed", errors: [{ resource: "CheckRun", code: "invalid", field: "annotations" }] });
    }
    expect(standIn.checkRuns(full).find((r) => r.id === created.data.id)?.annotations).toHaveLength(80);
  });

  it("holds summary and text to 65535 characters and 65535 bytes", async () => {
    const client = octokit(appToken);
    const create = (output: Record<string, unknown>) => client.request("POST /repos/{owner}/{repo}/check-runs", { ...o, name: "long", head_sha: mainSha, output: { title: "t", ...output } } as never);
    const atLimit = (await create({ summary: "a".repeat(65535), text: "b".repeat(65535) })) as unknown as { status: number };
    expect(atLimit.status).toBe(201);
    expect(bodyOf(await failure(create({ summary: "a".repeat(65536) }))).message).toBe("Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.");
    expect(bodyOf(await failure(create({ summary: "s", text: "b".repeat(70000) }))).message).toBe("Invalid request.\n\nOnly 65535 characters are allowed; 70000 were supplied.");
    // Characters, then bytes: 40,000 "é" are 80,000 bytes.
    const bytes = await failure(create({ summary: "é".repeat(40000) }));
    expect(bodyOf(bytes)).toMatchObject({ message: "Validation Failed", errors: [{ resource: "CheckRun", code: "custom", field: "summary", message: "summary exceeds a maximum bytesize of 65535" }] });
  });

  it("lets only a GitHub App with checks: write create or change check runs", async () => {
    const [run] = standIn.checkRuns(full);
    if (!run) throw new Error("no check run yet");
    const create = (token: string) => failure(octokit(token).request("POST /repos/{owner}/{repo}/check-runs", { ...o, name: "pat", head_sha: mainSha }));
    for (const token of ["ghp_owner", "ghp_writer", "github_pat_contents"]) {
      const refused = await create(token);
      expect(refused.status, token).toBe(403);
      expect(bodyOf(refused).message, token).toBe("You must authenticate via a GitHub App.");
    }
    const patch = await failure(octokit("ghp_owner").request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: run.id, conclusion: "success" }));
    expect([patch.status, bodyOf(patch).message]).toEqual([403, "You must authenticate via a GitHub App."]);
    // Who cannot see the private repository is told nothing.
    expect((await create("ghp_stranger")).status).toBe(404);
    const readOnly = await create(readOnlyAppToken);
    expect(readOnly.status).toBe(403);
    expect(bodyOf(readOnly).message).toBe("Resource not accessible by integration");
    expect(readOnly.response?.headers["x-accepted-github-permissions"]).toBe("checks=write");
    // Another app may not touch this app's check run.
    const foreign = await failure(octokit(otherAppToken).request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: run.id, conclusion: "success" }));
    expect(foreign.status).toBe(403);
    expect(bodyOf(foreign).message).toBe(`Invalid app_id \`${app.id}\` - check run can only be modified by the GitHub App that created it.`);
    expect(standIn.checkRuns(full).find((r) => r.id === run.id)?.conclusion).toBe(run.conclusion);
    // Reading: `checks: read` for an app, `repo` for a classic token; fine-grained tokens have no checks permission.
    expect((await octokit(readOnlyAppToken).request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: run.id })).status).toBe(200);
    const fineGrained = await failure(octokit("github_pat_contents").request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: run.id }));
    expect([fineGrained.status, fineGrained.response?.headers["x-accepted-github-permissions"]]).toEqual([403, "checks=read"]);
  });
});

describe("commit statuses", () => {
  const post = (token: string, body: Record<string, unknown>, sha = mainSha) =>
    octokit(token).request("POST /repos/{owner}/{repo}/statuses/{sha}", { ...o, sha, ...body } as never) as unknown as Promise<{ status: number; headers: Record<string, unknown>; data: Record<string, unknown> }>;

  it("are created with push access: classic repo or repo:status, fine-grained or App statuses: write", async () => {
    const created = await post("ghp_writer", { state: "pending", context: "funcspace", description: "Checking workflows", target_url: "https://funcspace.example/runs/1" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      state: "pending",
      context: "funcspace",
      description: "Checking workflows",
      target_url: "https://funcspace.example/runs/1",
      url: `${standIn.apiUrl}/repos/${full}/statuses/${mainSha}`,
      creator: { login: "writer", type: "User" },
    });
    expect(created.headers.location).toBe(`${standIn.apiUrl}/repos/${full}/statuses/${mainSha}`);
    expect((await post("ghp_writer_status_only", { state: "success", context: "scoped" })).data).toMatchObject({ state: "success", context: "scoped", description: null, target_url: null });
    expect((await post("github_pat_statuses", { state: "success" })).data).toMatchObject({ context: "default" });
    expect((await post(appToken, { state: "error", context: "app" })).data).toMatchObject({ creator: { login: "funcspace-checks[bot]", type: "Bot" } });

    // Read access, a token without a status scope, or no access at all: 404, as GitHub hides writes.
    for (const token of ["ghp_reader", "ghp_writer_no_scope", "ghp_stranger"]) {
      expect((await failure(post(token, { state: "success" }))).status, token).toBe(404);
    }
    for (const token of ["github_pat_contents", "github_pat_statuses_read"]) {
      const refused = await failure(post(token, { state: "success" }));
      expect([refused.status, bodyOf(refused).message, refused.response?.headers["x-accepted-github-permissions"]], token).toEqual([403, "Resource not accessible by personal access token", "statuses=write"]);
    }
    expect(standIn.commitStatuses(full).map((s) => s.context)).toEqual(["funcspace", "scoped", "default", "app"]);
  });

  it("answers GitHub's 422s", async () => {
    const long = await failure(post("ghp_writer", { state: "success", description: "x".repeat(141) }));
    expect(long.status).toBe(422);
    expect(bodyOf(long)).toMatchObject({ message: "Validation Failed", errors: [{ resource: "Status", code: "custom", field: "description", message: "description is too long (maximum is 140 characters)" }] });
    expect((await post("ghp_writer", { state: "success", context: "limit", description: "x".repeat(140) })).status).toBe(201);
    expect(bodyOf(await failure(post("ghp_writer", { state: "success" }, "main")))).toMatchObject({ errors: [{ resource: "Status", code: "custom", field: "sha", message: "sha must be a 40 character SHA1" }] });
    const unknown = "fedcba9876543210fedcba9876543210fedcba98";
    expect(bodyOf(await failure(post("ghp_writer", { state: "success" }, unknown))).message).toBe(`No commit found for SHA: ${unknown}`);
    expect(bodyOf(await failure(post("ghp_writer", { state: "green" }))).message).toBe('Invalid request.\n\ngreen is not a member of ["error", "failure", "pending", "success"].');
    expect(bodyOf(await failure(post("ghp_writer", {}))).message).toBe(`Invalid request.\n\n"state" wasn't supplied.`);
  });

  it("are listed newest first and combined per context (case-insensitive)", async () => {
    const list = await octokit("github_pat_statuses_read").request("GET /repos/{owner}/{repo}/commits/{ref}/statuses", { ...o, ref: "main" });
    const all = standIn.commitStatuses(full);
    expect(list.data.map((s) => s.id)).toEqual(all.map((s) => s.id).reverse());
    await post("ghp_writer", { state: "success", context: "FuncSpace" });
    await post("ghp_writer", { state: "success", context: "app" });
    const combined = async () => (await octokit("ghp_reader").request("GET /repos/{owner}/{repo}/commits/{ref}/status", { ...o, ref: mainSha })).data;
    // The latest of each: funcspace (now success), scoped, default, app (now success), limit.
    expect(await combined()).toMatchObject({ state: "success", sha: mainSha, total_count: 5, repository: { full_name: full } });
    expect((await combined()).statuses.map((s) => `${s.context}:${s.state}`).sort()).toEqual(["FuncSpace:success", "app:success", "default:success", "limit:success", "scoped:success"]);
    await post("ghp_writer", { state: "pending", context: "funcspace" });
    expect((await combined()).state).toBe("pending");
    await post("ghp_writer", { state: "failure", context: "scoped" });
    expect((await combined()).state).toBe("failure");
    // A commit without statuses is pending.
    const other = await repo.commit({ "other.txt": "x\n" }, { branch: "no-status" });
    expect(await octokit("ghp_reader").request("GET /repos/{owner}/{repo}/commits/{ref}/status", { ...o, ref: other }).then((r) => r.data)).toMatchObject({ state: "pending", total_count: 0, statuses: [] });
  });
});

describe("webhooks for pull requests and checks", () => {
  let headSha: string;

  it("delivers pull_request opened and synchronize, signed, to repository hooks and the installed App", async () => {
    const first = await repo.commit({ "flows/new.ts": "export default 1;\n" }, { branch: "feature", message: "Add a flow" });
    appHook.received.length = 0;
    repoHook.received.length = 0;
    const { data: pr } = await octokit("ghp_writer").request("POST /repos/{owner}/{repo}/pulls", { ...o, title: "Add a flow", head: "feature", base: "main" });

    const [viaHook] = eventsOf(repoHook, "pull_request", "opened");
    const [viaApp] = eventsOf(appHook, "pull_request", "opened");
    if (!viaHook || !viaApp) throw new Error("pull_request opened was not delivered to both");
    expect(await verify(repoHookSecret, viaHook.raw.body, String(viaHook.raw.headers["x-hub-signature-256"]))).toBe(true);
    expect(await verify("not-the-secret", viaHook.raw.body, String(viaHook.raw.headers["x-hub-signature-256"]))).toBe(false);
    expect(await verify(app.webhookSecret, viaApp.raw.body, String(viaApp.raw.headers["x-hub-signature-256"]))).toBe(true);
    expect(viaApp.raw.headers["x-github-hook-installation-target-type"]).toBe("integration");
    expect(viaHook.payload).toMatchObject({
      action: "opened",
      number: pr.number,
      pull_request: { number: pr.number, state: "open", title: "Add a flow", head: { ref: "feature", sha: first, repo: { full_name: full } }, base: { ref: "main", sha: mainSha, repo: { full_name: full } }, user: { login: "writer" } },
      repository: { full_name: full, private: true },
      sender: { login: "writer" },
    });
    expect(viaHook.payload.installation).toBeUndefined();
    expect(viaApp.payload).toMatchObject({ action: "opened", number: pr.number, installation: { id: expect.any(Number) } });

    // A push to the head branch (a real `git push`, through the post-receive hook): `synchronize`.
    const second = await repo.commit({ "flows/new.ts": "export default 2;\n" }, { branch: "feature", message: "Change the flow", pusher: "writer" });
    const sync = eventsOf(appHook, "pull_request", "synchronize");
    expect(sync).toHaveLength(1);
    expect(sync[0]?.payload).toMatchObject({ action: "synchronize", number: pr.number, before: first, after: second, pull_request: { head: { ref: "feature", sha: second } }, sender: { login: "writer" } });
    expect(await verify(app.webhookSecret, sync[0]?.raw.body ?? "", String(sync[0]?.raw.headers["x-hub-signature-256"]))).toBe(true);
    expect(eventsOf(repoHook, "pull_request", "synchronize").map((e) => e.payload.after)).toEqual([second]);
    // A push elsewhere synchronizes nothing.
    await repo.commit({ "docs.md": "docs\n" }, { branch: "main" });
    expect(eventsOf(appHook, "pull_request", "synchronize")).toHaveLength(1);
    // The same push asked the App (checks: write) for a check suite, and nobody else.
    const requested = eventsOf(appHook, "check_suite", "requested").find((e) => (e.payload.check_suite as { head_sha: string }).head_sha === second);
    expect(requested?.payload).toMatchObject({ check_suite: { head_branch: "feature", before: first, after: second, status: "queued", app: { id: app.id }, pull_requests: [{ number: pr.number }] } });
    expect(eventsOf(repoHook, "check_suite", "requested")).toHaveLength(0);
    headSha = second;

    await standIn.closePullRequest(full, pr.number);
    expect(eventsOf(appHook, "pull_request", "closed").at(-1)?.payload).toMatchObject({ action: "closed", pull_request: { state: "closed", merged: false }, sender: { login: "octo-user" } });
    await standIn.reopenPullRequest(full, pr.number);
    expect(eventsOf(appHook, "pull_request", "reopened").at(-1)?.payload).toMatchObject({ action: "reopened", pull_request: { state: "open", closed_at: null } });
  });

  it("delivers check_run created/completed to hooks and apps, and rerequested to the owning App only", async () => {
    const client = octokit(appToken);
    const run = await client.request("POST /repos/{owner}/{repo}/check-runs", { ...o, name: "funcspace", head_sha: headSha, status: "in_progress", output: { title: "t", summary: "s" } });
    // The pull request whose head it checks is named.
    expect(run.data.pull_requests).toMatchObject([{ number: 1, head: { ref: "feature", sha: headSha }, base: { ref: "main" } }]);
    await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: run.data.id, conclusion: "success" });
    for (const receiver of [repoHook, appHook]) {
      const actions = eventsOf(receiver, "check_run").filter((e) => (e.payload.check_run as { id: number }).id === run.data.id);
      expect(actions.map((e) => e.payload.action)).toEqual(["created", "completed"]);
    }
    const completedSuite = eventsOf(repoHook, "check_suite", "completed").find((e) => (e.payload.check_suite as { id: number }).id === run.data.check_suite?.id);
    expect(completedSuite?.payload).toMatchObject({ check_suite: { status: "completed", conclusion: "success" } });

    // The "Re-run" button: the suite is queued again, the run itself untouched, only the App hears of it.
    appHook.received.length = 0;
    repoHook.received.length = 0;
    await standIn.rerequestCheckRun(full, Number(run.data.id));
    const [rerun] = eventsOf(appHook, "check_run", "rerequested");
    if (!rerun) throw new Error("no check_run rerequested delivery");
    expect(await verify(app.webhookSecret, rerun.raw.body, String(rerun.raw.headers["x-hub-signature-256"]))).toBe(true);
    expect(rerun.payload).toMatchObject({
      action: "rerequested",
      check_run: { id: run.data.id, name: "funcspace", head_sha: headSha, status: "completed", conclusion: "success", check_suite: { id: run.data.check_suite?.id, status: "queued", conclusion: null }, app: { id: app.id } },
      repository: { full_name: full },
      sender: { login: "octo-user" },
      installation: { id: expect.any(Number) },
    });
    expect(repoHook.received).toHaveLength(0);
    const suite = await client.request("GET /repos/{owner}/{repo}/check-suites/{check_suite_id}", { ...o, check_suite_id: run.data.check_suite?.id ?? 0 });
    expect(suite.data).toMatchObject({ status: "queued", conclusion: null });
    expect((await client.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: run.data.id })).data.conclusion).toBe("success");

    // The API's own rerequest: only the app that made the check run.
    const api = await client.request("POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest", { ...o, check_run_id: run.data.id });
    expect([api.status, api.data]).toEqual([201, {}]);
    expect(eventsOf(appHook, "check_run", "rerequested").at(-1)?.payload).toMatchObject({ sender: { login: "funcspace-checks[bot]", type: "Bot" } });
    expect((await failure(octokit("ghp_owner").request("POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest", { ...o, check_run_id: run.data.id }))).status).toBe(403);
    expect((await failure(octokit(otherAppToken).request("POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest", { ...o, check_run_id: run.data.id }))).status).toBe(403);
    expect(eventsOf(appHook, "check_run", "rerequested")).toHaveLength(2);

    // Completing it again completes the suite again.
    await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...o, check_run_id: run.data.id, conclusion: "neutral" });
    expect((await client.request("GET /repos/{owner}/{repo}/check-suites/{check_suite_id}", { ...o, check_suite_id: run.data.check_suite?.id ?? 0 })).data).toMatchObject({ status: "completed", conclusion: "neutral" });

    await standIn.rerequestCheckSuite(full, run.data.check_suite?.id ?? 0, { sender: "writer" });
    expect(eventsOf(appHook, "check_suite", "rerequested").at(-1)?.payload).toMatchObject({ action: "rerequested", check_suite: { id: run.data.check_suite?.id, status: "queued" }, sender: { login: "writer" } });
    expect(eventsOf(repoHook, "check_suite", "rerequested")).toHaveLength(0);
  });
});
