// Discovery: every workflow in the workspace with its parameters, and every file that failed to load with its
// error, without one broken file breaking the list. Files are imported in a run worker (never in the host), and
// only when their size/mtime/inode changed since the last listing.
import type { WorkflowList } from "../api-types.js";
import { NotFoundError } from "../errors.js";
import type { EngineWorker } from "./engine-worker.js";
import { findWorkflowFiles, readFingerprint } from "./find-workflow-files.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";
import type { WorkerPool } from "./worker-pool.js";
import { toWorkspaceError, type SerializedError } from "./workspace-error.js";

// The listing's shapes are the API's (src/api-types.ts).
export type { WorkflowLoadError } from "../api-types.js";
export type WorkflowListing = WorkflowList;

export interface WorkflowCatalogOptions {
  workspaceDir: string;
  pool: WorkerPool;
  ioConcurrency: number;
  /** Longest a file may take to import (its top-level code). */
  loadTimeoutInMs?: number;
}

interface CacheEntry {
  fingerprint: string;
  absolutePath: string;
  descriptor?: WorkflowDescriptor;
  error?: SerializedError;
}

export class WorkflowCatalog {
  readonly #options: WorkflowCatalogOptions;
  readonly #cache = new Map<string, CacheEntry>();
  #queue: Promise<unknown> = Promise.resolve();
  /** Files imported for discovery since start (tests and the benchmark read it). */
  importCount = 0;

  constructor(options: WorkflowCatalogOptions) {
    this.#options = options;
  }

  /** Lists the workflows; listings run one at a time (a second caller waits, then sees the files as they are). */
  list(options: { abortSignal?: AbortSignal } = {}): Promise<WorkflowListing> {
    const next = this.#queue.then(() => this.#refresh(options));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The named workflow as its file is now; NotFoundError when no file defines it. */
  async find(name: string, options: { abortSignal?: AbortSignal } = {}): Promise<WorkflowDescriptor> {
    for (const [, entry] of this.#cache) {
      if (entry.descriptor?.name === name && (await readFingerprint(entry.absolutePath)) === entry.fingerprint) {
        return entry.descriptor;
      }
    }
    const listing = await this.list(options);
    const found = listing.workflows.find((w) => w.name === name);
    if (!found) {
      const broken = listing.errors.length > 0 ? ` (${listing.errors.length} file(s) failed to load; GET /api/workflows shows why)` : "";
      throw new NotFoundError(`No workflow is named "${name}"${broken}.`);
    }
    return found;
  }

  async #refresh(options: { abortSignal?: AbortSignal }): Promise<WorkflowListing> {
    const { workspaceDir, ioConcurrency } = this.#options;
    const files = await findWorkflowFiles(workspaceDir, { concurrency: ioConcurrency, abortSignal: options.abortSignal });
    const present = new Set(files.map((f) => f.relativePath));
    for (const key of this.#cache.keys()) if (!present.has(key)) this.#cache.delete(key);
    const changed = files.filter((f) => this.#cache.get(f.relativePath)?.fingerprint !== f.fingerprint);

    let worker: EngineWorker | undefined;
    try {
      for (const file of changed) {
        options.abortSignal?.throwIfAborted();
        if (!worker || worker.exited) {
          if (worker) this.#options.pool.release(worker);
          worker = await this.#options.pool.acquire();
        }
        this.importCount++;
        const { descriptor, error } = await worker.describe(file.absolutePath, file.relativePath, this.#options.loadTimeoutInMs ?? 10_000);
        this.#cache.set(file.relativePath, { fingerprint: file.fingerprint, absolutePath: file.absolutePath, descriptor, error });
      }
    } finally {
      if (worker) this.#options.pool.release(worker);
    }

    const listing: WorkflowListing = { workflows: [], errors: [] };
    const owners = new Map<string, string>();
    for (const file of files) {
      const entry = this.#cache.get(file.relativePath);
      if (entry?.error) {
        const error = toWorkspaceError(entry.error, workspaceDir);
        listing.errors.push({ file: file.relativePath, error: error.file ? error : { ...error, file: file.relativePath } });
      } else if (entry?.descriptor) {
        const owner = owners.get(entry.descriptor.name);
        if (owner) {
          listing.errors.push({
            file: file.relativePath,
            error: {
              name: "DuplicateWorkflowError",
              message: `The workflow name "${entry.descriptor.name}" is already used by ${owner}: names must be unique.`,
              file: file.relativePath,
            },
          });
        } else {
          owners.set(entry.descriptor.name, file.relativePath);
          listing.workflows.push(entry.descriptor);
        }
      }
    }
    return listing;
  }
}
