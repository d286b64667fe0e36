// "Connect with GitHub", the recommended way: the funcspace GitHub App (registered first through GitHub's manifest
// flow when there is none), installed on the repository, then the repository and branch picked. Each step is
// numbered and the flow shows which one you are on. The fallback, a personal access token, is pat-connect.tsx.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import {
  listInstallationRepositories,
  listRepositoryBranches,
  startAppRegistration,
  startInstallation,
  type AppRegistration,
  type ConnectRequest,
  type InstallationRepository,
} from "../api/github.js";
import { useRedirect } from "../ui/use-redirect.js";
import { postForm } from "./connect-flow.js";
import { StepList, stepTitle } from "./connect-steps.js";
import { PublicUrlWarning } from "./public-url-warning.js";

export interface ConnectFormProps {
  /** Runs the connect (with the overwrite dialog when needed); rejects with the API's refusal. */
  onConnect: (request: ConnectRequest) => Promise<void>;
}

export const APP_STEPS = ["Create the GitHub App", "Install it on your repository", "Choose the repository and branch"] as const;

export interface AppConnectProps extends ConnectFormProps {
  installationId: number | undefined;
  /** `GET /api/github/app`, read by the page; undefined while it loads. */
  registration: AppRegistration | undefined;
  registrationError: string | undefined;
}

export function AppConnect({ onConnect, installationId, registration, registrationError }: AppConnectProps) {
  const current = !registration?.registered ? 1 : installationId === undefined ? 2 : 3;
  return (
    <section class="card card-recommended" aria-labelledby="connect-app-title">
      <h2 id="connect-app-title">
        Connect with GitHub <span class="badge badge-good">Recommended</span>
      </h2>
      <p>Install the funcspace GitHub App on the repository that holds your workflows. Why the App rather than a token:</p>
      <ul class="why" data-testid="app-why">
        <li>
          <strong>Fine-grained:</strong> it asks for read access to code (<em>Contents: read</em>) and nothing that could change your repository.
        </li>
        <li>
          <strong>Per repository:</strong> you install it on the repositories you pick, and remove it on GitHub any time; no personal token of
          yours is stored, only hour-long installation tokens.
        </li>
        <li>
          <strong>Webhooks built in:</strong> every push arrives signed within seconds; nothing to set up on the repository.
        </li>
      </ul>
      <StepList label="Steps to connect with the GitHub App" steps={APP_STEPS} current={registration || registrationError ? current : 0} />
      {registrationError && <p class="error" role="alert">{registrationError}</p>}
      {!registration && !registrationError && <p class="muted">Checking the GitHub App…</p>}
      {registration && !registration.registered && <CreateApp registration={registration} />}
      {registration?.registered && !installationId && <InstallApp registration={registration} />}
      {registration?.registered && installationId !== undefined && <InstallationPicker installationId={installationId} onConnect={onConnect} />}
    </section>
  );
}

/** Step 1: GitHub creates the App from our manifest (a form POST to GitHub, then back to our callback). */
function CreateApp({ registration }: { registration: AppRegistration }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const unreachable = registration.delivery && !registration.delivery.reachable;
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
      <h3>{stepTitle(APP_STEPS, 1)}</h3>
      <p>No GitHub App is registered for this platform yet. GitHub creates one from our manifest; you only confirm its name.</p>
      <label>
        Organization (optional)
        <input type="text" name="organization" placeholder="your-org" autocomplete="off" spellcheck={false} />
      </label>
      <p class="hint">Leave empty to create the App on your personal account.</p>
      {registration.delivery && <PublicUrlWarning delivery={registration.delivery} id="public-url-warning" />}
      <button type="submit" class="primary" disabled={busy} aria-describedby={unreachable ? "public-url-warning" : undefined}>
        {busy ? "Opening GitHub…" : "Create GitHub App"}
      </button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

/** Step 2: install the App on a repository (GitHub's installation page, then back with the installation). */
function InstallApp({ registration }: { registration: AppRegistration }) {
  const { busy, error, go: install } = useRedirect(startInstallation);
  return (
    <div class="step">
      <h3>{stepTitle(APP_STEPS, 2)}</h3>
      <p>GitHub asks which repositories the App may read: pick the one with your workflows, then you come back here.</p>
      <p>
        <button type="button" class="primary" disabled={busy} onClick={() => void install()}>Connect with GitHub</button>{" "}
        <AppFacts registration={registration} />
      </p>
      {error && <p class="error" role="alert">{error}</p>}
    </div>
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
      <h3>{stepTitle(APP_STEPS, 3)}</h3>
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
