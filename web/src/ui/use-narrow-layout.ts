// Whether the window is narrow enough that the sidebars are drawers and the header's navigation a menu.
// The width is styles.css's breakpoint (`@media (max-width: 799.98px)`); CSS lays the page out, this tells the
// components that move focus or keep open/closed state which layout is showing.
import { useEffect, useState } from "preact/hooks";

export const NARROW_LAYOUT = "(max-width: 799.98px)";

export function useNarrowLayout(): boolean {
  const [narrow, setNarrow] = useState(() => matchMedia(NARROW_LAYOUT).matches);
  useEffect(() => {
    const query = matchMedia(NARROW_LAYOUT);
    const update = () => setNarrow(query.matches);
    update();
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return narrow;
}
