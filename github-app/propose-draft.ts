// "Open pull request" from a draft (issue 21): check it against GitHub, then make the branch, the commit and the
// pull request (open-pull-request.ts). The branch starts from the commit the workspace is on; a change whose file
// is no longer the version the draft started from — in the workspace (it synced meanwhile) or on the branch head
// (someone pushed) — is a conflict, shown before anything is created (GET /api/drafts/mine/check) and refused
// by the proposal itself (409 `draft_conflicts`).
//
// Who writes: a person who signed in with funcspace's GitHub App (AUTH_MODE=github, App connection) proposes with
// their own user-to-server token, got by one trip through GitHub's authorization (authorize-proposal.ts), so the
// commit and the pull request are theirs and GitHub checks their own access. Otherwise the connection's token (the
// App installation's, or the PAT) writes, and the commit names the person in a `Proposed-by:` trailer.
import type { DraftAuthorMode, DraftCheck, DraftConflict, DraftProposal, ProposeAnswer, ProposeRequest, Unchecked } from "../src/api-types.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import type { DraftCaller, DraftDeps } from "../src/drafts/draft-deps.js";
import { assertDraftable } from "../src/drafts/draft-rules.js";
import { AppError, BadRequestError, ConflictError } from "../src/errors.js";
import type { SourceTreeEntry } from "../src/sync/repository-source.js";
import { createOctokit, getGitHubStatus, type GitHubClient } from "./create-octokit.js";
import { getConnectionToken } from "./get-connection-token.js";
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubRuntime } from "./github-runtime.js";
import { openPullRequest } from "./open-pull-request.js";
import { connectionSource } from "./pin-workspace.js";

export const MAX_TITLE_CHARS = 256;
export const MAX_BODY_CHARS = 60_000;

/** The person proposing, and whether they can write as themselves (signed in with funcspace's GitHub App). */
export interface Proposer extends DraftCaller {
  signedInWithApp: boolean;
}

/** What "Open pull request" would do now: base, head, conflicts, author, and whether it can go ahead. */
export async function checkDraft(runtime: GitHubRuntime, drafts: DraftDeps, proposer: Proposer, options: AbortOptions = {}): Promise<DraftCheck> {
  const record = await assertDraftable(drafts, options);
  const changes = await drafts.drafts.listChanges(proposer, options);
  const view = await readBranchView(runtime, record, options);
  const conflicts = findConflicts(changes, view, record.branch);
  const author = authorMode(record, proposer);
  const refusal =
    changes.length === 0
      ? "Your draft has no changes yet."
      : conflicts.length > 0
        ? `${conflicts.length === 1 ? "A file" : `${conflicts.length} files`} of your draft changed since you started: see below.`
        : await writeRefusal(runtime, record, author, options);
  return {
    repository: record.repository,
    branch: record.branch,
    baseSha: view.baseSha,
    headSha: view.headSha,
    conflicts,
    author,
    canPropose: refusal === undefined,
    ...(refusal ? { reason: refusal } : {}),
  };
}

export interface ProposalText {
  title: string;
  body: string;
}

/** Checks the request's title and body: 400 naming the field. */
export function readProposalText(request: Unchecked<ProposeRequest>): ProposalText {
  const title = typeof request.title === "string" ? request.title.trim() : "";
  if (!title) throw new BadRequestError('"title" is required: a one-line summary of the change, as the pull request\'s title.', { code: "invalid_title" });
  if (title.length > MAX_TITLE_CHARS || /[\r\n]/.test(title)) {
    throw new BadRequestError(`"title" must be one line of at most ${MAX_TITLE_CHARS} characters.`, { code: "invalid_title" });
  }
  if (request.body !== undefined && typeof request.body !== "string") throw new BadRequestError('"body" must be text.', { code: "invalid_body" });
  const body = (request.body ?? "").trim();
  if (body.length > MAX_BODY_CHARS) throw new BadRequestError(`"body" may hold at most ${MAX_BODY_CHARS} characters.`, { code: "invalid_body" });
  return { title, body };
}

export interface ProposeOptions extends AbortOptions {
  /** The person's own token (user-to-server): the commit and the pull request are theirs. */
  userToken?: string;
}

