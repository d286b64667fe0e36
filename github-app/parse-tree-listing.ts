// Reads GitHub's recursive tree listing (`GET /repos/{owner}/{repo}/git/trees/{sha}?recursive=1`) from its body
// stream one entry at a time, keeping of each only what the sync engine uses (no `url`). Why not JSON.parse of
// the whole text: for 50,000 files the body is 12 MB, and the body's chunks, their joined copy, the decoded text
// and every parsed entry (with its ~130-character url) were all alive at once, ~60 MB above the CLI's baseline:
// the peak RSS of its cold sync (bench/sync, peak RSS rows; issue 23). Here the bytes are scanned for the
// structure only (strings, with their escapes, and nesting; every structural character is ASCII, so UTF-8 text
// needs no decoding to be skipped), each entry of the `tree` array is parsed on its own by JSON.parse, and the
// rest of the document (sha, url, truncated, with an empty `tree`) is parsed at the end.
import type { SourceTree, SourceTreeEntry } from "../src/sync/repository-source.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** The key whose array is read entry by entry. */
const TREE_KEY = [0x74, 0x72, 0x65, 0x65]; // "tree"

function isTreeKey(key: number[], length: number): boolean {
  return length === TREE_KEY.length && key.every((b, k) => b === TREE_KEY[k]);
}

export async function parseTreeListing(body: AsyncIterable<Uint8Array>): Promise<SourceTree> {
  const decoder = new TextDecoder();
  const entries: SourceTreeEntry[] = [];
  /** The document's bytes outside the tree's entries. */
  const rest: number[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The last string at the top object's level (a key or a value), as long as it could still be `tree`. */
  let key: number[] = [];
  let keyLength = 0;
  /** Depth of the tree array's content (its entries start there); 0 before it, -1 after it. */
  let treeDepth = 0;
  /** Bytes of entries begun in earlier chunks and not yet parsed (they start at an entry's `{`). */
  let pieces: Uint8Array[] = [];

  /** Entries are parsed a chunk's worth at a time: `[` + the entries and the commas between them + `]`. */
  const parseEntries = (bytes: Uint8Array) => {
    for (const e of JSON.parse(`[${decoder.decode(bytes)}]`) as SourceTreeEntry[]) {
      entries.push({ path: e.path, mode: e.mode, type: e.type, sha: e.sha, size: e.size });
    }
  };

  for await (const chunk of body) {
    const n = chunk.length;
    /** In this chunk: where the unparsed entries start, where the last whole one ends, where the current one starts. */
    let batchStart = pieces.length > 0 ? 0 : -1;
    let batchEnd = -1;
    let entryStart = 0;
    const flush = () => {
      if (batchEnd === -1) return;
      const last = chunk.subarray(batchStart, batchEnd);
      parseEntries(pieces.length === 0 ? last : Buffer.concat([...pieces, last]));
      pieces = [];
      batchStart = -1;
      batchEnd = -1;
    };
    let i = 0;
    while (i < n) {
      if (treeDepth > 0) {
        // Inside the tree array: only its structure is followed here, byte by byte, in one tight loop.
        for (; i < n; i++) {
          const c = chunk[i]!;
          if (inString) {
            if (escaped) escaped = false;
            else if (c === BACKSLASH) escaped = true;
            else if (c === QUOTE) inString = false;
          } else if (c === QUOTE) inString = true;
          else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
            if (depth === treeDepth) {
              entryStart = i;
              if (batchStart === -1) batchStart = i;
            }
            depth++;
          } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
            depth--;
            if (depth === treeDepth) batchEnd = i + 1;
            else if (depth < treeDepth) {
              // The tree array closed (read once: a `tree` key elsewhere is not the listing's).
              flush();
              treeDepth = -1;
              rest.push(c);
              i++;
              break;
            }
          }
        }
        continue;
      }
      // Outside the tree array (a few hundred bytes): kept, and watched for the `tree` key's array.
      const c = chunk[i++]!;
      rest.push(c);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        else if (depth === 1 && keyLength++ < TREE_KEY.length) key.push(c);
      } else if (c === QUOTE) {
        inString = true;
        if (depth === 1) {
          key = [];
          keyLength = 0;
        }
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
        if (c === OPEN_ARRAY && depth === 2 && treeDepth === 0 && isTreeKey(key, keyLength)) treeDepth = 2;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
    }
    flush();
    // An entry that goes on in the next chunk: this chunk's part of it is kept (a view; the chunk is not reused).
    if (treeDepth > 0 && depth > treeDepth) pieces.push(chunk.subarray(entryStart));
  }
  if (depth !== 0 || inString) throw new SyntaxError("The tree listing ended early (unterminated JSON).");
  const data = JSON.parse(decoder.decode(Uint8Array.from(rest))) as { tree?: unknown; truncated?: unknown };
  if (!Array.isArray(data.tree)) throw new SyntaxError("The tree listing has no `tree` array.");
  return { entries, truncated: data.truncated === true };
}
