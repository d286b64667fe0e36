// One pass of the engine, without lease or records: resolve → manifest → plan → fetch → apply → manifest.
// `syncWorkspace` runs it under the workspace's lease; the CLI runs it alone. Each step's failure is
// wrapped with the step's name. State lives on disk (the manifest, written last), so any interruption
// re-converges on the next pass.
import { getMaxListeners, setMaxListeners } from "node:events";
import path from "node:path";
import type { Logger } from "../logger.js";
import { applyPlan } from "./apply-plan.js";
import { appliedCommitPath, readAppliedCommit, removeAppliedCommit, writeAppliedCommit } from "./applied-commit.js";
import { createStopFlag, getFsThreads } from "./fs-threads.js";
import { fetchChanges, type FetchMode, type FetchResult } from "./fetch-changes.js";
import { resolveLimits, type SyncLimits } from "./limits.js";
import type { LeaseFence } from "./lease.js";
import { loadTarget, type LoadedTarget, type PrefetchedTree } from "./load-target.js";
import { manifestPath, readManifest, writeManifest, type Manifest } from "./manifest.js";
import { planSync, type SyncCounts, type SyncPlan } from "./plan-sync.js";
import type { RepositorySource } from "./repository-source.js";
import { probeWorkspace, type WorkspaceTraits } from "./probe-workspace.js";
import { resolveHead } from "./resolve-head.js";
import { scanWorkspace, type WorkspaceScan } from "./scan-workspace.js";
import { keepFailedStaging, resumeStaging } from "./resume-staging.js";
import { createStaging, currentOwner, newStagingName, type Staging } from "./staging.js";
import { SyncCancelledError, SyncError, throwIfCancelled, type SyncStep } from "./sync-error.js";
import type { SkippedEntry } from "./target-tree.js";

export interface SyncDeps {
  source: RepositorySource;
  /** Absolute path of the workspace folder; must exist. */
  workspaceDir: string;
  /** Platform state folder (manifests), outside the workspace. */
  stateDir: string;
  /** Names the manifest; one workspace per deployment today. */
  workspaceId: string;
  maxFileBytes: number;
  /** Parallel file-system and network operations (IO_CONCURRENCY). */
  concurrency: number;
  /** Threads for the bulk file-system work: scan, small files of a tarball (SYNC_FS_THREADS; see fs-threads.ts). */
  fsThreads: number;
  limits?: Partial<SyncLimits>;
  logger?: Logger;
  /**
   * What the workspace's file system holds, when configuration knows better than the probe (tests force
   * SMB behaviour on a local disk this way); anything not given is probed once per process.
   */
  workspaceTraits?: Partial<WorkspaceTraits>;
  /**
   * The lease's fence (sync worker): checked before each destructive step — the applied record's removal,
   * the renames, the deletes, the manifest and the applied record — so a worker whose lease was taken over
   * writes nothing more. The CLI passes its folder lock (folder-lock.ts), whose check re-reads the lock file.
   */
  fence?: Pick<LeaseFence, "check">;
  /**
   * The tenure this run holds, written into its staging folder: the lease's generation (sync worker) or the
   * folder lock's token (CLI). A later run adopts an interrupted run's staging only when its owner is over
   * (resume-staging.ts); without one, only the staging of a process of this host that no longer runs.
   */
  owner?: { generation?: number; lock?: string };
}

export interface SyncRequest {
  branch: string;
  /** Apply exactly this commit instead of the branch head (a pinned workspace); the branch is not asked. */
  commitSha?: string;
  /** Apply even when the commit has no files while the workspace has some. */
  allowEmpty?: boolean;
  /** Force one fetch path (tests, benchmarks); `auto` picks by the plan's size. */
  fetchMode?: FetchMode;
  /**
   * Who owns the workspace while this runs (the connection id). A run records the commit it leaves on disk
   * under this session, and a later job of the same session for that very commit trusts the record instead
   * of stat'ing every file (see applied-commit.ts). Without it, every run checks the disk.
   */
  session?: string;
  /** Check every file on disk even when the session's record says the commit is applied ("Sync now"). */
  verifyDisk?: boolean;
  /**
   * The commit a push announced (the webhook job's SHA). Its tree is asked for alongside the branch head, one
   * round trip instead of two, and used only if the head is still that commit (latest wins).
   */
  expectedSha?: string;
}

export type SyncPhase = "resolve" | "plan" | "fetch" | "apply" | "done";

export interface SyncProgress {
  phase: SyncPhase;
  /** Files done / total in this phase (fetch: files staged; apply: files renamed, chmodded, deleted). */
  done: number;
  total: number;
}

