// Streams a gzipped tarball entry by entry (gunzip + parse-tar.ts), never holding it whole, and enforces every
// archive rule on the way: entries under one top folder (stripped), safe paths, no hard links, devices or
// FIFOs, symlinks skipped (SMB cannot store them; one pointing out of the tree says so), names the share
// cannot hold skipped, size, count and
// decompression-ratio limits. Each file's git blob id is computed as it passes (or, for a file kept in memory, by
// its consumer).
import path from "node:path";
import type { Hash } from "node:crypto";
import { once } from "node:events";
import { Transform, Writable, type Readable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { createTarParser, type TarHeader } from "./parse-tar.js";
import type { SyncLimits } from "./limits.js";
import { createGitBlobHasher } from "./git-blob.js";
import { UnsafeRepositoryError, throwIfCancelled } from "./sync-error.js";
import { checkFileSize, checkRepositoryPath, checkTotalBytes, SYMLINK_REASON, unholdableEntry, type SkippedEntry } from "./target-tree.js";
import { explainArchiveError } from "./explain-archive-error.js";

export interface TarFileEntry {
  path: string;
  size: number;
  executable: boolean;
}

export interface ReadTarballOptions {
  limits: SyncLimits;
  abortSignal?: AbortSignal;
  /**
   * Where a file's bytes go: a stream, `"memory"` (collected and handed to `close`: for small files, cheaper
   * than a stream each), or undefined to drop them (they are still hashed and counted).
   */
  open(entry: TarFileEntry): TarSink | Promise<TarSink>;
  /**
   * Called once the file's bytes are through, with its blob id (and its content when kept in memory: a view
   * of the archive's buffers, valid until `close` returns or awaits, so copy what you keep). A file kept in
   * memory is not hashed here (`sha` undefined): its consumer hashes it off the main thread.
   */
  close(entry: TarFileEntry, sha: string | undefined, kept: boolean, content?: Buffer): Promise<void> | void;
  /**
   * For a path (under the top folder) that already passed the same checks, the very same string: a planned
   * write, taken from the commit's tree by buildTargetTree. Its share-name and path checks are not repeated
   * (10,000 of them were ~60 ms of a cold sync's main thread), and the entry carries the string returned (the
   * plan's own) rather than the archive's: everything staged refers to one string per path.
   */
  checkedPath?(relative: string): string | undefined;
}

export type TarSink = Writable | "memory" | undefined;

export interface TarballSummary {
  /** Gzipped bytes read from the source. */
  compressedBytes: number;
  files: number;
  skipped: SkippedEntry[];
}

export async function readTarball(input: Readable, options: ReadTarballOptions): Promise<TarballSummary> {
  const { limits } = options;
  let compressed = 0;
  let decompressed = 0;
  const countCompressed = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      compressed += chunk.byteLength;
      callback(null, chunk);
    },
  });
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.abortSignal?.reason);
  options.abortSignal?.addEventListener("abort", onAbort, { once: true });
  // 512 KB output chunks instead of zlib's 16 KB. Each chunk is a hand-off: inflate runs on libuv's pool, then a
  // callback, a trip through the stream below and a wake-up on the main thread, then the next inflate step (the
  // stream holds one chunk ahead). Measured with bench/sync/profile.ts (10,000 files into /dev/shm, medians of
  // 10 syncs, A/B/A/B on a quiet machine): 128 KB 432-449 ms wall / 605-635 ms CPU, 256 KB 356, 512 KB 341-368 ms /
  // 501-527 ms, 1 MB 391, 2 MB 406 (larger is slower again: not explained here); a larger read-ahead instead
  // (256 KB chunks, 1 MB high-water mark) did no better. The CLI's peak RSS moved by ~3 MB (one 100 MB file:
  // 116 → 119 MB).
  const gunzip = createGunzip({ chunkSize: 512 * 1024 });

  const summary: TarballSummary = { compressedBytes: 0, files: 0, skipped: [] };
  let prefix: string | undefined;
  let entries = 0;
  let topFolderSeen = false;
  let totalBytes = 0;
  /** The file entry being read (undefined while passing over a folder, link or skipped entry). */
  let file: TarFileEntry | undefined;
  let sink: TarSink;
  let hasher: Hash | undefined;
  let pieces: Buffer[] = [];

  const begin = (opened: TarSink) => {
    sink = opened;
    hasher = sink === "memory" ? undefined : createGitBlobHasher(file!.size);
  };
  const closeFile = () => {
    const entry = file!;
    file = undefined;
    summary.files++;
    const content = sink === "memory" ? (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)) : undefined;
    pieces = [];
    return options.close(entry, hasher?.digest("hex"), sink !== undefined, content);
  };

  const openFile = (relative: string, header: TarHeader) => {
    file = { path: relative, size: header.size, executable: (header.mode & 0o100) !== 0 };
    checkFileSize(file.path, file.size, limits);
    totalBytes += file.size;
    checkTotalBytes(totalBytes, limits);
    const opening = options.open(file);
    if (opening instanceof Promise) return opening.then(begin);
    begin(opening);
    return undefined;
  };

  const parser = createTarParser({
    entry(header) {
      throwIfCancelled(options.abortSignal);
      file = undefined;
      prefix ??= topFolder(header.name);
      const name = header.name;
      // The archive's top folder (`owner-repo-sha/`) is not an entry of the tree, which counts the same limit:
      // counted once it would refuse a tree of exactly maxEntries by one path and not by the other.
      const isTopFolder = !topFolderSeen && header.type === "directory" && name.length <= prefix.length + 1 && name.replace(/\/+$/, "") === prefix;
      if (isTopFolder) topFolderSeen = true;
      else if (++entries > limits.maxEntries) {
        throw new UnsafeRepositoryError(`The repository archive has more than ${limits.maxEntries} entries, the most a workspace sync accepts.`, {
          reason: "too_many_entries",
        });
      }
      // The common case first: a planned file, its path checked already (see checkedPath).
      if ((header.type === "file" || header.type === "contiguous-file") && options.checkedPath && name.length > prefix.length + 1 && name.charCodeAt(prefix.length) === 47 && name.startsWith(prefix)) {
        const checked = options.checkedPath(name.slice(prefix.length + 1));
        if (checked !== undefined) return openFile(checked, header);
      }
      // A name the share cannot hold (a backslash, a tab, `what?.ts`) skips that entry, as on the blob path.
      const unholdable = unholdableInArchive(header.name, prefix);
      if (unholdable) {
        if (header.type !== "directory") summary.skipped.push(unholdable);
        return;
      }
      const relative = stripPrefix(header.name, prefix);
      if (relative === "") return;
      switch (header.type) {
        case "directory":
          return;
        case "symlink":
          // Skipped either way (the share cannot store links); one pointing out of the tree is reported as
          // such rather than failing the sync: the blob path, which never sees link targets, skips it too.
          summary.skipped.push({ path: relative, kind: "symlink", reason: linkTargetProblem(relative, header) ?? SYMLINK_REASON });
          return;
        case "file":
        case "contiguous-file":
          break;
        default:
          throw new UnsafeRepositoryError(`The repository archive contains ${describeType(header.type)} "${relative}", which a workspace never holds.`, {
            reason: `entry_${header.type ?? "unknown"}`,
            path: relative,
          });
      }
      // `relative` passed the path check in stripPrefix.
      return openFile(relative, header);
    },
    data(piece) {
      if (file === undefined) return undefined;
      hasher?.update(piece);
      if (sink === "memory") pieces.push(piece);
      else if (sink && !sink.write(piece)) return once(sink, "drain").then(() => undefined);
      return undefined;
    },
    end() {
      if (file === undefined) return undefined;
      if (sink === undefined || sink === "memory") return closeFile();
      const stream = sink;
      stream.end();
      return finished(stream).then(closeFile);
    },
  });
  // A gzip bomb is stopped while it inflates, before its bytes reach the parser or the disk.
  const parse = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      decompressed += chunk.byteLength;
      if (decompressed > limits.ratioCheckAfterBytes && decompressed / Math.max(compressed, 1) > limits.maxCompressionRatio) {
        callback(
          new UnsafeRepositoryError(`The repository archive inflates more than ${limits.maxCompressionRatio}x (a gzip bomb?); refusing it.`, {
            reason: "compression_ratio",
          }),
        );
        return;
      }
      parser.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      try {
        parser.finish();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  try {
    await pipeline(input, countCompressed, gunzip, parse, { signal: stop.signal });
  } catch (error) {
    // A large file streaming to disk when the archive failed: its descriptor is closed now.
    if (file !== undefined && sink !== undefined && sink !== "memory") sink.destroy();
    throwIfCancelled(options.abortSignal);
    throw explainArchiveError(error);
  } finally {
    options.abortSignal?.removeEventListener("abort", onAbort);
  }
  throwIfCancelled(options.abortSignal);
  if (prefix === undefined) {
    throw new UnsafeRepositoryError("The repository archive is empty or not a tar archive.", { reason: "empty_archive" });
  }
  summary.compressedBytes = compressed;
  return summary;
}

