// The one field a secret's value is typed into: a password input (never prefilled, kept from the browser's
// password manager) with a Show/Hide toggle. The value lives in the input alone: no component state and no
// attribute in the page's HTML, so it leaves only in the request body. Forms clear it after saving by emptying
// the input and remounting the field (`key`), which also hides it again.
import { useState } from "preact/hooks";

export interface SecretValueFieldProps {
  id: string;
  label: string;
  hint?: string;
  disabled?: boolean;
  autoFocus?: boolean;
}

export function SecretValueField({ id, label, hint, disabled, autoFocus }: SecretValueFieldProps) {
  const [shown, setShown] = useState(false);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="secret-value">
        <input
          id={id}
          name="value"
          type={shown ? "text" : "password"}
          required
          disabled={disabled}
          autoFocus={autoFocus}
          autocomplete="new-password"
          autocapitalize="off"
          spellcheck={false}
          aria-describedby={hint ? `${id}-hint` : undefined}
          data-1p-ignore
          data-lpignore="true"
        />
        {/* GOV.UK's password input: the visible word changes and the name says what it shows. */}
        <button type="button" aria-controls={id} disabled={disabled} onClick={() => setShown(!shown)}>
          {shown ? "Hide" : "Show"}
          <span class="visually-hidden"> value</span>
        </button>
      </div>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** The value typed into a form's SecretValueField, and a way to empty it once sent. */
export function readSecretValue(form: HTMLFormElement): { value: string; clear: () => void } {
  const field = form.elements.namedItem("value") as HTMLInputElement;
  return {
    value: field.value,
    clear: () => {
      field.value = "";
    },
  };
}
