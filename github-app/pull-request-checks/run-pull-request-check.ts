// One pull request check (queue `pull-request-checks`), on the pull request's head, never touching the workspace:
//   1. superseded?  a newer head of the pull request is being checked: this check run ends "cancelled"
//   2. trees        the workspace's commit and the head, as GitHub lists them
//   3. preview      added / changed / deleted, the empty-tree guard, names the share cannot hold (src/checks/)
//   4. overlay      the head's version of each added or changed file (blobs), deletions as absences
//   5. workflows    discovery over the workspace plus that overlay, in the runner (as a run would load them)
//   6. types        the TypeScript check of the changed files and what they import
//   7. report       the check run completed (conclusion, summary, annotations in batches), the row updated
// A failure GitHub or storage may recover from is rethrown: queue redelivery is the retry.
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import pLimit from "p-limit";
import { PullCheckStore } from "../../src/azure/pull-check-store.js";
import { TABLES } from "../../src/azure/resources.js";
import { buildCheckReport, type CheckFindings, type CodeProblem } from "../../src/checks/check-report.js";
import { checkTreeChange } from "../../src/checks/check-tree-change.js";
import { loadPlatformTypes } from "../../src/checks/platform-types.js";
import { typeCheckChanges } from "../../src/checks/type-check-changes.js";
import type { ConnectionRecord } from "../../src/connection/connection-record.js";
import { resolveLimits } from "../../src/sync/limits.js";
import { normalizeRelativePath } from "../../src/workspace/safe-path.js";
import { createOctokit } from "../create-octokit.js";
import type { AbortOptions, GitHubAppDeps } from "../github-app-deps.js";
import { createRepositorySource } from "../repository-source.js";
import { cancelReport, finishReport } from "./check-reporter.js";
import type { PullCheckJob } from "./pull-check-job.js";

/** The head's files a check reads at most (blobs): past this, discovery and the type check say they did not run. */
export const MAX_OVERLAY_FILES = 300;
export const MAX_OVERLAY_BYTES = 8 * 1024 * 1024;
const BLOBS_AT_ONCE = 16;

/** The head's changes as the engine runs them: path → content, or null where the head deletes the file. */
export interface CheckOverlay {
  owner: string;
  files: Map<string, Uint8Array | null>;
}

/** Workflow discovery over the workspace plus an overlay: the workflows whose definition changes, and what fails to load. */
export type DiscoverWorkflows = (overlay: CheckOverlay, options: AbortOptions) => Promise<{ changed: string[]; problems: CodeProblem[] }>;

export interface PullCheckDeps extends Pick<GitHubAppDeps, "connections" | "storage" | "config" | "logger"> {
  /** The connection's token (App installation or PAT). */
  connectionToken(record: ConnectionRecord, options?: AbortOptions): Promise<string>;
  /** Absent: the check says discovery did not run. */
  discoverWorkflows?: DiscoverWorkflows;
}

export type PullCheckResult = { status: "reported"; conclusion: string } | { status: "superseded" } | { status: "skipped"; reason: string };

