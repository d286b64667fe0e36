// The tree listing read entry by entry (parse-tree-listing.ts) must give what JSON.parse of the whole body
// gives, however the body is cut into chunks and whatever a path holds (quotes, backslashes, braces, UTF-8).
import { describe, expect, it } from "vitest";
import { parseTreeListing } from "./parse-tree-listing.js";

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function listing(paths: string[], options: { truncated?: boolean; space?: number } = {}): string {
  const tree = paths.map((path, i) => ({
    mode: i % 4 === 3 ? "040000" : i % 5 === 4 ? "100755" : "100644",
    type: i % 4 === 3 ? "tree" : "blob",
    sha: i.toString(16).padStart(40, "0"),
    path,
    ...(i % 4 === 3 ? {} : { size: i * 37 }),
    url: `https://api.github.com/repos/o/r/git/blobs/${i.toString(16).padStart(40, "0")}`,
  }));
  return JSON.stringify({ sha: "f".repeat(40), url: "https://api.github.com/repos/o/r/git/trees/x", tree, truncated: options.truncated ?? false }, null, options.space);
}

const PATHS = ["README.md", 'odd "quoted" {name}.txt', "back\\slash\\[x].md", "tab\there", "ünïcødé/日本語/файл.ts", "emoji 😀/🎉.bin", "tree", "a/tree/b", "]},{[", "\\"];

describe("parseTreeListing", () => {
  it.each([1, 2, 3, 7, 64, 1 << 20])("reads every entry without its url, in chunks of %i bytes", async (size) => {
    const text = listing(PATHS);
    const parsed = await parseTreeListing(chunks(new TextEncoder().encode(text), size));
    const expected = (JSON.parse(text) as { tree: Record<string, unknown>[] }).tree.map(({ url: _url, ...entry }) => entry);
    expect(parsed.entries).toEqual(expected);
    expect(parsed.entries.every((e) => !("url" in e) || (e as { url?: unknown }).url === undefined)).toBe(true);
    expect(parsed.truncated).toBe(false);
  });

  it("reads `truncated`, keys in any order, and whitespace between everything", async () => {
    const pretty = listing(PATHS, { truncated: true, space: 2 });
    const parsed = await parseTreeListing(chunks(new TextEncoder().encode(pretty), 5));
    expect(parsed.truncated).toBe(true);
    expect(parsed.entries.map((e) => e.path)).toEqual(PATHS);

    const reordered = `{"truncated":true,"tree":[{"path":"a","mode":"100644","type":"blob","sha":"${"1".repeat(40)}","size":1}],"sha":"x"}`;
    expect(await parseTreeListing(chunks(new TextEncoder().encode(reordered), 3))).toEqual({
      entries: [{ path: "a", mode: "100644", type: "blob", sha: "1".repeat(40), size: 1 }],
      truncated: true,
    });
  });

  it("reads an empty tree, and refuses a body cut short or without a tree", async () => {
    expect(await parseTreeListing(chunks(new TextEncoder().encode('{"sha":"x","tree":[],"truncated":false}'), 4))).toEqual({ entries: [], truncated: false });
    const text = listing(PATHS);
    await expect(parseTreeListing(chunks(new TextEncoder().encode(text.slice(0, text.length - 40)), 64))).rejects.toThrow(SyntaxError);
    await expect(parseTreeListing(chunks(new TextEncoder().encode('{"message":"x"}'), 64))).rejects.toThrow(/no `tree` array/);
  });
});
