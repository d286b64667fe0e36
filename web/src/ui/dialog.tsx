// Modal dialogs on the native <dialog> element: it traps focus, closes on Escape and restores focus to
// whatever opened it, which is most of what keyboard users need from a modal.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** Buttons, right-aligned under the content. */
  actions: ComponentChildren;
  wide?: boolean;
  /** More classes on the <dialog> (a size of its own). */
  className?: string;
}

export function Dialog(props: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      props.onClose();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      dialog.close();
    };
  }, []);
  const titleId = `dialog-${props.title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <dialog ref={ref} class={["dialog", props.wide && "dialog-wide", props.className].filter(Boolean).join(" ")} aria-labelledby={titleId}>
      <h2 id={titleId}>{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="dialog-actions">{props.actions}</div>
    </dialog>
  );
}

export interface ConfirmDialogProps {
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <Dialog
      title={props.title}
      onClose={props.onCancel}
      actions={
        <>
          <button type="button" onClick={props.onCancel}>Cancel</button>
          <button type="button" class={props.danger ? "danger" : "primary"} disabled={props.busy} onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </>
      }
    >
      <div>{props.message}</div>
      {props.error && <p class="error" role="alert">{props.error}</p>}
    </Dialog>
  );
}

export interface PromptDialogProps {
  title: string;
  label: string;
  initialValue: string;
  confirmLabel: string;
  hint?: string;
  busy?: boolean;
  error?: string | undefined;
  onSubmit: (value: string) => void;
  onCancel: () => void;
}

/** Asks for one value (a file name, a new path) in a labelled field; Enter submits. */
export function PromptDialog(props: PromptDialogProps) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const field = input.current;
    if (!field) return;
    field.focus();
    // Select the name without its extension, as file managers do.
    const dot = field.value.lastIndexOf(".");
    const slash = field.value.lastIndexOf("/") + 1;
    field.setSelectionRange(slash, dot > slash ? dot : field.value.length);
  }, []);
  const submit = (event: Event) => {
    event.preventDefault();
    props.onSubmit(input.current?.value.trim() ?? "");
  };
  return (
    <Dialog
      title={props.title}
      onClose={props.onCancel}
      actions={
        <>
          <button type="button" onClick={props.onCancel}>Cancel</button>
          <button type="submit" form="prompt-form" class="primary" disabled={props.busy}>{props.confirmLabel}</button>
        </>
      }
    >
      <form id="prompt-form" onSubmit={submit}>
        <label>
          {props.label}
          {/* defaultValue, not value: Preact puts a `value` prop back into the field on every render (a refusal's
              message, a busy flag), over what the user typed. */}
          <input ref={input} type="text" name="value" defaultValue={props.initialValue} required spellcheck={false} autocomplete="off" />
        </label>
        {props.hint && <p class="hint">{props.hint}</p>}
        {props.error && <p class="error" role="alert">{props.error}</p>}
      </form>
    </Dialog>
  );
}
