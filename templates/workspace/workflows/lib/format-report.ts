// A helper module: not a workflow (no workflow default export), imported by workflows/word-count.ts.
// Saving a change here is picked up by the next run of every workflow that imports it.
export interface WordCount {
  word: string;
  count: number;
}

export function countWords(text: string): WordCount[] {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  return [...counts].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count || a.word.localeCompare(b.word));
}

export function formatReport(counts: WordCount[], top: number): string {
  return counts.slice(0, top).map((c, i) => `${i + 1}. ${c.word} (${c.count})`).join("\n");
}
