// What a repository may contain before the engine refuses it. Each limit fails the run with a sentence that
// names the limit and the offending path, before the workspace is touched.

export interface SyncLimits {
  /** Largest single file (MAX_FILE_BYTES, shared with the files API). */
  maxFileBytes: number;
  /** Sum of all file sizes of the target commit. */
  maxTotalBytes: number;
  /** Entries (files, folders, links) in the tree or archive. */
  maxEntries: number;
  /**
   * Decompressed / compressed bytes of the tarball, checked once more than `ratioCheckAfterBytes` came out:
   * source code compresses 3-10x, a gzip bomb 1000x. Repetitive files can exceed this on their own, hence
   * the generous figure and the floor before it is checked.
   */
  maxCompressionRatio: number;
  ratioCheckAfterBytes: number;
}

/** MAX_FILE_BYTES's default, the same for the host (files API, sync worker) and the CLI. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export const DEFAULT_SYNC_LIMITS: Omit<SyncLimits, "maxFileBytes"> = {
  maxTotalBytes: 4 * 1024 ** 3,
  maxEntries: 250_000,
  maxCompressionRatio: 200,
  ratioCheckAfterBytes: 32 * 1024 ** 2,
};

export function resolveLimits(maxFileBytes: number, overrides: Partial<SyncLimits> = {}): SyncLimits {
  return { ...DEFAULT_SYNC_LIMITS, maxFileBytes, ...overrides };
}
