// Shared by every benchmark: statistics and writing its section of BENCHMARKS.md.
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";

const BENCHMARKS_FILE = fileURLToPath(new URL("../../BENCHMARKS.md", import.meta.url));

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A markdown table from rows of cells. */
export function table(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** One line saying where and when the figures were taken. */
export function machineLine(): string {
  return `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "cpu"}), Node ${process.version}.`;
}

/** Replaces (or appends) the `<!-- bench:name -->` … `<!-- /bench:name -->` section of BENCHMARKS.md. */
export async function writeSection(name: string, markdown: string): Promise<void> {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const current = await readFile(BENCHMARKS_FILE, "utf8");
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next =
    start >= 0 && stop > start
      ? current.slice(0, start) + block + current.slice(stop + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  await writeFile(BENCHMARKS_FILE, next);
}

export const shouldWrite = process.argv.includes("--write");
