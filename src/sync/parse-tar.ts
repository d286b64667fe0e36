// A tar parser fed the gunzipped stream chunk by chunk, calling back per entry and per piece of content, with
// no stream per entry and no copy of the content (each piece is a view of the chunk it arrived in).
//
// Why not tar-stream, which this replaces (and which the tests still use to build hostile archives): profiled
// on a cold sync of 10,000 files in RAM (bench/sync/profile.ts, BENCHMARKS.md note of issue 23), tar-stream's
// header decoding, its streamx stream per entry and the async iteration over each of them took ~250 ms of the
// main thread's ~900 ms, more than the whole file-system work of tar(1). This parser reads what tar-stream read
// and the way it read it: ustar (with its name prefix), GNU (`L`/`K` long names and link names) and pax
// (`x`, and `g` for every entry after it: path, linkpath, size) headers, base-256 sizes, all-zero blocks
// skipped; a bad checksum is "Invalid tar header", an archive cut inside an entry is "Unexpected end of data"
// (explain-archive-error.ts names both), a header of unknown format is refused as tar-stream did.

export type TarEntryType =
  | "file"
  | "link"
  | "symlink"
  | "character-device"
  | "block-device"
  | "directory"
  | "fifo"
  | "contiguous-file"
  | null;

export interface TarHeader {
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  linkname: string | null;
}

export interface TarParserHandlers {
  /** An entry's header, long names and pax records applied. Its content follows (`size` bytes) through `data`. */
  entry(header: TarHeader): void | Promise<void>;
  /** A piece of the current entry's content: a view of the chunk, valid until this returns or awaits. */
  data(piece: Buffer): void | Promise<void>;
  /** The current entry's content is complete. */
  end(): void | Promise<void>;
}

export interface TarParser {
  /** Parses one chunk (awaiting the handlers that ask for it). */
  write(chunk: Buffer): Promise<void>;
  /** Throws "Unexpected end of data" when the input stopped inside an entry or a header. */
  finish(): void;
}

/** A long name or pax record larger than this is refused (tar-stream's bound). */
const MAX_HEADER_SIZE = 4 * 1024 * 1024;
const BLOCK = 512;

type LongKind = "gnu-long-path" | "gnu-long-link-path" | "pax-header" | "pax-global-header";

export function createTarParser(handlers: TarParserHandlers): TarParser {
  /** A header split between two chunks is gathered here. */
  const header = Buffer.alloc(BLOCK);
  let headerBytes = 0;
  /** Content bytes of the current entry still to come (then its padding: `padding`). */
  let missing = 0;
  let inEntry = false;
  let padding = 0;
  /** A long-name or pax record being gathered. */
  let long: { kind: LongKind; bytes: Buffer; at: number } | undefined;
  let gnuLongPath: string | undefined;
  let gnuLongLinkPath: string | undefined;
  let pax: Record<string, string> | undefined;
  let paxGlobal: Record<string, string> | undefined;

  const startEntry = (block: Buffer): void | Promise<void> => {
    const decoded = decodeHeader(block);
    if (decoded === null) return; // an all-zero block (the end marker, or padding)
    const { typeflag } = decoded;
    const longKind = LONG_KINDS[typeflag];
    if (longKind) {
      if (!(decoded.size >= 0) || decoded.size > MAX_HEADER_SIZE) throw new Error("Header exceeds max size");
      long = { kind: longKind, bytes: Buffer.alloc(decoded.size), at: 0 };
      padding = overflow(decoded.size);
      if (decoded.size === 0) finishLong();
      return;
    }
    const result: TarHeader = { name: decoded.name, type: toType(typeflag), size: decoded.size, mode: decoded.mode, linkname: decoded.linkname };
    if (gnuLongPath !== undefined) result.name = gnuLongPath;
    if (gnuLongLinkPath !== undefined) result.linkname = gnuLongLinkPath;
    gnuLongPath = gnuLongLinkPath = undefined;
    // A global record applies through the next entry's own pax header only (merged there), as in tar-stream.
    if (pax) {
      if (pax.path) result.name = pax.path;
      if (pax.linkpath) result.linkname = pax.linkpath;
      if (pax.size) result.size = parseInt(pax.size, 10);
      pax = undefined;
    }
    if (!(result.size >= 0)) throw new Error("Invalid header");
    // A directory's size says nothing about content that follows (tar-stream reads none either).
    const size = result.type === "directory" ? 0 : result.size;
    missing = size;
    padding = overflow(size);
    inEntry = true;
    return handlers.entry(result);
  };

  const finishLong = () => {
    const { kind, bytes } = long!;
    long = undefined;
    switch (kind) {
      case "gnu-long-path":
        gnuLongPath = decodeString(bytes, 0, bytes.length);
        break;
      case "gnu-long-link-path":
        gnuLongLinkPath = decodeString(bytes, 0, bytes.length);
        break;
      case "pax-global-header":
        paxGlobal = decodePax(bytes);
        break;
      case "pax-header":
        pax = paxGlobal === undefined ? decodePax(bytes) : { ...paxGlobal, ...decodePax(bytes) };
        break;
    }
  };

  return {
    async write(chunk) {
      let at = 0;
      while (at < chunk.length) {
        if (inEntry) {
          if (missing > 0) {
            const take = Math.min(missing, chunk.length - at);
            missing -= take;
            const piece = chunk.subarray(at, at + take);
            at += take;
            const pending = handlers.data(piece);
            if (pending) await pending;
            if (missing > 0) continue;
          }
          inEntry = false;
          const pending = handlers.end();
          if (pending) await pending;
          continue;
        }
        if (long) {
          const take = Math.min(long.bytes.length - long.at, chunk.length - at);
          chunk.copy(long.bytes, long.at, at, at + take);
          long.at += take;
          at += take;
          if (long.at === long.bytes.length) finishLong();
          continue;
        }
        if (padding > 0) {
          const take = Math.min(padding, chunk.length - at);
          padding -= take;
          at += take;
          continue;
        }
        let block: Buffer;
        if (headerBytes === 0 && chunk.length - at >= BLOCK) {
          block = chunk.subarray(at, at + BLOCK);
          at += BLOCK;
        } else {
          const take = Math.min(BLOCK - headerBytes, chunk.length - at);
          chunk.copy(header, headerBytes, at, at + take);
          headerBytes += take;
          at += take;
          if (headerBytes < BLOCK) continue;
          headerBytes = 0;
          block = header;
        }
        const pending = startEntry(block);
        if (pending) await pending;
        // An empty entry ends at once (its header is its whole record).
        if (inEntry && missing === 0) {
          inEntry = false;
          const ended = handlers.end();
          if (ended) await ended;
        }
      }
    },
    finish() {
      if (inEntry || missing > 0 || long !== undefined || headerBytes > 0 || padding > 0) throw new Error("Unexpected end of data");
    },
  };
}

