// A sidebar that becomes a drawer on a narrow window (styles.css `.drawer`): a toggle button opens it over the
// page and moves the focus in; Escape, the backdrop, or the focus leaving it closes it. It is not modal (no focus
// trap): tabbing out closes it instead, so it never lingers over the page. Closing from inside gives the focus
// back to the toggle, which would otherwise fall to <body> when the drawer disappears.
// https://www.w3.org/WAI/ARIA/apg/patterns/disclosure/
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useNarrowLayout } from "./use-narrow-layout.js";

export interface DrawerOptions {
  /** Where the focus goes on opening: the first of these selectors found inside the drawer, else its first control. */
  initialFocus?: string[];
  /**
   * A value whose change closes the drawer: what was chosen in it (the open file, the workflow). Only a change
   * does: the first render's value does not, so a drawer opened before the page's effects have run stays open.
   */
  closeOn?: unknown;
}

export interface Drawer {
  /** The window is narrow: the sidebar is a drawer (otherwise it is always shown and `open` is false). */
  narrow: boolean;
  open: boolean;
  /** Closes it; the focus goes back to the toggle if it was inside. */
  close(): void;
  toggleProps: {
    ref: RefObject<HTMLButtonElement>;
    type: "button";
    "aria-expanded": boolean;
    "aria-controls": string;
    onClick: () => void;
    onKeyDown: (event: KeyboardEvent) => void;
  };
  drawerProps: {
    id: string;
    ref: RefObject<HTMLElement>;
    "data-open": true | undefined;
    onKeyDown: (event: KeyboardEvent) => void;
    onFocusOut: (event: FocusEvent) => void;
  };
}

const FOCUSABLE = 'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [tabindex="0"]';

export function useDrawer(id: string, options: DrawerOptions = {}): Drawer {
  const narrow = useNarrowLayout();
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const drawer = useRef<HTMLElement>(null);
  const isOpen = narrow && open;

  // Widening the window shows the sidebar in place: forget the drawer's state.
  useEffect(() => {
    if (!narrow) setOpen(false);
  }, [narrow]);

  useEffect(() => {
    if (!isOpen || !drawer.current) return;
    const root = drawer.current;
    const target = [...(options.initialFocus ?? []), FOCUSABLE].map((selector) => root.querySelector<HTMLElement>(selector)).find(Boolean);
    target?.focus();
  }, [isOpen]);

  const close = () => {
    const active = document.activeElement;
    const focusInside = active === document.body || (active !== null && drawer.current?.contains(active) === true);
    setOpen(false);
    if (focusInside && isOpen) toggle.current?.focus();
  };
  const closedOn = useRef(options.closeOn);
  useEffect(() => {
    if (Object.is(closedOn.current, options.closeOn)) return;
    closedOn.current = options.closeOn;
    close();
  }, [options.closeOn]);
  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !isOpen || event.defaultPrevented) return;
    event.preventDefault();
    close();
  };

  return {
    narrow,
    open: isOpen,
    close,
    toggleProps: {
      ref: toggle,
      type: "button",
      "aria-expanded": isOpen,
      "aria-controls": id,
      onClick: () => setOpen(!isOpen),
      onKeyDown: closeOnEscape,
    },
    drawerProps: {
      id,
      ref: drawer,
      "data-open": isOpen || undefined,
      onKeyDown: closeOnEscape,
      onFocusOut: (event) => {
        const next = event.relatedTarget as Element | null;
        // Not when the focus goes to the toggle (it closes it) or to a dialog opened from the drawer (New file…).
        if (!isOpen || !next || drawer.current?.contains(next) || next === toggle.current || next.closest("dialog")) return;
        setOpen(false);
      },
    },
  };
}
