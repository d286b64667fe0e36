// The fallback way to connect: a personal access token, for when the App cannot be created or installed (no admin
// rights on the organisation, a GitHub that cannot reach PUBLIC_URL…). Two numbered steps: create the token on
// GitHub through a link that fills in the permissions (token-link.ts; the same permissions are listed, for when
// GitHub ignores the link's parameters), then paste it with the repository and branch.
import { useState } from "preact/hooks";
import { describeError } from "../api/client.js";
import type { AppRegistration } from "../api/github.js";
import type { ConnectFormProps } from "./connect-forms.js";
import { fieldOf } from "./connect-flow.js";
import { StepList, stepTitle } from "./connect-steps.js";
import { TOKEN_PERMISSIONS, fineGrainedTokenUrl } from "./token-link.js";

export const PAT_STEPS = ["Create a token on GitHub", "Paste it with the repository"] as const;

export interface PatConnectProps extends ConnectFormProps {
  /** `GET /api/github/app` (GITHUB_WEB_URL, PUBLIC_URL), when read. */
  registration: AppRegistration | undefined;
}

export function PatConnect({ onConnect, registration }: PatConnectProps) {
  const [errors, setErrors] = useState<Partial<Record<"token" | "repository" | "branch" | "form", string>>>({});
  const [busy, setBusy] = useState(false);
  // Whether a token was typed (never the token itself: it stays in its input) and the repository's owner.
  const [hasToken, setHasToken] = useState(false);
  const [owner, setOwner] = useState<string | undefined>();
  const githubWebUrl = registration?.githubWebUrl ?? "https://github.com";
  const tokenUrl = fineGrainedTokenUrl(githubWebUrl, { owner, publicUrl: registration?.delivery?.publicUrl });

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
      setHasToken(false);
    } catch (error) {
      setErrors({ [fieldOf(error) ?? "form"]: describeError(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="connect-pat-title">
      <h2 id="connect-pat-title">
        Use a personal access token <span class="badge badge-neutral">Fallback</span>
      </h2>
      <p>
        For when you cannot create or install the App. A token acts as you, on everything it was given, until it expires or you revoke it: give it
        this one repository and the permissions below, nothing more.
      </p>
      <StepList label="Steps to connect with a token" steps={PAT_STEPS} current={hasToken ? 2 : 1} />
      <div class="step">
        <h3>{stepTitle(PAT_STEPS, 1)}</h3>
        <p>
          <a class="button" href={tokenUrl} target="_blank" rel="noreferrer" data-testid="token-link">
            Create a fine-grained token on GitHub
          </a>{" "}
          <span class="muted small">(opens GitHub with the permissions filled in)</span>
        </p>
        <p>On GitHub's page, check:</p>
        <ul class="permission-list" data-testid="token-permissions">
          <li>
            <strong>Resource owner:</strong> the repository's owner{owner ? <> (<code>{owner}</code>)</> : null}.
          </li>
          <li>
            <strong>Repository access:</strong> Only select repositories → your workflows repository.
          </li>
          {TOKEN_PERMISSIONS.map((permission) => (
            <li key={permission.name}>
              <strong>{permission.name}:</strong> {permission.level} — {permission.why}.
            </li>
          ))}
        </ul>
        <p class="hint">
          A classic token works too: the <code>repo</code> scope (and <code>admin:repo_hook</code> for the webhook).
        </p>
        {registration?.delivery && !registration.delivery.reachable && (
          <p class="hint" data-testid="pat-polling-note">
            GitHub cannot reach <code>{registration.delivery.publicUrl}</code>, so no webhook can deliver pushes here: this connection will check
            for changes every few minutes instead.
          </p>
        )}
      </div>
      <form onSubmit={(event) => void submit(event)} class="pat-form step" autocomplete="off">
        <h3>{stepTitle(PAT_STEPS, 2)}</h3>
        <Field id="pat-token" label="Token" error={errors.token}>
          <input
            id="pat-token"
            name="token"
            type="password"
            required
            autocomplete="new-password"
            spellcheck={false}
            onInput={(event) => setHasToken((event.currentTarget as HTMLInputElement).value !== "")}
            aria-invalid={errors.token ? true : undefined}
            aria-describedby={errors.token ? "pat-token-error" : undefined}
          />
        </Field>
        <Field id="pat-repository" label="Repository" hint="owner/name, or the repository's URL" error={errors.repository}>
          <input
            id="pat-repository"
            name="repository"
            type="text"
            required
            placeholder="octo-org/workflows"
            spellcheck={false}
            onInput={(event) => setOwner(ownerOf((event.currentTarget as HTMLInputElement).value))}
            aria-invalid={errors.repository ? true : undefined}
            aria-describedby={errors.repository ? "pat-repository-error" : "pat-repository-hint"}
          />
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

/** The owner part of "owner/name" or of a repository URL, when it looks like one. */
function ownerOf(repository: string): string | undefined {
  const path = repository.trim().replace(/^https?:\/\/[^/]+\//, "");
  const owner = path.split("/")[0];
  return owner && /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/.test(owner) && path.includes("/") ? owner : undefined;
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
