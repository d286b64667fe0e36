// The two ways to connect while not connected: "Connect with GitHub" (the App; registered first through
// GitHub's manifest flow when there is none) and "Use a personal access token" (paste-in form).
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import {
  getAppRegistration,
  listInstallationRepositories,
  listRepositoryBranches,
  startAppRegistration,
  startInstallation,
  type AppRegistration,
  type ConnectRequest,
  type InstallationRepository,
} from "../api/github.js";
import { useRedirect } from "../ui/use-redirect.js";
import { fieldOf, postForm } from "./connect-flow.js";

export interface ConnectFormProps {
  /** Runs the connect (with the overwrite dialog when needed); rejects with the API's refusal. */
  onConnect: (request: ConnectRequest) => Promise<void>;
}

export function AppConnect({ onConnect, installationId }: ConnectFormProps & { installationId: number | undefined }) {
  const [registration, setRegistration] = useState<AppRegistration | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    getAppRegistration().then(setRegistration, (e: unknown) => setError(describeError(e)));
  }, []);

  return (
    <section class="card" aria-labelledby="connect-app-title">
      <h2 id="connect-app-title">Connect with GitHub</h2>
      <p>Install the funcspace GitHub App on the repository that holds your workflows. Pushes reach the workspace within seconds.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {!registration && !error && <p class="muted">Checking the GitHub App…</p>}
      {registration && !registration.registered && <CreateApp />}
      {registration?.registered && !installationId && <InstallApp registration={registration} />}
      {registration?.registered && installationId !== undefined && <InstallationPicker installationId={installationId} onConnect={onConnect} />}
    </section>
  );
}

