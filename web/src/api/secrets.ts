// Workflow secrets (functions/secrets.ts; admins only): list, set and delete. Values go in once, in a request
// body (never the address), and never come back: the server answers the last 4 characters at most.
import { getJson, sendJson } from "./client.js";

// Shapes shared with the server: src/api-types.ts.
export type { WorkflowSecretInfo } from "../../../src/api-types.js";
import type { WorkflowSecretInfo, WorkflowSecretList, WorkflowSecretValue } from "../../../src/api-types.js";

export async function listSecrets(): Promise<WorkflowSecretInfo[]> {
  const { secrets } = await getJson<WorkflowSecretList>("/api/secrets", { cache: "no-store" });
  return secrets;
}

/** Creates or replaces the secret; the answer describes it (no value). */
export function setSecret(name: string, value: string): Promise<WorkflowSecretInfo> {
  const body: WorkflowSecretValue = { value };
  return sendJson<WorkflowSecretInfo>("PUT", `/api/secrets/${encodeSecretName(name)}`, body, { cache: "no-store" });
}

/** Succeeds when the secret is already gone. */
export async function deleteSecret(name: string): Promise<void> {
  await sendJson("DELETE", `/api/secrets/${encodeSecretName(name)}`);
}

/** One path segment whatever was typed: a name of dots must not climb out of /api/secrets/ (the server refuses it by name). */
function encodeSecretName(name: string): string {
  return encodeURIComponent(name).replace(/\./g, "%2E");
}
