// A table too wide for the window scrolls inside this box rather than making the whole page scroll sideways.
// While it overflows the box is a named tab stop, so it can be scrolled from the keyboard (axe's
// scrollable-region-focusable); a table that fits adds no tab stop.
// https://adrianroselli.com/2020/11/under-engineered-responsive-tables.html
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setOverflows(element.scrollWidth > element.clientWidth);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={box} class="table-scroll" role="region" aria-label={label} tabIndex={overflows ? 0 : undefined}>
      {children}
    </div>
  );
}