export async function runPullRequestCheck(job: PullCheckJob, deps: PullCheckDeps, options: AbortOptions = {}): Promise<PullCheckResult> {
  const log = deps.logger.child({ repository: job.repository, pullNumber: job.pullNumber, headSha: job.headSha });
  const [owner = "", repo = ""] = job.repository.split("/");
  const target = { owner, repo };
  const detailsUrl = `${deps.config.publicUrl}/sync`;
  const started = { reportedVia: job.reportedVia, checkRunId: job.checkRunId, headSha: job.headSha };
  const store = new PullCheckStore(deps.storage.table(TABLES.pullChecks));
  const record = (await deps.connections.get(options))?.record;
  if (!record || record.connectionId !== job.connectionId) {
    log.info("pull request check dropped: the workspace is no longer connected to this repository");
    return { status: "skipped", reason: "The workspace is no longer connected to this repository." };
  }
  const getToken = () => deps.connectionToken(record, options);
  const github = createOctokit(deps.config.githubApiUrl, { kind: "token", token: await getToken() }, { logger: deps.logger });

  const superseded = async (): Promise<boolean> => {
    const row = await store.get(job.connectionId, job.pullNumber, options);
    if (!row || row.headSha === job.headSha) return false;
    await cancelReport(github, target, started, `a newer push to this pull request (${row.headSha.slice(0, 7)}) is checked instead.`, detailsUrl, options);
    log.info({ newerSha: row.headSha }, "pull request check superseded");
    return true;
  };
  if (await superseded()) return { status: "superseded" };

  const baseSha = record.appliedSha;
  if (!baseSha) {
    const reason = "The workspace has not finished its first sync yet.";
    await finishReport(github, target, started, { conclusion: "neutral", title: "Not checked", summary: reason, annotations: [] }, detailsUrl, options);
    return { status: "skipped", reason };
  }

  const startedAt = performance.now();
  const timings = { treesMs: 0, fetchMs: 0, discoveryMs: 0, typeCheckMs: 0, totalMs: 0 };
  const timed = async <T>(part: keyof typeof timings, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[part] += Math.round(performance.now() - start);
    }
  };
  const source = createRepositorySource({ apiUrl: deps.config.githubApiUrl, getToken, owner, repo, logger: deps.logger });
  const [baseTree, headTree] = await timed("treesMs", () => Promise.all([source.getTree(baseSha, options), source.getTree(job.headSha, options)]));
  const limits = resolveLimits(deps.config.maxFileBytes);
  const tree = checkTreeChange(baseTree.entries, headTree.entries, limits, { base: baseSha, head: job.headSha });
  const findings: CheckFindings = { baseSha, headSha: job.headSha, tree, skippedParts: [] };
  if (baseTree.truncated || headTree.truncated) findings.skippedParts!.push("The repository's tree is larger than GitHub lists at once: the preview may be incomplete.");

  if (!tree.refused) {
    const overlay = await timed("fetchMs", () => readOverlay(job, tree, headTree.entries, source, options));
    if (!overlay) {
      findings.skippedParts!.push(`Workflow discovery and the type check: the pull request changes more than ${MAX_OVERLAY_FILES} files or ${MAX_OVERLAY_BYTES / 1024 / 1024} MB.`);
    } else {
      // Discovery runs in the runner process, the type check here: side by side.
      // Discovery runs the head's code (top-level statements of workflow files): never a fork's.
      const discover = job.fromFork ? undefined : deps.discoverWorkflows;
      const platform = await loadPlatformTypes();
      const [workflows, typed] = await Promise.all([
        discover ? timed("discoveryMs", () => discover(overlay, options)) : undefined,
        timed("typeCheckMs", async () => {
          // Yield first, so the discovery request is on its way before the (synchronous) check holds this thread.
          await new Promise((resolve) => setImmediate(resolve));
          return typeCheckChanges({ changed: [...tree.added, ...tree.changed], read: (p) => readHeadFile(deps.config.workspaceDir, overlay, p), platform });
        }),
      ]);
      if (workflows) findings.workflows = workflows;
      else if (job.fromFork) {
        findings.skippedParts!.push(
          "Workflow discovery: it runs the workflows' code, which funcspace does not do for a pull request from a fork. Push the branch to this repository to have it checked whole.",
        );
      } else findings.skippedParts!.push("Workflow discovery is not available on this host.");
      findings.typeErrors = typed.problems;
      if (typed.cut) findings.skippedParts!.push("The type check followed at most 2,000 imported files.");
    }
  }

  const report = buildCheckReport(findings);
  timings.totalMs = Math.round(performance.now() - startedAt);
  if (await superseded()) return { status: "superseded" };
  await finishReport(github, target, started, report, detailsUrl, options);
  const row = await store.get(job.connectionId, job.pullNumber, options);
  await store.upsert(
    job.connectionId,
    {
      number: job.pullNumber,
      title: row?.title ?? job.title,
      url: row?.url ?? job.url,
      headRef: job.headRef,
      headSha: job.headSha,
      state: row?.state ?? "open",
      status: "completed",
      conclusion: report.conclusion,
      summary: report.title,
      counts: { added: tree.added.length, changed: tree.changed.length, deleted: tree.deleted.length },
      timings,
      ...(job.checkRunId !== undefined ? { checkRunId: job.checkRunId } : {}),
      ...(row?.checkUrl ? { checkUrl: row.checkUrl } : {}),
      reportedVia: job.reportedVia,
      ...(row?.reportReason ? { reportReason: row.reportReason } : {}),
      updatedAt: new Date().toISOString(),
    },
    options,
  );
  log.info({ conclusion: report.conclusion, annotations: report.annotations.length, ...timings }, "pull request checked");
  return { status: "reported", conclusion: report.conclusion };
}

/** The head's bytes of each added or changed file, and null for each deleted one; undefined when too large to read. */
async function readOverlay(
  job: PullCheckJob,
  tree: ReturnType<typeof checkTreeChange>,
  headEntries: readonly { path: string; sha: string; size?: number }[],
  source: ReturnType<typeof createRepositorySource>,
  options: AbortOptions,
): Promise<CheckOverlay | undefined> {
  const wanted = [...tree.added, ...tree.changed];
  const byPath = new Map(headEntries.map((e) => [e.path, e]));
  const bytes = wanted.reduce((sum, p) => sum + (byPath.get(p)?.size ?? 0), 0);
  if (wanted.length > MAX_OVERLAY_FILES || bytes > MAX_OVERLAY_BYTES) return undefined;
  const files = new Map<string, Uint8Array | null>();
  for (const p of tree.deleted) files.set(p, null);
  // Sixteen at a time: each is one request to GitHub (well under its concurrency limit for one token).
  const limit = pLimit(BLOBS_AT_ONCE);
  const blobs = await Promise.all(wanted.map((p) => limit(() => source.getBlob(byPath.get(p)!.sha, options))));
  wanted.forEach((p, i) => files.set(p, blobs[i]!));
  return { owner: `pull request #${job.pullNumber}`, files };
}

/** A file as the head has it: the overlay's version, else the workspace's (which holds the base), else none. */
function readHeadFile(workspaceDir: string, overlay: CheckOverlay, relative: string): string | undefined {
  if (overlay.files.has(relative)) {
    const content = overlay.files.get(relative);
    return content ? Buffer.from(content).toString("utf8") : undefined;
  }
  let safe: string;
  try {
    safe = normalizeRelativePath(relative);
  } catch {
    return undefined;
  }
  try {
    // Through a link, a file outside the workspace could end up quoted in an annotation on GitHub: never read one.
    const root = realpathSync(workspaceDir);
    const real = realpathSync(path.join(root, ...safe.split("/")));
    if (!real.startsWith(root + path.sep)) return undefined;
    return readFileSync(real, "utf8");
  } catch {
    return undefined;
  }
}
