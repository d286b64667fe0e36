// FR-012a: connecting replaces the workspace with the repository. Before that happens to a workspace
// that holds files, show what will change (the sync preview), offer a zip of it, and ask explicitly.
import { useState } from "preact/hooks";
import type { SyncPreview } from "../api/github.js";
import { ZIP_URL } from "../api/workspace.js";
import { Dialog } from "../ui/dialog.js";

export interface OverwriteDialogProps {
  repository: string;
  branch: string;
  preview: SyncPreview | undefined;
  previewError: string | undefined;
  busy: boolean;
  error: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}

export function OverwriteDialog(props: OverwriteDialogProps) {
  const [acknowledged, setAcknowledged] = useState(false);
  const { preview } = props;
  return (
    <Dialog
      title="Replace the workspace with the repository?"
      wide
      onClose={props.onCancel}
      actions={
        <>
          <button type="button" onClick={props.onCancel}>Cancel</button>
          <button type="button" class="danger" disabled={!acknowledged || props.busy} onClick={props.onConfirm}>
            {props.busy ? "Connecting…" : "Connect and replace the workspace"}
          </button>
        </>
      }
    >
      <p>
        The workspace is not empty. Connecting makes it an exact copy of <strong>{props.repository}@{props.branch}</strong>: files that are
        not in the repository are deleted, files that differ are overwritten, and the editor becomes read-only.
      </p>
      {props.previewError && <p class="error" role="alert">The preview is not available: {props.previewError}</p>}
      {!preview && !props.previewError && <p class="muted">Working out what will change…</p>}
      {preview && (
        <div class="preview" data-testid="sync-preview">
          <PreviewList title="Overwritten" paths={preview.changed} />
          <PreviewList title="Deleted" paths={preview.deleted} />
          <PreviewList title="Added from the repository" paths={preview.added} />
        </div>
      )}
      <p>
        <a class="button" href={ZIP_URL} download>Download workspace (.zip)</a> <span class="muted">keeps a copy of everything as it is now.</span>
      </p>
      <label class="checkbox">
        <input type="checkbox" checked={acknowledged} onChange={(event) => setAcknowledged((event.currentTarget as HTMLInputElement).checked)} />
        I understand that the workspace files will be replaced by the repository's.
      </label>
      {props.error && <p class="error" role="alert">{props.error}</p>}
    </Dialog>
  );
}

function PreviewList({ title, paths }: { title: string; paths: string[] }) {
  return (
    <section>
      <h3>
        {title} ({paths.length})
      </h3>
      {paths.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul class="path-list">
          {paths.slice(0, 200).map((path) => (
            <li key={path}><code>{path}</code></li>
          ))}
          {paths.length > 200 && <li class="muted">…and {paths.length - 200} more</li>}
        </ul>
      )}
    </section>
  );
}