export interface SyncOnceOptions {
  abortSignal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

export interface SyncOutcome {
  result: "noop" | "applied";
  repository: string;
  branch: string;
  fromSha: string | undefined;
  toSha: string;
  counts: SyncCounts;
  skipped: SkippedEntry[];
  bytesDownloaded: number;
  fetchMethod: FetchResult["method"];
  /** `applied`: the session's record of the commit on disk was trusted; nothing was stat'ed. */
  targetOrigin: LoadedTarget["origin"] | "applied";
  hashed: number;
  /** Files (and their bytes) adopted from an interrupted run's staging instead of downloaded (resume-staging.ts). */
  resumedFiles: number;
  resumedBytes: number;
  durationMs: number;
}

export async function syncOnce(request: SyncRequest, deps: SyncDeps, options: SyncOnceOptions = {}): Promise<SyncOutcome> {
  const started = performance.now();
  const { abortSignal } = options;
  // Up to `concurrency` requests wait on the run's signal at once, each with its own abort listener (and
  // fetch adds one of its own): bounded, not a leak, so Node's warning past 10 would only be log noise.
  if (abortSignal) setMaxListeners(Math.max(getMaxListeners(abortSignal), 2 * deps.concurrency + 10), abortSignal);
  const progress = (phase: SyncPhase, done = 0, total = 0) => options.onProgress?.({ phase, done, total });
  const limits = resolveLimits(deps.maxFileBytes, deps.limits);
  const manifestFile = manifestPath(deps.stateDir, deps.workspaceId);
  const appliedFile = appliedCommitPath(deps.stateDir, deps.workspaceId);

  progress("resolve");
  const stagingName = newStagingName();
  const owner = currentOwner(deps.owner);
  const stopScan = new AbortController();
  let scanning: Promise<WorkspaceScan> | undefined;
  const fsThreads = getFsThreads(deps.fsThreads);
  // Stops this run's file-system work when cancelled, and whatever is left of it once the run ends.
  const stop = createStopFlag(abortSignal);
  try {
    return await syncScanned();
  } finally {
    // Whatever path was taken (a failed manifest read, a failed tree), no scan is left running. The threads'
    // flag first: a walk in flight ends at its next folder instead of finishing its whole subtree.
    stopScan.abort();
    stop.stop();
    await scanning?.catch(() => undefined);
    stop.dispose();
  }

  async function syncScanned(): Promise<SyncOutcome> {
    const applied = request.session !== undefined && !request.verifyDisk ? await readAppliedCommit(appliedFile) : undefined;
    const prefetched = prefetchTree(request, applied?.commitSha, deps.source, abortSignal);
    const head = await step("resolve", () => resolveHead(deps.source, request.branch, { abortSignal, commitSha: request.commitSha }), abortSignal);
    if (applied) {
      if (
        applied?.commitSha === head.sha &&
        applied.session === request.session &&
        applied.workspaceDir === deps.workspaceDir &&
        applied.repository === deps.source.repository
      ) {
        progress("done");
        return {
          result: "noop",
          repository: deps.source.repository,
          branch: request.branch,
          fromSha: head.sha,
          toSha: head.sha,
          counts: { added: 0, changed: 0, deleted: 0, skipped: applied.skipped.length, unchanged: applied.files },
          skipped: applied.skipped,
          bytesDownloaded: 0,
          fetchMethod: "none",
          targetOrigin: "applied",
          hashed: 0,
          resumedFiles: 0,
          resumedBytes: 0,
          durationMs: Math.round(performance.now() - started),
        };
      }
    }
    const recordApplied = async (files: number, skipped: SkippedEntry[]) => {
      if (request.session === undefined) return;
      await deps.fence?.check({ abortSignal });
      await writeAppliedCommit(appliedFile, {
        workspaceDir: deps.workspaceDir,
        repository: deps.source.repository,
        commitSha: head.sha,
        session: request.session,
        files,
        skipped,
        writtenAt: new Date().toISOString(),
      });
    };
    // The disk scan starts before the manifest is read and runs while the target tree is fetched: on Azure
    // Files it is the longest step (a network round trip per file). Not earlier: a job answered from the
    // applied record (above) must not pay for a scan it throws away (bench/sync, no-op row: 0.4 → 4 ms).
    const pendingScan = scanWorkspace(deps.workspaceDir, {
      fsThreads,
      stop: stop.flag,
      abortSignal: abortSignal ? AbortSignal.any([abortSignal, stopScan.signal]) : stopScan.signal,
      skipRootName: stagingName,
    });
    scanning = pendingScan;
    // Observed here so a failure while the manifest or the tree is read is not "unhandled"; awaited below.
    pendingScan.catch(() => undefined);
    // In this run's staging folder (the scan passes over it), before the staging is created; once per process.
    const probing = probeWorkspace(deps.workspaceDir, path.join(deps.workspaceDir, stagingName), deps.workspaceTraits);
    probing.catch(() => undefined);
    const manifest = await step("manifest", () => readManifest(manifestFile, deps.workspaceDir));

    progress("plan");
    let staging: Staging | undefined;
    let failure: { error: unknown } | undefined;
    /** The plan came from the tree listing, not from the tarball (a truncated tree): what a later run resumes from. */
    let plannedFromTree = false;
    try {
      const { loaded, plan, traits } = await step("plan", async () => {
        const traits = await probing;
        // A truncated tree is planned from the tarball itself, staged as it streams: create the staging first.
        staging = manifest?.commitSha === head.sha ? undefined : await createStaging(deps.workspaceDir, stagingName, { owner });
        const loaded = await loadTarget(head.sha, manifest, {
          source: deps.source,
          limits,
          concurrency: deps.concurrency,
          fsThreads,
          stop: stop.flag,
          staging,
          statWritten: traits.stableMtime,
          prefetched,
          abortSignal,
        }).catch(
          async (error: unknown) => {
            stop.stop();
            await pendingScan.catch(() => undefined);
            throw error;
          },
        );
        const scan = await pendingScan;
        const plan = await planSync(loaded.target, { manifest, scan }, {
          workspaceDir: deps.workspaceDir,
          concurrency: deps.concurrency,
          allowEmpty: request.allowEmpty,
          holdsModes: traits.holdsModes,
          abortSignal,
        });
        // Not the target itself: past the plan nothing reads it, and a 50,000-file target is megabytes held
        // through the fetch and apply (issue 23).
        return { loaded: { origin: loaded.origin, bytesDownloaded: loaded.bytesDownloaded }, plan, traits };
      }, abortSignal);

      plannedFromTree = loaded.origin !== "tarball";
      if (plan.isEmpty && manifest?.commitSha === head.sha) {
        await staging?.remove();
        await step("manifest", async () => {
          // Files hashed because their stat moved (mtime only a hint) match: record what the disk shows now,
          // so the next no-op trusts them instead of hashing them again.
          if (plan.hashed > 0) await writeManifest(manifestFile, { ...manifest, writtenAt: new Date().toISOString(), files: new Map(plan.unchanged) });
          await recordApplied(plan.unchanged.size, plan.skipped);
        });
        progress("done");
        return outcome("noop", plan, loaded, { method: "none", bytesDownloaded: 0 });
      }

      // An interrupted run's staging: what it fetched and still checks out is not downloaded again. (A truncated
      // tree was staged whole from the tarball while planning: nothing left to spare.)
      const resumed =
        loaded.origin !== "tarball" && plan.writes.length > 0 && plan.leftovers.length > 0
          ? await step("fetch", () =>
              resumeStaging(deps.workspaceDir, {
                name: stagingName,
                // Its folder takes this run's staging name: this run's own, still empty, goes first.
                beforeClaim: async () => {
                  await staging?.remove();
                  staging = undefined;
                },
                leftovers: plan.leftovers,
                owner,
                writes: plan.writes,
                fsThreads,
                stop: stop.flag,
                holdsModes: traits.holdsModes,
                logger: deps.logger,
                abortSignal,
              }),
            abortSignal)
          : undefined;
      if (resumed) staging = resumed.staging;
      const remaining = resumed ? plan.writes.filter((w) => !resumed.staging.files.has(w.path)) : plan.writes;
      const fetchTotal = loaded.origin === "tarball" ? 0 : remaining.length;
      let fetched = 0;
      progress("fetch", 0, fetchTotal);
      const download =
        loaded.origin === "tarball"
          ? ({ method: "tarball", bytesDownloaded: loaded.bytesDownloaded } as const)
          : await step("fetch", async () => {
              staging ??= await createStaging(deps.workspaceDir, stagingName, { owner });
              // The rest only, by the usual rule: a few files come as blobs, many as the tarball (of which only
              // these are written): k blob requests against one download of the whole repository, as for a push.
              return fetchChanges(head.sha, remaining, {
                source: deps.source,
                staging,
                limits,
                concurrency: deps.concurrency,
                fsThreads,
                stop: stop.flag,
                statWritten: traits.stableMtime,
                mode: request.fetchMode,
                abortSignal,
                onFile: () => progress("fetch", ++fetched, fetchTotal),
              });
            }, abortSignal);

      throwIfCancelled(abortSignal);
      const applyTotal = plan.writes.length + plan.chmods.length + plan.deletes.length;
      let applied = 0;
      progress("apply", 0, applyTotal);
      await step("apply", async () => {
        // First: from here on the disk may hold part of this commit, which no record may vouch for.
        await deps.fence?.check({ abortSignal });
        await removeAppliedCommit(appliedFile);
        const written = await applyPlan(plan, staging, {
          workspaceDir: deps.workspaceDir,
          concurrency: deps.concurrency,
          abortSignal,
          traits,
          fence: deps.fence,
          onFile: () => progress("apply", ++applied, applyTotal),
        });
        staging = undefined;
        const next: Manifest = {
          workspaceDir: deps.workspaceDir,
          repository: deps.source.repository,
          commitSha: head.sha,
          writtenAt: new Date().toISOString(),
          // Into the map the apply returned (the two never share a path), not a copy of both.
          files: mergeInto(written, plan.unchanged),
          skipped: plan.skipped,
        };
        // Last: until this rename, the previous manifest stands and the next plan re-checks by content.
        await deps.fence?.check({ abortSignal });
        await writeManifest(manifestFile, next);
        await recordApplied(next.files.size, plan.skipped);
      }, abortSignal);
      progress("done", applyTotal, applyTotal);
      const changed = !(plan.isEmpty);
      return outcome(changed ? "applied" : "noop", plan, loaded, download, resumed);
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      // A failure before the renames leaves the visible workspace as it was. The staging goes, or, when the
      // failure is one the next attempt may not meet, stays for that attempt to resume from (every write of
      // this run has settled by now: the fetch and the apply wait for theirs before they throw).
      const leftover = staging as Staging | undefined;
      if (leftover && failure) {
        // No file-system thread starts another write into it from here on.
        stop.stop();
        await keepFailedStaging(leftover, owner, failure.error, { resumable: plannedFromTree, abortSignal, logger: deps.logger }).catch(() => undefined);
      } else await leftover?.remove().catch(() => undefined);
    }

    function outcome(
      result: SyncOutcome["result"],
      plan: SyncPlan,
      loaded: Pick<LoadedTarget, "origin">,
      fetched: Pick<FetchResult, "method" | "bytesDownloaded">,
      resumed?: { files: number; bytes: number },
    ): SyncOutcome {
      return {
        result,
        repository: deps.source.repository,
        branch: request.branch,
        fromSha: manifest?.commitSha,
        toSha: head.sha,
        counts: plan.counts,
        skipped: plan.skipped,
        bytesDownloaded: fetched.bytesDownloaded,
        fetchMethod: fetched.method,
        targetOrigin: loaded.origin,
        hashed: plan.hashed,
        resumedFiles: resumed?.files ?? 0,
        resumedBytes: resumed?.bytes ?? 0,
        durationMs: Math.round(performance.now() - started),
      };
    }
    }
  }

