// A pull request check's findings as GitHub shows them: a conclusion, a title, a Markdown summary (what the
// merge would do to the workspace, what fails) and annotations on the exact file and line. Pure: the GitHub
// side (github-app/pull-request-checks/) sends it, in batches of GitHub's 50 annotations per request.
// https://docs.github.com/rest/checks/runs#update-a-check-run
import type { TreeChange } from "./check-tree-change.js";

export type CheckConclusion = "success" | "failure" | "neutral";

export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  level: "notice" | "warning" | "failure";
  title: string;
  message: string;
}

/** A problem found in the head's code (a workflow that does not load, a type error), at its place. */
export interface CodeProblem {
  path: string;
  line: number;
  endLine?: number;
  title: string;
  message: string;
}

export interface CheckFindings {
  baseSha: string;
  headSha: string;
  tree: TreeChange;
  /** Workflow discovery over the head's files (absent when not run: the tree was refused). */
  workflows?: { changed: string[]; problems: CodeProblem[] };
  /** The TypeScript check of the changed files (absent when not run). */
  typeErrors?: CodeProblem[];
  /** Parts that could not run, with why: the conclusion is then `neutral` unless something failed. */
  skippedParts?: string[];
}

export interface CheckReport {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

/** GitHub's limit for `output.summary` and `output.text`. */
export const MAX_SUMMARY_CHARS = 65_535;
const LISTED_PATHS = 30;

export function buildCheckReport(findings: CheckFindings): CheckReport {
  const { tree } = findings;
  const annotations: CheckAnnotation[] = [];
  const failures: string[] = [];
  if (tree.refused) {
    failures.push(`The sync would refuse this commit: ${tree.refused.message}`);
    if (tree.refused.path) annotations.push(fileAnnotation(tree.refused.path, "Refused by the sync", tree.refused.message));
  }
  if (tree.emptiesWorkspace) failures.push(`This commit has no files: merged, it would leave the workspace empty, and the sync refuses that.`);
  for (const entry of tree.unholdable) {
    const why = entry.reason ?? entry.kind;
    failures.push(`\`${entry.path}\` cannot be held by the workspace: ${why}.`);
    annotations.push(fileAnnotation(entry.path, "The workspace cannot hold this entry", `${why}. The sync skips it; rename or remove it.`));
  }
  for (const problem of findings.workflows?.problems ?? []) {
    failures.push(`\`${problem.path}\` line ${problem.line}: ${problem.title}.`);
    annotations.push(codeAnnotation(problem));
  }
  for (const problem of findings.typeErrors ?? []) {
    failures.push(`\`${problem.path}\` line ${problem.line}: ${problem.message}`);
    annotations.push(codeAnnotation(problem));
  }
  const skipped = findings.skippedParts ?? [];
  const conclusion: CheckConclusion = failures.length > 0 ? "failure" : skipped.length > 0 ? "neutral" : "success";
  const counts = `${tree.added.length} added, ${tree.changed.length} changed, ${tree.deleted.length} deleted`;
  const title =
    conclusion === "failure"
      ? `${failures.length} problem${failures.length === 1 ? "" : "s"}: the workspace would break`
      : conclusion === "neutral"
        ? `Checked in part: ${counts}`
        : `Ready to sync: ${counts}`;
  return { conclusion, title, summary: clip(renderSummary(findings, failures, skipped)), annotations };
}

function renderSummary(findings: CheckFindings, failures: string[], skipped: string[]): string {
  const { tree } = findings;
  const lines = [
    `Merged as it is, this pull request would take the workspace from \`${findings.baseSha.slice(0, 7)}\` to \`${findings.headSha.slice(0, 7)}\`:`,
    "",
    "| | files |",
    "|---|---|",
    `| added | ${tree.added.length} |`,
    `| changed | ${tree.changed.length} |`,
    `| deleted | ${tree.deleted.length} |`,
    `| in the workspace after | ${tree.headFiles} |`,
    "",
    `Empty-tree guard: ${tree.emptiesWorkspace ? "**refuses** (the commit has no files)" : "passes"}.`,
  ];
  if (findings.workflows) {
    const changed = findings.workflows.changed;
    lines.push("", changed.length === 0 ? "No workflow changes." : `Workflows that change: ${changed.map((n) => `\`${n}\``).join(", ")}.`);
  }
  if (failures.length > 0) lines.push("", "### What fails", "", ...failures.map((f) => `- ${f}`));
  if (skipped.length > 0) lines.push("", "### Not checked", "", ...skipped.map((s) => `- ${s}`));
  for (const [label, paths] of [["Added", tree.added], ["Changed", tree.changed], ["Deleted", tree.deleted]] as const) {
    if (paths.length === 0) continue;
    const shown = paths.slice(0, LISTED_PATHS).map((p) => `\`${p}\``).join(", ");
    lines.push("", `<details><summary>${label} (${paths.length})</summary>`, "", shown + (paths.length > LISTED_PATHS ? `, and ${paths.length - LISTED_PATHS} more` : ""), "", "</details>");
  }
  return lines.join("\n");
}

function fileAnnotation(path: string, title: string, message: string): CheckAnnotation {
  return { path, startLine: 1, endLine: 1, level: "failure", title, message };
}

function codeAnnotation(problem: CodeProblem): CheckAnnotation {
  return { path: problem.path, startLine: problem.line, endLine: problem.endLine ?? problem.line, level: "failure", title: problem.title, message: problem.message };
}

function clip(text: string): string {
  if (text.length <= MAX_SUMMARY_CHARS) return text;
  const note = "\n\n… (cut at GitHub's limit)";
  return text.slice(0, MAX_SUMMARY_CHARS - note.length) + note;
}
