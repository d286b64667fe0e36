// The dry run: what a sync would do now, without writing anything (the UI shows it before "Sync now", the
// CLI prints it for --dry-run). Same resolve and plan steps as a real run; nothing is staged.
import path from "node:path";
import { chooseFetchMethod, type FetchMode } from "./fetch-changes.js";
import { createStopFlag, getFsThreads } from "./fs-threads.js";
import { resolveLimits } from "./limits.js";
import { loadTarget } from "./load-target.js";
import { manifestPath, readManifest } from "./manifest.js";
import { probeWorkspace } from "./probe-workspace.js";
import { newStagingName } from "./staging.js";
import { planSync } from "./plan-sync.js";
import { resolveHead } from "./resolve-head.js";
import { scanWorkspace } from "./scan-workspace.js";
import { step, type SyncDeps } from "./sync-once.js";

// The preview is what POST /api/github/sync/preview answers: its shape is the API's (src/api-types.ts).
export type { SyncPreview } from "../api-types.js";
import type { SyncPreview } from "../api-types.js";

export async function previewSync(
  request: { branch: string; commitSha?: string; allowEmpty?: boolean; fetchMode?: FetchMode },
  deps: SyncDeps,
  options: { abortSignal?: AbortSignal } = {},
): Promise<SyncPreview> {
  const { abortSignal } = options;
  const limits = resolveLimits(deps.maxFileBytes, deps.limits);
  const head = await step("resolve", () => resolveHead(deps.source, request.branch, { abortSignal, commitSha: request.commitSha }));
  const manifest = await step("manifest", () => readManifest(manifestPath(deps.stateDir, deps.workspaceId), deps.workspaceDir));
  const fsThreads = getFsThreads(deps.fsThreads);
  const stop = createStopFlag(abortSignal);
  const { plan, origin } = await step("plan", async () => {
    // Probed (once per process) before the scan starts, so the scan never meets the scratch folder.
    const traits = await probeWorkspace(deps.workspaceDir, path.join(deps.workspaceDir, newStagingName()), deps.workspaceTraits);
    const [loaded, scan] = await Promise.all([
      loadTarget(head.sha, manifest, { source: deps.source, limits, concurrency: deps.concurrency, fsThreads, stop: stop.flag, abortSignal }),
      scanWorkspace(deps.workspaceDir, { fsThreads, stop: stop.flag, abortSignal }),
    ]).finally(() => {
      stop.stop();
      stop.dispose();
    });
    const plan = await planSync(loaded.target, { manifest, scan }, {
      workspaceDir: deps.workspaceDir,
      concurrency: deps.concurrency,
      allowEmpty: request.allowEmpty,
      holdsModes: traits.holdsModes,
      abortSignal,
    });
    return { plan, origin: loaded.origin };
  });
  return {
    repository: deps.source.repository,
    branch: request.branch,
    fromSha: manifest?.commitSha,
    toSha: head.sha,
    upToDate: plan.isEmpty,
    added: plan.writes.filter((w) => w.kind === "add").map((w) => w.path),
    changed: [...plan.writes.filter((w) => w.kind === "change").map((w) => w.path), ...plan.chmods.map((c) => c.path)].sort(),
    deleted: plan.deletedPaths,
    skipped: plan.skipped,
    counts: plan.counts,
    bytesToFetch: plan.bytesToFetch,
    fetchMethod: origin === "tarball" ? "tarball" : chooseFetchMethod(plan.writes, request.fetchMode),
  };
}
