// Both connect paths (App and PAT) end in the same call and the same overwrite rule: try to connect; if
// the workspace holds files the server refuses with `workspace_not_empty`, and the page shows the preview
// dialog; the user's confirmation repeats the call with acknowledgeOverwrite.
import { ApiError } from "../api/client.js";
import { connect, previewSync, type ConnectRequest, type SyncPreview } from "../api/github.js";

export type ConnectOutcome = { connected: true } | { connected: false; needsConfirmation: true; preview: Promise<SyncPreview> };

export async function tryConnect(request: ConnectRequest): Promise<ConnectOutcome> {
  try {
    await connect(request, false);
    return { connected: true };
  } catch (error) {
    if (error instanceof ApiError && error.code === "workspace_not_empty") {
      return { connected: false, needsConfirmation: true, preview: previewSync(request) };
    }
    throw error;
  }
}

/** Which form field an API refusal is about, so the message shows under that field. */
export function fieldOf(error: unknown): "token" | "repository" | "branch" | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (typeof error.body.field === "string" && ["token", "repository", "branch"].includes(error.body.field)) {
    return error.body.field as "token" | "repository" | "branch";
  }
  if (/token/.test(error.code)) return "token";
  if (/repository|contents/.test(error.code)) return "repository";
  if (/branch/.test(error.code)) return "branch";
  return undefined;
}

/**
 * Posts fields to another site as a top-level form submission: GitHub's manifest flow takes the App's
 * manifest only as a form POST from the browser (no API call can do it), and a form carries no cookie of ours.
 */
export function postForm(action: string, fields: Record<string, string>): void {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  form.hidden = true;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}