/** Opens the pull request with the connection's token, or `userToken`; returns it, and empties the draft. */
export async function proposeDraft(
  runtime: GitHubRuntime,
  drafts: DraftDeps,
  proposer: Proposer,
  text: ProposalText,
  options: ProposeOptions = {},
): Promise<ProposeAnswer & { kind: "opened" }> {
  const record = await assertDraftable(drafts, options);
  const changes = await drafts.drafts.readChanges(proposer, options);
  if (changes.length === 0) throw new BadRequestError("Your draft has no changes: there is nothing to propose.", { code: "empty_draft" });
  const view = await readBranchView(runtime, record, options);
  const conflicts = findConflicts(changes, view, record.branch);
  if (conflicts.length > 0) {
    throw new ConflictError(conflicts.map((c) => c.message).join(" "), { code: "draft_conflicts", details: { conflicts } });
  }
  const author: DraftAuthorMode = options.userToken ? "user" : record.kind === "app" ? "app" : "pat";
  const token = options.userToken ?? (await getConnectionToken(runtime, record, options));
  let github = createOctokit(runtime.deps.config.githubApiUrl, { kind: "token", token }, { logger: runtime.deps.logger });
  const [owner = "", repo = ""] = record.repository.split("/");
  const trailer = author === "user" ? "" : `\n\nProposed-by: ${proposer.name} (funcspace)`;
  const note = author === "user" ? "" : `\n\n---\nProposed from funcspace by ${proposer.name}.`;
  const open = () =>
    asGitHubWrite(author, record, async () =>
      openPullRequest(github, {
        owner,
        repo,
        baseSha: view.baseSha,
        baseTreeSha: await readTreeSha(github, owner, repo, view.baseSha, options),
        baseModes: new Map([...view.base].map(([path, entry]) => [path, entry.mode])),
        targetBranch: record.branch,
        branch: branchName(proposer.name),
        changes,
        title: text.title,
        body: `${text.body}${note}`.trim(),
        commitMessage: `${text.title}${text.body ? `\n\n${text.body}` : ""}${trailer}`,
        abortSignal: options.abortSignal,
      }),
    );
  let opened;
  try {
    opened = await open();
  } catch (error) {
    // An installation token lists the permissions the App had when it was made (cached ~50 min): after the owner
    // accepted Contents: write, a fresh one may already be allowed.
    if (!(error instanceof AppError && error.code === "write_refused" && author === "app" && record.installationId !== undefined)) throw error;
    runtime.installationTokens.clear(record.installationId);
    github = createOctokit(runtime.deps.config.githubApiUrl, { kind: "token", token: await getConnectionToken(runtime, record, options) }, { logger: runtime.deps.logger });
    opened = await open();
  }
  const proposal: DraftProposal = { ...opened, title: text.title, baseSha: view.baseSha, author, createdAt: new Date().toISOString() };
  // Only the versions that went into the commit are forgotten: an edit made meanwhile in another tab stays.
  for (const change of changes) await drafts.drafts.deleteChange(proposer, change.path, { ...options, ifMatch: change.etag }).catch(() => undefined);
  await drafts.drafts.updateMeta(proposer, { lastProposal: proposal, pending: null, updatedAt: proposal.createdAt }, options);
  runtime.deps.logger.info(
    { repository: record.repository, pullRequest: opened.number, branch: opened.branch, author, proposedBy: proposer.name, changes: changes.length },
    "pull request opened from a draft",
  );
  return { kind: "opened", ...proposal };
}

/** `user` when the person signed in with funcspace's App and the App is what connects the repository. */
export function authorMode(record: ConnectionRecord, proposer: Proposer): DraftAuthorMode {
  if (record.kind === "pat") return "pat";
  return proposer.signedInWithApp ? "user" : "app";
}

interface BranchView {
  baseSha: string;
  headSha: string;
  base: Map<string, SourceTreeEntry>;
  head: Map<string, SourceTreeEntry>;
}

async function readBranchView(runtime: GitHubRuntime, record: ConnectionRecord, options: AbortOptions): Promise<BranchView> {
  const baseSha = record.appliedSha;
  if (!baseSha) {
    throw new ConflictError("The workspace has not finished its first sync: there is no commit to start a pull request from yet. Try again in a moment.", {
      code: "not_synced",
    });
  }
  const source = connectionSource(runtime, record, options);
  const head = await source.getBranchHead(record.branch, options);
  const files = (entries: SourceTreeEntry[]) => new Map(entries.filter((e) => e.type === "blob").map((e) => [e.path, e]));
  const base = files((await source.getTree(baseSha, options)).entries);
  const headFiles = head.sha === baseSha ? base : files((await source.getTree(head.sha, options)).entries);
  return { baseSha, headSha: head.sha, base, head: headFiles };
}

