// A run form generated from a workflow's parameters: one labelled field per parameter, typed by its
// declaration (text, number, checkbox, select for options, JSON text for json), with its help text. The fields
// start from `initialValues` (the last run's, or the run being edited) or the declared defaults; Ctrl/Cmd-Enter in
// any field runs.
import type { Ref } from "preact";
import { useState } from "preact/hooks";
import type { WorkflowParameter, WorkflowSummary } from "../api/workflows.js";

export interface RunFormProps {
  workflow: WorkflowSummary;
  busy: boolean;
  /** Field errors from the server's 400 (by parameter name), shown under the field. */
  fieldErrors: Record<string, string>;
  onRun: (params: Record<string, unknown>) => void;
  /** Why this person cannot run it (their role): the fields show, disabled, with the reason instead of Run. */
  blockedReason?: string | undefined;
  /** Values to start from instead of the declared defaults (by parameter name). */
  initialValues?: Record<string, unknown> | undefined;
  formRef?: Ref<HTMLFormElement> | undefined;
  /** The submit button's text ("Run" unless told). */
  runLabel?: string;
}

export function RunForm({ workflow, busy, fieldErrors, onRun, blockedReason, initialValues, formRef, runLabel = "Run" }: RunFormProps) {
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const errors = { ...fieldErrors, ...localErrors };

  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const params: Record<string, unknown> = {};
    const problems: Record<string, string> = {};
    for (const parameter of workflow.parameters) {
      const result = readField(parameter, data, form);
      if ("error" in result) problems[parameter.name] = result.error;
      else if (result.value !== undefined) params[parameter.name] = result.value;
    }
    setLocalErrors(problems);
    if (Object.keys(problems).length === 0) onRun(params);
  };

  return (
    <form
      class="run-form"
      ref={formRef}
      onSubmit={submit}
      aria-label={`Run ${workflow.name}`}
      onKeyDown={(event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !busy && blockedReason === undefined) {
          event.preventDefault();
          (event.currentTarget as HTMLFormElement).requestSubmit();
        }
      }}
    >
      <fieldset disabled={blockedReason !== undefined}>
      {workflow.parameters.length === 0 && <p class="muted">This workflow takes no parameters.</p>}
      {workflow.parameters.map((parameter) => {
        const id = `param-${workflow.name}-${parameter.name}`;
        const error = errors[parameter.name];
        const describedBy = [parameter.help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
        return (
          <div class="field" key={`${workflow.name}/${parameter.name}`}>
            <label for={id}>
              {parameter.label ?? parameter.name}
              {parameter.required && <span class="required" aria-hidden="true"> *</span>}
              <span class="param-type"> ({parameter.type})</span>
            </label>
            <Field parameter={parameter} id={id} describedBy={describedBy} invalid={Boolean(error)} initial={initialValues && parameter.name in initialValues ? initialValues[parameter.name] : parameter.default} />
            {parameter.help && <p class="hint" id={`${id}-help`}>{parameter.help}</p>}
            {error && <p class="error" id={`${id}-error`} role="alert">{error}</p>}
          </div>
        );
      })}
      </fieldset>
      {blockedReason ? (
        <p class="muted" data-testid="run-role-reason">{blockedReason}</p>
      ) : (
        <button type="submit" class="primary" disabled={busy}>{busy ? "Starting…" : runLabel}</button>
      )}
    </form>
  );
}

function Field({ parameter, id, describedBy, invalid, initial }: { parameter: WorkflowParameter; id: string; describedBy: string | undefined; invalid: boolean; initial: unknown }) {
  const common = { id, name: parameter.name, "aria-describedby": describedBy, "aria-invalid": invalid || undefined, required: parameter.required && parameter.default === undefined };
  if (parameter.options && parameter.options.length > 0) {
    return (
      <select {...common} defaultValue={initial === undefined ? "" : String(initial)}>
        {!parameter.required && <option value="">(none)</option>}
        {parameter.options.map((option) => (
          <option key={String(option)} value={String(option)}>{String(option)}</option>
        ))}
      </select>
    );
  }
  switch (parameter.type) {
    case "boolean":
      return <input type="checkbox" {...common} required={false} defaultChecked={initial === true} />;
    case "number":
    case "integer":
      return <input type="number" step={parameter.type === "integer" ? 1 : "any"} {...common} defaultValue={initial === undefined ? "" : String(initial)} />;
    case "json":
      return <textarea rows={4} spellcheck={false} {...common} defaultValue={initial === undefined ? "" : JSON.stringify(initial, null, 2)} />;
    default:
      return <input type="text" {...common} defaultValue={initial === undefined ? "" : String(initial)} />;
  }
}

function readField(parameter: WorkflowParameter, data: FormData, form: HTMLFormElement): { value: unknown } | { error: string } {
  if (parameter.type === "boolean" && !(parameter.options && parameter.options.length > 0)) {
    const box = form.elements.namedItem(parameter.name) as HTMLInputElement | null;
    return { value: box?.checked ?? false };
  }
  const raw = String(data.get(parameter.name) ?? "").trim();
  if (raw === "") return { value: undefined };
  switch (parameter.type) {
    case "number":
    case "integer": {
      const value = Number(raw);
      if (!Number.isFinite(value)) return { error: "Enter a number." };
      if (parameter.type === "integer" && !Number.isInteger(value)) return { error: "Enter a whole number." };
      return { value };
    }
    case "json":
      try {
        return { value: JSON.parse(raw) as unknown };
      } catch (error) {
        return { error: `Not valid JSON: ${(error as Error).message}` };
      }
    default:
      return { value: raw };
  }
}