/** Step 1: GitHub creates the App from our manifest (a form POST to GitHub, then back to our callback). */
function CreateApp() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const field = (event.currentTarget as HTMLFormElement).elements.namedItem("organization") as HTMLInputElement;
    // An empty organization means "my account": leave it out rather than send "".
    const organization = field.value.trim() || undefined;
    setBusy(true);
    setError(undefined);
    try {
      const { action, manifest } = await startAppRegistration({ organization });
      postForm(action, { manifest });
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <form class="step" onSubmit={(event) => void submit(event)}>
      <h3>Step 1: Create the GitHub App</h3>
      <p>No GitHub App is registered for this platform yet. GitHub creates one from our manifest; you only confirm its name.</p>
      <label>
        Organization (optional)
        <input type="text" name="organization" placeholder="your-org" autocomplete="off" spellcheck={false} />
      </label>
      <p class="hint">Leave empty to create the App on your personal account.</p>
      <button type="submit" class="primary" disabled={busy}>{busy ? "Opening GitHub…" : "Create GitHub App"}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

/** Step 2: install the App on a repository (GitHub's installation page, then back with the installation). */
function InstallApp({ registration }: { registration: AppRegistration }) {
  const { busy, error, go: install } = useRedirect(startInstallation);
  return (
    <>
      <p>
        <button type="button" class="primary" disabled={busy} onClick={() => void install()}>Connect with GitHub</button>{" "}
        <AppFacts registration={registration} />
      </p>
      {error && <p class="error" role="alert">{error}</p>}
    </>
  );
}

/** Which App, and who registered it when. */
export function AppFacts({ registration }: { registration: AppRegistration }) {
  return (
    <span class="muted small" data-testid="app-facts">
      App:{" "}
      {registration.htmlUrl ? (
        <a href={registration.htmlUrl} target="_blank" rel="noreferrer">{registration.slug}</a>
      ) : (
        registration.slug
      )}
      {registration.registeredBy && <>, registered by {registration.registeredBy}</>}
      {registration.registeredAt && <> on {new Date(registration.registeredAt).toLocaleString()}</>}
    </span>
  );
}

function InstallationPicker({ installationId, onConnect }: ConnectFormProps & { installationId: number }) {
  const [repositories, setRepositories] = useState<InstallationRepository[] | undefined>();
  const [repository, setRepository] = useState("");
  const [branch, setBranch] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // A list too long to show whole (more than the server lists) becomes suggestions for a text field.
  const [branches, setBranches] = useState<{ names: string[]; truncated: boolean } | undefined>();
  useEffect(() => {
    if (!repository) return;
    setBranches(undefined);
    listRepositoryBranches(installationId, repository).then(
      (list) => setBranches({ names: list.branches.map((b) => b.name), truncated: list.truncated }),
      () => setBranches(undefined),
    );
  }, [installationId, repository]);
  useEffect(() => {
    listInstallationRepositories(installationId).then((list) => {
      setRepositories(list);
      const first = list[0];
      if (first) {
        setRepository(first.fullName);
        setBranch(first.defaultBranch ?? "main");
      }
    }, (e: unknown) => setError(describeError(e)));
  }, [installationId]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onConnect({ kind: "app", installationId, repository, branch });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="step" onSubmit={(event) => void submit(event)}>
      <h3>Choose the repository</h3>
      {!repositories && !error && <p class="muted">Loading the installation's repositories…</p>}
      {repositories && repositories.length === 0 && <p class="error">The App is installed on no repository: add one on GitHub, then reload.</p>}
      {repositories && repositories.length > 0 && (
        <>
          <label>
            Repository
            <select
              name="repository"
              value={repository}
              onChange={(event) => {
                const name = (event.currentTarget as HTMLSelectElement).value;
                setRepository(name);
                setBranch(repositories.find((r) => r.fullName === name)?.defaultBranch ?? "main");
              }}
            >
              {repositories.map((r) => (
                <option key={r.fullName} value={r.fullName}>{r.fullName}</option>
              ))}
            </select>
          </label>
          <label>
            Branch
            {branches && branches.names.length > 0 && !branches.truncated ? (
              <select name="branch" value={branch} onChange={(event) => setBranch((event.currentTarget as HTMLSelectElement).value)}>
                {branches.names.map((name) => (
                  <option key={name} value={name}>{name}</option>
                ))}
              </select>
            ) : (
              <>
                <input
                  type="text"
                  name="branch"
                  value={branch}
                  required
                  spellcheck={false}
                  autocomplete="off"
                  list={branches ? "branch-suggestions" : undefined}
                  onInput={(event) => setBranch((event.currentTarget as HTMLInputElement).value)}
                />
                {branches && (
                  <datalist id="branch-suggestions">
                    {branches.names.map((name) => (
                      <option key={name} value={name} />
                    ))}
                  </datalist>
                )}
              </>
            )}
          </label>
          <button type="submit" class="primary" disabled={busy}>{busy ? "Connecting…" : "Connect"}</button>
        </>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

export function PatConnect({ onConnect }: ConnectFormProps) {
  const [errors, setErrors] = useState<Partial<Record<"token" | "repository" | "branch" | "form", string>>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setErrors({});
    try {
      await onConnect({
        kind: "pat",
        token: String(data.get("token") ?? "").trim(),
        repository: String(data.get("repository") ?? "").trim(),
        branch: String(data.get("branch") ?? "").trim(),
      });
      // The token leaves the page with the request: never kept in the form.
      (form.elements.namedItem("token") as HTMLInputElement).value = "";
    } catch (error) {
      setErrors({ [fieldOf(error) ?? "form"]: describeError(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="connect-pat-title">
      <h2 id="connect-pat-title">Use a personal access token</h2>
      <p>
        For when you cannot install the App. A fine-grained token needs <em>Contents: read</em> on the repository (and <em>Webhooks: write</em> for
        instant updates; without it funcspace checks for changes every few minutes).
      </p>
      <form onSubmit={(event) => void submit(event)} class="pat-form" autocomplete="off">
        <Field id="pat-token" label="Token" error={errors.token}>
          <input id="pat-token" name="token" type="password" required autocomplete="new-password" spellcheck={false} aria-invalid={errors.token ? true : undefined} aria-describedby={errors.token ? "pat-token-error" : undefined} />
        </Field>
        <Field id="pat-repository" label="Repository" hint="owner/name, or the repository's URL" error={errors.repository}>
          <input id="pat-repository" name="repository" type="text" required placeholder="octo-org/workflows" spellcheck={false} aria-invalid={errors.repository ? true : undefined} aria-describedby={errors.repository ? "pat-repository-error" : "pat-repository-hint"} />
        </Field>
        <Field id="pat-branch" label="Branch" error={errors.branch}>
          <input id="pat-branch" name="branch" type="text" required defaultValue="main" spellcheck={false} aria-invalid={errors.branch ? true : undefined} aria-describedby={errors.branch ? "pat-branch-error" : undefined} />
        </Field>
        {errors.form && <p class="error" role="alert">{errors.form}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? "Checking…" : "Connect with token"}</button>
      </form>
    </section>
  );
}

function Field(props: { id: string; label: string; hint?: string; error: string | undefined; children: preact.ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && <p class="hint" id={`${props.id}-hint`}>{props.hint}</p>}
      {props.error && <p class="error" id={`${props.id}-error`} role="alert">{props.error}</p>}
    </div>
  );
}
