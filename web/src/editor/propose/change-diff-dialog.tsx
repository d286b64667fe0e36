// One change of the draft against the workspace, side by side (the conflict dialog's diff view): the workspace's
// version on the left (for a rename, the file it was renamed from), the draft's on the right. An added file is
// compared with nothing, a deleted one with nothing on the right.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, describeError } from "../../api/client.js";
import { readDraftFile, type DraftChange } from "../../api/drafts.js";
import { readFile } from "../../api/workspace.js";
import { Dialog } from "../../ui/dialog.js";
import "../conflict-dialog.css";

type Sides = { state: "loading" } | { state: "loaded"; workspace: string; draft: string } | { state: "binary" } | { state: "failed"; error: string };

export function ChangeDiffDialog({ change, onClose }: { change: DraftChange; onClose: () => void }) {
  const [sides, setSides] = useState<Sides>({ state: "loading" });
  const host = useRef<HTMLDivElement>(null);
  const base = change.renamedFrom ?? change.path;

  useEffect(() => {
    let cancelled = false;
    readSides(change).then(
      (found) => !cancelled && setSides(found),
      (reason: unknown) => !cancelled && setSides({ state: "failed", error: describeError(reason) }),
    );
    return () => {
      cancelled = true;
    };
  }, [change.path, change.etag]);

  useEffect(() => {
    const parent = host.current;
    if (!parent || sides.state !== "loaded") return;
    let view: { destroy(): void } | undefined;
    let cancelled = false;
    void import("../diff-view.js").then(({ createDiffView }) => {
      if (cancelled) return;
      view = createDiffView(parent, {
        path: change.path,
        mine: sides.workspace,
        theirs: sides.draft,
        labels: { mine: `${base} in the workspace`, theirs: `${change.path} in your draft` },
      });
    });
    return () => {
      cancelled = true;
      view?.destroy();
    };
  }, [sides]);

  return (
    <Dialog
      title={`Changes to ${change.path}`}
      className="conflict-dialog"
      onClose={onClose}
      actions={<button type="button" class="primary" onClick={onClose}>Close</button>}
    >
      <p>
        {change.kind === "added" && !change.renamedFrom && <>Your draft adds <code>{change.path}</code>.</>}
        {change.kind === "added" && change.renamedFrom && <>Your draft renames <code>{change.renamedFrom}</code> to <code>{change.path}</code>.</>}
        {change.kind === "modified" && <>Your draft changes <code>{change.path}</code>.</>}
        {change.kind === "deleted" && <>Your draft deletes <code>{change.path}</code>.</>}
      </p>
      {sides.state === "loading" && <p class="muted">Loading both versions…</p>}
      {sides.state === "failed" && <p class="error" role="alert">Could not load the versions: {sides.error}</p>}
      {sides.state === "binary" && <p class="muted">This file is not text, so there is no diff.</p>}
      {sides.state === "loaded" && (
        <>
          <div class="diff-labels" aria-hidden="true">
            <span>In the workspace</span>
            <span>In your draft</span>
          </div>
          <div ref={host} class="diff-host" data-testid="change-diff" />
        </>
      )}
    </Dialog>
  );
}

async function readSides(change: DraftChange): Promise<Sides> {
  const base = change.renamedFrom ?? change.path;
  const [workspace, draft] = await Promise.all([
    change.kind === "added" && !change.renamedFrom ? Promise.resolve("") : readWorkspaceText(base),
    change.kind === "deleted" ? Promise.resolve("") : readDraftText(change.path),
  ]);
  if (workspace === undefined || draft === undefined) return { state: "binary" };
  return { state: "loaded", workspace, draft };
}

/** The workspace's text of `path` ("" when it is not there, e.g. a sync removed it since); undefined: not text. */
async function readWorkspaceText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path)).text;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return "";
    throw error;
  }
}

async function readDraftText(path: string): Promise<string | undefined> {
  const read = await readDraftFile(path);
  if (read.state !== "changed") return "";
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(read.bytes);
  } catch {
    return undefined;
  }
}
