// Parameters around runs: the last ones used per workflow (this browser's localStorage, so a run form or the
// editor's run panel starts from them), masking of values that look secret wherever runs are listed, and the
// server's 400 `invalid_params` read back onto the form's fields.
import { ApiError, describeError } from "../api/client.js";
import type { ParameterProblem } from "../../../src/api-types.js";

const KEY = (workflow: string) => `funcspace.run-params.${workflow}`;

/** Parameter names whose values are never shown in lists nor remembered in the browser. */
const SECRET_NAME = /secret|passw|pwd|token|api[-_]?key|private[-_]?key|credential|auth/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function rememberParams(workflow: string, params: Record<string, unknown>): void {
  const kept = Object.fromEntries(Object.entries(params).filter(([name]) => !isSecretName(name)));
  try {
    localStorage.setItem(KEY(workflow), JSON.stringify(kept));
  } catch {
    // Storage full or disabled: the form starts from the defaults next time.
  }
}

export function recallParams(workflow: string): Record<string, unknown> | undefined {
  try {
    const text = localStorage.getItem(KEY(workflow));
    const value: unknown = text ? JSON.parse(text) : undefined;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `[secret]` is what the engine leaves of a secret value a run received (src/engine/workflow-secrets.ts). */
export function maskParam(name: string, value: unknown): string {
  if (isSecretName(name)) return "••••••";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? "" : text;
}

/** `a=1, b="x"` with secrets masked, for a table cell. */
export function summarizeParams(params: Record<string, unknown> | undefined): string {
  const entries = Object.entries(params ?? {});
  if (entries.length === 0) return "—";
  return entries.map(([name, value]) => `${name}=${maskParam(name, value)}`).join(", ");
}

/** The random part of a run id (`<inverted time>-<10 hex>`): short, and unique enough to tell runs apart. */
export function shortRunId(id: string): string {
  const dash = id.lastIndexOf("-");
  return dash >= 0 ? id.slice(dash + 1) : id.slice(0, 10);
}

/** Turns a 400 `invalid_params` into messages by field; the rest of the problems as one sentence. */
export function readParamProblems(error: unknown): { byField: Record<string, string>; other: string | undefined } {
  const problems = error instanceof ApiError && Array.isArray(error.body.problems) ? (error.body.problems as Partial<ParameterProblem>[]) : [];
  const byField = Object.fromEntries(
    problems.filter((p) => p.field?.startsWith("params.")).map((p) => [p.field!.slice("params.".length), `This field ${p.reason ?? "is invalid"}.`]),
  );
  const named = Object.keys(byField).length;
  return { byField, other: named === 0 || named < problems.length ? describeError(error) : undefined };
}
