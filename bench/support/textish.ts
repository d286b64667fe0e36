// Bench file contents: deterministic, and compressing like source code (~3x), so archives look like real ones
// (the sync refuses an archive that inflates like a gzip bomb).

/** Deterministic pseudo-random bytes that compress like source code (~3x), not like zeros or noise. */
export function textish(seed: number, size: number): Buffer {
  const words = ["const", "function", "return", "await", "import", "export", "value", "workflow", "if", "else", "=>", "{", "}", "(", ")", ";", "\n", "  "];
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 + 1;
  let at = 0;
  while (at < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    const word = x % 7 === 0 ? (x >>> 8).toString(36) : words[x % words.length]!;
    at += out.write(`${word} `, at);
  }
  return out;
}