/** Each change whose file is no longer the version the draft started from, in the workspace's commit or on the branch head. */
function findConflicts(changes: readonly { path: string; baseBlobSha?: string }[], view: BranchView, branch: string): DraftConflict[] {
  const conflicts: DraftConflict[] = [];
  for (const change of changes) {
    const expected = change.baseBlobSha;
    const inBase = view.base.get(change.path)?.sha;
    const inHead = view.head.get(change.path)?.sha;
    if (inBase !== expected) {
      conflicts.push({
        path: change.path,
        reason: "changed_in_workspace",
        message: `"${change.path}" ${describeMove(expected, inBase)} in the workspace (synced to ${view.baseSha.slice(0, 7)}) since your draft started from it: copy your version aside, revert the change, and apply it again to the new version.`,
      });
    } else if (inHead !== expected) {
      conflicts.push({
        path: change.path,
        reason: "changed_upstream",
        message: `"${change.path}" ${describeMove(expected, inHead)} on ${branch} (now at ${view.headSha.slice(0, 7)}) after the workspace's commit: wait for the workspace to sync that push, then apply your change to the new version.`,
      });
    }
  }
  return conflicts;
}

const describeMove = (from: string | undefined, to: string | undefined): string => (from === undefined ? "was added" : to === undefined ? "was deleted" : "was changed");

/** Why the connection's token cannot write, when that is known before trying (a PAT on a repository it cannot push to). */
async function writeRefusal(runtime: GitHubRuntime, record: ConnectionRecord, author: DraftAuthorMode, options: AbortOptions): Promise<string | undefined> {
  if (author !== "pat") return undefined;
  const [owner = "", repo = ""] = record.repository.split("/");
  const token = await getConnectionToken(runtime, record, options);
  const github = createOctokit(runtime.deps.config.githubApiUrl, { kind: "token", token }, { logger: runtime.deps.logger });
  const { data } = await github.request("GET /repos/{owner}/{repo}", { owner, repo, request: { signal: options.abortSignal } });
  return data.permissions && !data.permissions.push ? readOnlyTokenMessage(record) : undefined;
}

const readOnlyTokenMessage = (record: ConnectionRecord): string =>
  `The connection's personal access token can only read ${record.repository}: it cannot create a branch or a pull request. ` +
  "Replace it (Settings → GitHub) with a token of someone who may push there that has Contents: Read and write and Pull requests: Read and write " +
  "(fine-grained), or the repo scope (classic).";

const appPermissionMessage = (record: ConnectionRecord): string =>
  `funcspace's GitHub App may not write to ${record.repository}. An App registered before proposals existed asks only to read: on GitHub, open the App's ` +
  "settings → Permissions & events, set Contents and Pull requests to Read and write, save, then have the installation's owner accept the new permissions " +
  "(Settings → Applications → funcspace → Review request). Then propose again.";

/** A write GitHub refuses (403, or 404 as GitHub hides a repository from who cannot push) becomes a 409 that says what to do. */
async function asGitHubWrite<T>(author: DraftAuthorMode, record: ConnectionRecord, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const status = getGitHubStatus(error);
    if (status === 403 || status === 404) {
      const message =
        author === "pat"
          ? readOnlyTokenMessage(record)
          : author === "app"
            ? appPermissionMessage(record)
            : `GitHub did not let you write to ${record.repository}: you need write access to the repository (ask its admins), and funcspace's App needs Contents and Pull requests: Read and write. ${appPermissionMessage(record)}`;
      throw new ConflictError(message, { code: author === "pat" ? "read_only_token" : "write_refused", cause: error });
    }
    if (status === 422) {
      const detail = String((error as { response?: { data?: { message?: string } } }).response?.data?.message ?? "GitHub refused the change");
      throw new ConflictError(`GitHub refused the pull request: ${detail}.`, { code: "github_refused", cause: error });
    }
    throw error;
  }
}

async function readTreeSha(github: GitHubClient, owner: string, repo: string, sha: string, options: AbortOptions): Promise<string> {
  const { data } = await github.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner, repo, ref: sha, request: { signal: options.abortSignal } });
  return data.commit.tree.sha;
}

/** `funcspace/<login>/<UTC time>`: a name that says where it came from, valid as a Git ref whatever the login holds. */
export function branchName(login: string, now = new Date()): string {
  const who = login.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "someone";
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `funcspace/${who}/${stamp}`;
}
