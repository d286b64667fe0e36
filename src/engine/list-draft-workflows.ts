// A draft's listing: the workflows as they would be once the draft is merged. The workspace's listing is
// refreshed first (workflow-catalog.ts); every file the draft does not reach keeps what the catalog knows of it,
// and the others are imported again in the draft's own thread (draft-workers.ts): the files the draft adds or
// changes, and those that import (directly or not) a file the draft adds, changes or deletes, or that looked in
// vain for a file it adds. Nothing of it goes into the catalog's cache, which stays the workspace's.
import path from "node:path";
import { buildWorkflowListing, type DescribedFile } from "./build-workflow-listing.js";
import { checkDraftOverlay, type DraftOverlay } from "./draft-overlay.js";
import { DraftWorkers } from "./draft-workers.js";
import { isWorkflowCandidate } from "./find-workflow-files.js";
import type { CatalogEntry, WorkflowCatalog, WorkflowListing } from "./workflow-catalog.js";
import type { RunThreads } from "./run-threads.js";

export interface ListDraftWorkflowsDeps {
  catalog: WorkflowCatalog;
  threads: RunThreads;
  workspaceDir: string;
}

/**
 * The draft's listing, and the workspace's it was made from (a workflow the draft breaks is found there). The
 * files are imported in `options.workers` (a draft run's, whose thread then runs the workflow with its modules
 * loaded), else in threads started for this listing and terminated after it.
 */
export async function listDraftWorkflows(
  overlay: DraftOverlay,
  deps: ListDraftWorkflowsDeps,
  options: { workers?: DraftWorkers; abortSignal?: AbortSignal } = {},
): Promise<{ listing: WorkflowListing; workspace: WorkflowListing }> {
  checkDraftOverlay(overlay);
  const workers = options.workers ?? new DraftWorkers(deps.threads, overlay);
  try {
    return await describeDraft(overlay, deps, workers, options);
  } finally {
    if (!options.workers) await workers.close();
  }
}

async function describeDraft(
  overlay: DraftOverlay,
  deps: ListDraftWorkflowsDeps,
  workers: DraftWorkers,
  options: { abortSignal?: AbortSignal },
): Promise<{ listing: WorkflowListing; workspace: WorkflowListing }> {
  const { files: workspaceFiles, entries, listing: workspace } = await deps.catalog.snapshot(options);
  const files = new Set(workspaceFiles);
  for (const [file, content] of overlay.files) {
    if (content === null) files.delete(file);
    else if (isWorkflowCandidate(file)) files.add(file);
  }
  const ordered = [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const reaches = (entry: CatalogEntry | undefined) => !entry || [...entry.dependencies.keys()].some((dependency) => overlay.files.has(dependency));
  const described = new Map<string, DescribedFile>();
  for (const file of ordered) {
    const entry = entries.get(file);
    if (!overlay.files.has(file) && !reaches(entry)) {
      described.set(file, entry!);
      continue;
    }
    options.abortSignal?.throwIfAborted();
    // The same thread each time (a new one only if a file's top-level code outlasted its timeout and was stopped).
    const worker = await workers.acquire();
    described.set(file, await worker.describe(path.join(deps.workspaceDir, file), file, deps.catalog.loadTimeoutInMs));
  }
  return { listing: buildWorkflowListing(ordered, described, deps.workspaceDir), workspace };
}
