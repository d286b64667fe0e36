// The whole workspace as a zip, streamed: the client's download pulls the entries through as it reads, so
// memory stays bounded whatever the workspace size. Readable while GitHub manages the workspace: it is the
// backup offered before a sync overwrites manual work. Hidden noise and temp files are left out, as in the tree.
//
// Why two ways in: a zlib stream per entry costs ~1 ms of set-up, which made 1,000 small files 3-4× slower
// than `zip -r`. Small files are therefore read ahead (bounded by IO_CONCURRENCY and READ_AHEAD_BYTES) and
// handed to yazl as buffers, compressed on libuv's thread pool; large files keep streaming from disk.
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pipeline, Transform, type Readable } from "node:stream";
import { ZipFile } from "yazl";
import { listWorkspaceTree, type FileNode, type FolderNode, type TreeNode } from "./list-workspace-tree.js";
import { resolveWorkspacePath } from "./safe-path.js";
import type { WorkspaceCallOptions, WorkspaceDeps } from "./workspace-deps.js";

export interface WorkspaceZip {
  /** `workspace-2025-01-31T120000Z.zip` (UTC). */
  fileName: string;
  stream: Readable;
  files: number;
  /** Uncompressed bytes of all files. */
  bytes: number;
}

const SMALL_FILE_BYTES = 1024 * 1024;
const READ_AHEAD_BYTES = 16 * 1024 * 1024;
/** Compressed bytes allowed to wait for the client before we stop adding entries. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const OUTPUT_CHUNK_BYTES = 64 * 1024;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export async function zipWorkspace(
  deps: Pick<WorkspaceDeps, "workspaceDir" | "ioConcurrency">,
  options: WorkspaceCallOptions & { now?: Date } = {},
): Promise<WorkspaceZip> {
  const { absolute: root } = await resolveWorkspacePath(deps.workspaceDir, "", { allowRoot: true });
  const tree = await listWorkspaceTree(deps, { etags: false, abortSignal: options.abortSignal });
  const zip = new ZipFile();
  const output = zip.outputStream as Readable & { writableLength: number };
  // A failed read must end the download as an error, never as a short zip that looks complete.
  zip.on("error", (error: Error) => output.destroy(error));
  const feeding = feedEntries(zip, output, flatten(tree.root), root, deps.ioConcurrency).catch((error: unknown) => {
    output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  void feeding;
  // yazl writes a few small buffers per entry; each chunk costs a trip through the host's web streams and
  // the socket, so they leave in 64 KiB pieces. pipeline() passes errors on and a client abort back.
  const stream = pipeline(output, coalesceChunks(OUTPUT_CHUNK_BYTES), () => undefined);
  const stamp = (options.now ?? new Date()).toISOString().slice(0, 19).replace(/:/g, "");
  return { fileName: `workspace-${stamp}Z.zip`, stream, files: tree.files, bytes: tree.bytes };
}

function flatten(folder: FolderNode, into: TreeNode[] = []): TreeNode[] {
  for (const node of folder.children) {
    into.push(node);
    if (node.type === "folder") flatten(node, into);
  }
  return into;
}

type Read = { data: Buffer } | { error: NodeJS.ErrnoException };

async function feedEntries(zip: ZipFile, output: Readable & { writableLength: number }, nodes: TreeNode[], root: string, concurrency: number): Promise<void> {
  const absolute = (node: TreeNode) => path.join(root, ...node.path.split("/"));
  const isSmall = (node: TreeNode): boolean => node.type === "file" && node.size <= SMALL_FILE_BYTES;
  const reads = new Map<number, Promise<Read>>();
  let started = 0;
  let aheadBytes = 0;
  const readAhead = () => {
    for (; started < nodes.length && reads.size < concurrency && aheadBytes < READ_AHEAD_BYTES; started++) {
      const node = nodes[started]!;
      if (!isSmall(node)) continue;
      aheadBytes += (node as FileNode).size;
      reads.set(started, readFile(absolute(node)).then((data) => ({ data }), (error: NodeJS.ErrnoException) => ({ error })));
    }
  };
  let streaming: Promise<void> = Promise.resolve();
  let current: ReturnType<typeof createReadStream> | undefined;
  // The client went away (or the zip failed): stop reading the large file in progress, stop feeding.
  const closed = new Promise<void>((resolve) => output.once("close", () => {
    current?.destroy();
    resolve();
  }));
  const settled = async () => {
    await Promise.race([streaming, closed]);
    return !output.destroyed;
  };

  for (let i = 0; i < nodes.length; i++) {
    readAhead();
    const node = nodes[i]!;
    const metadata = { mtime: new Date(node.modified), mode: (node.type === "folder" ? S_IFDIR : S_IFREG) | node.mode };
    if (node.type === "folder") {
      zip.addEmptyDirectory(node.path, metadata);
      continue;
    }
    if (!isSmall(node)) {
      // Entries queue behind a streaming one; wait for it so they do not pile up in memory meanwhile.
      if (!(await settled())) return;
      streaming = new Promise((resolve) => {
        zip.addReadStreamLazy(node.path, metadata, (callback) => {
          const stream = createReadStream(absolute(node));
          current = stream;
          stream.on("error", (error) => zip.emit("error", error));
          stream.on("close", () => resolve());
          callback(null, stream);
        });
      });
      continue;
    }
    const read = await reads.get(i)!;
    reads.delete(i);
    aheadBytes -= (node as FileNode).size;
    if ("error" in read) {
      // Deleted since the listing: leave it out (it is not in the workspace any more).
      if (read.error.code === "ENOENT") continue;
      throw read.error;
    }
    if (!(await settled()) || !(await roomInOutput(output))) return;
    zip.addBuffer(read.data, node.path, metadata);
  }
  if (await settled()) zip.end();
}

/** Waits while the client is behind; false when it has gone away. */
async function roomInOutput(output: Readable & { writableLength: number }): Promise<boolean> {
  while (!output.destroyed && output.writableLength > MAX_BUFFERED_BYTES) {
    await new Promise<void>((resolve) => {
      const done = () => {
        output.off("drain", done);
        output.off("close", done);
        resolve();
      };
      output.on("drain", done);
      output.on("close", done);
    });
  }
  return !output.destroyed;
}

function coalesceChunks(minBytes: number): Transform {
  let parts: Buffer[] = [];
  let size = 0;
  const take = () => {
    const out = Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return out;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      size += chunk.length;
      callback(null, size >= minBytes ? take() : undefined);
    },
    flush(callback) {
      callback(null, size > 0 ? take() : undefined);
    },
  });
}