const LONG_KINDS: Record<number, LongKind | undefined> = { 28: "gnu-long-path", 30: "gnu-long-path", 27: "gnu-long-link-path", 72: "pax-header", 55: "pax-global-header" };

function toType(flag: number): TarEntryType {
  switch (flag) {
    case 0:
      return "file";
    case 1:
      return "link";
    case 2:
      return "symlink";
    case 3:
      return "character-device";
    case 4:
      return "block-device";
    case 5:
      return "directory";
    case 6:
      return "fifo";
    case 7:
      return "contiguous-file";
  }
  return null;
}

/** Bytes of padding after `size` bytes of content, to the next 512-byte block. */
function overflow(size: number): number {
  const rest = size & 511;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** The header's fields, or null for an all-zero block. Throws on a bad checksum or an unknown format. */
export function decodeHeader(block: Buffer): { name: string; typeflag: number; size: number; mode: number; linkname: string | null } | null {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  if (sum === 8 * 32) return null;
  if (sum !== decodeOctal(block, 148, 8)) throw new Error("Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?");
  let typeflag = block[156] === 0 ? 0 : block[156]! - 48;
  let name = decodeString(block, 0, 100);
  if (isMagic(block, USTAR)) {
    if (block[345] !== 0) name = `${decodeString(block, 345, 155)}/${name}`;
  } else if (!(isMagic(block, GNU) && block[263] === 0x20 && block[264] === 0)) {
    throw new Error("Invalid tar header: unknown format.");
  }
  // Old tars mark a folder by a trailing slash on a plain file.
  if (typeflag === 0 && name.endsWith("/")) typeflag = 5;
  return {
    name,
    typeflag,
    size: decodeOctal(block, 124, 12),
    mode: decodeOctal(block, 100, 8),
    linkname: block[157] === 0 ? null : decodeString(block, 157, 100),
  };
}

const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0"
const GNU = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20]; // "ustar "

function isMagic(block: Buffer, magic: number[]): boolean {
  for (let i = 0; i < 6; i++) if (block[257 + i] !== magic[i]) return false;
  return true;
}

/** A NUL-terminated UTF-8 field. */
function decodeString(block: Buffer, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && block[end] !== 0) end++;
  return block.toString("utf8", offset, end);
}

/** An octal field (leading spaces and NULs skipped, up to a space or NUL), or base-256 when its high bit is set. */
function decodeOctal(block: Buffer, offset: number, length: number): number {
  const end = offset + length;
  if (block[offset]! & 0x80) return decodeBase256(block, offset, end);
  let at = offset;
  while (at < end && block[at] === 32) at++;
  while (at < end && block[at] === 0) at++;
  if (at === end || block[at] === 32) return 0;
  let value = 0;
  let digits = 0;
  for (; at < end; at++) {
    const c = block[at]!;
    if (c < 48 || c > 55) break;
    value = value * 8 + (c - 48);
    digits++;
  }
  return digits === 0 ? Number.NaN : value;
}

/** Base-256 (GNU, for sizes past 8 GB): 0x80 then the big-endian value; 0xFF for a negative one. */
function decodeBase256(block: Buffer, offset: number, end: number): number {
  const positive = block[offset] === 0x80;
  if (!positive && block[offset] !== 0xff) return Number.NaN;
  let value = 0;
  for (let i = offset + 1; i < end; i++) value = value * 256 + (positive ? block[i]! : 0xff - block[i]!);
  return positive ? value : -value;
}

/** pax records: `<length> <key>=<value>\n` each. */
function decodePax(bytes: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < bytes.length) {
    let space = at;
    while (space < bytes.length && bytes[space] !== 32) space++;
    const length = parseInt(bytes.toString("utf8", at, space), 10);
    if (!length) return records;
    const record = bytes.toString("utf8", space + 1, at + length - 1);
    const equals = record.indexOf("=");
    if (equals === -1) return records;
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}