  /**
   * Runs one step, wrapping its failure with the step's name (once). Whatever fails after the run was
   * cancelled (an aborted request, a closed stream) is reported as the cancellation it is.
   */
  export async function step<T>(name: SyncStep, run: () => Promise<T>, abortSignal?: AbortSignal): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof SyncError) throw error;
      if (abortSignal?.aborted && !(error instanceof SyncCancelledError)) {
        try {
          throwIfCancelled(abortSignal);
        } catch (cancelled) {
          throw new SyncError(name, { cause: cancelled });
        }
      }
      throw new SyncError(name, { cause: error });
  }
}

/** `source`'s entries added to `target`, whose own entries win (as in `new Map([...source, ...target])`). */
function mergeInto<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): Map<K, V> {
  for (const [key, value] of source) if (!target.has(key)) target.set(key, value);
  return target;
}

/**
 * The tree of the commit a push announced, asked for at once (see SyncRequest.expectedSha). Not when the
 * workspace is pinned (the branch is not followed) or when the session's record already holds that commit (a
 * redelivery or the tail of a burst: a no-op that must not cost a tree listing).
 */
function prefetchTree(request: SyncRequest, appliedSha: string | undefined, source: RepositorySource, abortSignal?: AbortSignal): PrefetchedTree | undefined {
  const sha = request.expectedSha;
  if (!sha || request.commitSha || !/^[0-9a-f]{40}$/.test(sha) || sha === appliedSha) return undefined;
  const tree = source.getTree(sha, { abortSignal });
  // Observed here: when the head moved on, nobody awaits it.
  tree.catch(() => undefined);
  return { commitSha: sha, tree };
}
