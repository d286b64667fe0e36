// Settings → Secrets (admins): the workflow secrets runs read with `ctx.secrets.get(name)`. Listed by name with
// the last 4 characters at most (the API never answers a value), who set each and when; added, replaced (the
// new value only) and deleted after a confirmation. A value is typed into one password field, sent once in a
// request body and cleared from the form when saved: never in the address, storage, state or a log.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import { deleteSecret, listSecrets, setSecret, type WorkflowSecretInfo } from "../api/secrets.js";
import { ConfirmDialog, Dialog } from "../ui/dialog.js";
import { TableScroll } from "../ui/table-scroll.js";
import { readSecretValue, SecretValueField } from "./secret-value-field.js";
import { SettingsNav } from "./settings-nav.js";

const EXAMPLE = `const key = await ctx.secrets.get("API-TOKEN");`;
const NAME_RULE = "Letters, digits and dashes, up to 100, starting with a letter.";

export function SecretsSettingsPage() {
  const [secrets, setSecrets] = useState<WorkflowSecretInfo[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [replacing, setReplacing] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<string | undefined>();

  const load = async () => {
    try {
      setSecrets(await listSecrets());
      setLoadError(undefined);
    } catch (error) {
      setLoadError(describeError(error));
    }
  };
  useEffect(() => void load(), []);

  const saved = (text: string) => {
    setNotice(text);
    void load();
  };

  return (
    <div class="settings-page">
      <h1>Settings · Secrets</h1>
      <SettingsNav />

      <section class="card" aria-labelledby="secrets-about-title">
        <h2 id="secrets-about-title">Secrets for workflows</h2>
        <p>
          API keys, passwords and connection strings your workflows need, kept out of the code. A workflow asks for one by name while it runs:
        </p>
        <pre class="output" data-testid="secrets-example"><code>{EXAMPLE}</code></pre>
        <p class="muted">
          Values are write-only: once saved, nobody reads them here again (values of 12 characters or more show their last 4). A value a run received
          shows as <code>[secret]</code> in that run's output, logs and error. Asking for a name that is not here fails the call with “There is no secret
          named …”.
        </p>
      </section>

      <section class="card" aria-labelledby="secrets-list-title">
        <h2 id="secrets-list-title">Secrets</h2>
        {notice && (
          <p class="ok" role="status">
            {notice}
          </p>
        )}
        {loadError && (
          <p class="error" role="alert">
            The secrets could not be listed: {loadError}{" "}
            <button type="button" class="link-button" onClick={() => void load()}>Retry</button>
          </p>
        )}
        {!secrets && !loadError && <p class="muted">Loading…</p>}
        {secrets?.length === 0 && (
          <p class="empty" data-testid="secrets-empty">
            No secrets yet. Add the first one below; workflows can read it as soon as it is saved.
          </p>
        )}
        {secrets && secrets.length > 0 && (
          <TableScroll label="Secrets list">
            <SecretTable secrets={secrets} onReplace={setReplacing} onDelete={setDeleting} />
          </TableScroll>
        )}
      </section>

      <AddSecret existing={secrets} onSaved={(name) => saved(`Added ${name}. Workflows read it with ctx.secrets.get("${name}").`)} />

      {replacing && (
        <ReplaceSecretDialog
          name={replacing}
          onCancel={() => setReplacing(undefined)}
          onSaved={() => {
            setReplacing(undefined);
            saved(`Replaced ${replacing}: runs from now on read the new value.`);
          }}
        />
      )}
      {deleting && (
        <DeleteSecretDialog
          name={deleting}
          onCancel={() => setDeleting(undefined)}
          onDeleted={() => {
            setDeleting(undefined);
            saved(`Deleted ${deleting}.`);
          }}
        />
      )}
    </div>
  );
}

function SecretTable({ secrets, onReplace, onDelete }: { secrets: WorkflowSecretInfo[]; onReplace: (name: string) => void; onDelete: (name: string) => void }) {
  return (
    <table class="secrets-table" data-testid="secrets-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
          <th scope="col">Set by</th>
          <th scope="col">When</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {secrets.map((secret) => (
          <tr key={secret.name} data-secret={secret.name}>
            <th scope="row">
              <code>{secret.name}</code>
            </th>
            <td data-testid="secret-last4">
              {secret.last4 ? <code title="The last 4 characters">…{secret.last4}</code> : <span class="muted" title="Values under 12 characters show nothing of themselves">hidden</span>}
            </td>
            <td>{secret.updatedBy ?? <span class="muted">—</span>}</td>
            <td>{secret.updatedAt ? <time dateTime={secret.updatedAt}>{new Date(secret.updatedAt).toLocaleString()}</time> : <span class="muted">—</span>}</td>
            <td class="row-actions">
              <button type="button" onClick={() => onReplace(secret.name)}>
                Replace<span class="visually-hidden"> {secret.name}</span>
              </button>
              <button type="button" class="danger" onClick={() => onDelete(secret.name)}>
                Delete<span class="visually-hidden"> {secret.name}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddSecret({ existing, onSaved }: { existing: WorkflowSecretInfo[] | undefined; onSaved: (name: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // A new field after each save: empty and hidden again.
  const [generation, setGeneration] = useState(0);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const name = (form.elements.namedItem("name") as HTMLInputElement).value.trim();
    const secret = readSecretValue(form);
    setError(undefined);
    // "Add" never overwrites: replacing is a choice made on the secret's row. Key Vault's names ignore case.
    const clash = existing?.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (clash) return setError(`There is already a secret named ${clash.name}: use Replace in its row to change its value.`);
    setBusy(true);
    try {
      await setSecret(name, secret.value);
      secret.clear();
      form.reset();
      setGeneration((g) => g + 1);
      onSaved(name);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="add-secret-title">
      <h2 id="add-secret-title">Add secret</h2>
      <form class="secret-form" onSubmit={(event) => void submit(event)} autocomplete="off">
        <div class="field">
          <label for="secret-name">Name</label>
          <input id="secret-name" name="name" type="text" required spellcheck={false} autocapitalize="off" aria-describedby="secret-name-hint" />
          <p class="hint" id="secret-name-hint">{NAME_RULE}</p>
        </div>
        <SecretValueField key={generation} id="secret-value" label="Value" disabled={busy} hint="Sent once; nobody can read it back, only replace it." />
        <button type="submit" class="primary" disabled={busy}>{busy ? "Saving…" : "Add secret"}</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}

function ReplaceSecretDialog({ name, onCancel, onSaved }: { name: string; onCancel: () => void; onSaved: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const secret = readSecretValue(form);
    setBusy(true);
    setError(undefined);
    try {
      await setSecret(name, secret.value);
      secret.clear();
      onSaved();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Replace ${name}`}
      onClose={onCancel}
      actions={
        <>
          <button type="button" onClick={onCancel}>Cancel</button>
          <button type="submit" form="replace-secret-form" class="primary" disabled={busy}>{busy ? "Saving…" : "Replace"}</button>
        </>
      }
    >
      <form id="replace-secret-form" onSubmit={(event) => void submit(event)} autocomplete="off">
        <p>
          The old value is overwritten; runs that start after this read the new one.
        </p>
        <SecretValueField id="replace-secret-value" label="New value" disabled={busy} autoFocus />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Dialog>
  );
}

function DeleteSecretDialog({ name, onCancel, onDeleted }: { name: string; onCancel: () => void; onDeleted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await deleteSecret(name);
      onDeleted();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Delete ${name}?`}
      message={
        <p>
          Workflows that ask for <code>{name}</code> fail with “There is no secret named {name}” from their next run. The value cannot be recovered.
        </p>
      }
      confirmLabel="Delete secret"
      danger
      busy={busy}
      error={error}
      onCancel={onCancel}
      onConfirm={() => void confirm()}
    />
  );
}
