// Discovery: every workflow in the workspace with its parameters, and every file that failed to load with its
// error, without one broken file breaking the list. Files are imported in a run worker (never in the host), and
// only when they may describe something else than last time: their own size/mtime/inode changed, or that of
// a workspace file they import (directly or not), or a file appeared where one of their imports looked in vain
// (the helper a failed workflow wants). The import graph comes from the worker's module hooks at each import,
// so a listing costs a walk plus one stat per imported file, not an import.
import { realpath } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import type { WorkflowList } from "../api-types.js";
import { buildWorkflowListing, type DescribedFile } from "./build-workflow-listing.js";
import { NotFoundError } from "../errors.js";
import type { EngineWorker } from "./engine-worker.js";
import { findWorkflowFiles, MISSING, readFingerprint, type WorkflowFile } from "./find-workflow-files.js";
import { realPathOf } from "./real-path.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";
import type { WorkerPool } from "./worker-pool.js";
import type { SerializedError } from "./workspace-error.js";

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

/** What discovery knows of one workflow candidate, as `snapshot` shows it. */
export interface CatalogEntry extends DescribedFile {
  /** The workspace files (relative) its import loaded, or looked for in vain (MISSING). */
  readonly dependencies: ReadonlyMap<string, string>;
}

interface CacheEntry {
  fingerprint: string;
  absolutePath: string;
  descriptor?: WorkflowDescriptor;
  error?: SerializedError;
  /**
   * Workspace files (relative) its code imported, directly or not, with their fingerprint when loaded, and the
   * files its unresolved imports looked for (MISSING): any of them changing means importing it again.
   */
  dependencies: Map<string, string>;
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
  async list(options: { abortSignal?: AbortSignal } = {}): Promise<WorkflowListing> {
    return (await this.snapshot(options)).listing;
  }

  /**
   * The workspace as discovery sees it now (refreshed like `list`): its workflow candidates in listing order, what
   * each one's import gave with the workspace files it imported (a draft's listing reuses those its changes do
   * not reach: list-draft-workflows.ts), and the listing. (A refresh replaces entries, never changes one.)
   */
  snapshot(options: { abortSignal?: AbortSignal } = {}): Promise<{ files: string[]; entries: ReadonlyMap<string, CatalogEntry>; listing: WorkflowListing }> {
    const next = this.#queue.then(async () => {
      const { files, listing } = await this.#refresh(options);
      const entries = new Map<string, CatalogEntry>();
      for (const file of files) {
        const entry = this.#cache.get(file);
        if (entry) entries.set(file, entry);
      }
      return { files, entries, listing };
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Longest a file may take to import for discovery (its top-level code). */
  get loadTimeoutInMs(): number {
    return this.#options.loadTimeoutInMs ?? 10_000;
  }

  /** The named workflow as its file (and what it imports) is now; NotFoundError when no file defines it. */
  async find(name: string, options: { abortSignal?: AbortSignal } = {}): Promise<WorkflowDescriptor> {
    for (const [, entry] of this.#cache) {
      if (entry.descriptor?.name === name && (await readFingerprint(entry.absolutePath)) === entry.fingerprint) {
        const current = await this.#readFingerprints(entry.dependencies.keys(), new Map(), options);
        if (!dependenciesChanged(entry, current)) return entry.descriptor;
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

  async #refresh(options: { abortSignal?: AbortSignal }): Promise<{ files: string[]; listing: WorkflowListing }> {
    const { workspaceDir, ioConcurrency } = this.#options;
    const files = await findWorkflowFiles(workspaceDir, { concurrency: ioConcurrency, abortSignal: options.abortSignal });
    const present = new Set(files.map((f) => f.relativePath));
    for (const key of this.#cache.keys()) if (!present.has(key)) this.#cache.delete(key);
    const changed = await this.#findChanged(files, options);
    const realWorkspace = realPathOf(workspaceDir);

    let worker: EngineWorker | undefined;
    try {
      for (const file of changed) {
        options.abortSignal?.throwIfAborted();
        if (!worker || worker.exited) {
          if (worker) this.#options.pool.release(worker);
          worker = await this.#options.pool.acquire();
        }
        this.importCount++;
        const { descriptor, error } = await worker.describe(file.absolutePath, file.relativePath, this.loadTimeoutInMs);
        // The hooks speak of real paths (Node resolves symlinks; the workspace may be one).
        const real = await realpath(file.absolutePath).catch(() => path.join(realWorkspace, file.relativePath));
        const dependencies = new Map<string, string>();
        for (const [dependency, fingerprint] of worker.dependenciesOf(real)) {
          const relative = path.relative(realWorkspace, dependency);
          if (!relative.startsWith("..") && !path.isAbsolute(relative)) dependencies.set(relative.split(path.sep).join("/"), fingerprint);
        }
        this.#cache.set(file.relativePath, { fingerprint: file.fingerprint, absolutePath: file.absolutePath, descriptor, error, dependencies });
      }
    } finally {
      if (worker) this.#options.pool.release(worker);
    }

    return { files: files.map((file) => file.relativePath), listing: buildWorkflowListing(files.map((file) => file.relativePath), this.#cache, workspaceDir) };
  }

  /** The files to import: new ones, changed ones, and those of which something they import changed. */
  async #findChanged(files: WorkflowFile[], options: { abortSignal?: AbortSignal }): Promise<WorkflowFile[]> {
    const walked = new Map(files.map((f) => [f.relativePath, f.fingerprint]));
    const unchanged = new Map<WorkflowFile, CacheEntry>();
    for (const file of files) {
      const entry = this.#cache.get(file.relativePath);
      if (entry?.fingerprint === file.fingerprint) unchanged.set(file, entry);
    }
    // Each imported file once, however many workflows share it (a workflow file imported by another is walked).
    const dependencies = new Set([...unchanged.values()].flatMap((entry) => [...entry.dependencies.keys()]));
    const current = await this.#readFingerprints(dependencies, walked, options);
    return files.filter((file) => {
      const entry = unchanged.get(file);
      return !entry || dependenciesChanged(entry, current);
    });
  }

  /** The fingerprint of each workspace-relative path now (MISSING when absent); `known` ones are not read again. */
  async #readFingerprints(
    paths: Iterable<string>,
    known: Map<string, string>,
    options: { abortSignal?: AbortSignal },
  ): Promise<Map<string, string>> {
    const limit = pLimit(this.#options.ioConcurrency);
    const current = new Map<string, string>();
    await Promise.all(
      [...paths].map((relative) =>
        limit(async () => {
          options.abortSignal?.throwIfAborted();
          const fingerprint = known.get(relative) ?? (await readFingerprint(path.join(this.#options.workspaceDir, relative)).catch(() => undefined));
          current.set(relative, fingerprint ?? MISSING);
        }),
      ),
    );
    return current;
  }
}

function dependenciesChanged(entry: CacheEntry, current: Map<string, string>): boolean {
  for (const [dependency, fingerprint] of entry.dependencies) if (current.get(dependency) !== fingerprint) return true;
  return false;
}