/** The single top folder of the archive (`owner-repo-shortsha`), taken from its first entry. */
function topFolder(name: string): string {
  const checked = checkRepositoryPath(name.replace(/\/+$/, ""));
  return checked.split("/")[0]!;
}

function stripPrefix(name: string, prefix: string): string {
  const trimmed = name.replace(/\/+$/, "");
  if (trimmed === prefix) return "";
  if (!trimmed.startsWith(`${prefix}/`)) {
    // Check the whole name first so "/etc/passwd" or "../x" get their own precise reason.
    checkRepositoryPath(trimmed);
    throw new UnsafeRepositoryError(`The repository archive has an entry outside its top folder: "${trimmed}".`, {
      reason: "outside_top_folder",
      path: trimmed,
    });
  }
  // The prefix passed its check once (topFolder): checking the rest checks the whole name.
  return checkRepositoryPath(trimmed.slice(prefix.length + 1));
}

/**
 * A symlink pointing out of the tree is how an archive escapes its folder when extracted by a tool that
 * follows links; the engine never creates links, so it is only named in the report.
 */
function linkTargetProblem(relative: string, header: TarHeader): string | undefined {
  const target = header.linkname ?? "";
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(relative), target));
  if (target === "" || path.posix.isAbsolute(target) || resolved === ".." || resolved.startsWith("../")) {
    return `${SYMLINK_REASON}, and this one points outside the repository`;
  }
  return undefined;
}

/** The entry as a skipped one when its path under the top folder is a name the share cannot hold. */
function unholdableInArchive(name: string, prefix: string): SkippedEntry | undefined {
  const trimmed = name.replace(/\/+$/, "");
  if (!trimmed.startsWith(`${prefix}/`)) return undefined;
  return unholdableEntry(trimmed.slice(prefix.length + 1));
}

function describeType(type: string | null | undefined): string {
  switch (type) {
    case "link":
      return "a hard link";
    case "character-device":
    case "block-device":
      return "a device file";
    case "fifo":
      return "a FIFO";
    default:
      return `an entry of type ${type ?? "unknown"}`;
  }
}
