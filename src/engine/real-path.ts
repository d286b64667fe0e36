// Node resolves module URLs through symlinks, so a workspace configured through a symlink (macOS's /tmp, a
// mounted alias) must be compared by its real path.
import { realpathSync } from "node:fs";

/** The folder with symlinks resolved; as given when it does not exist (yet). */
export function realPathOf(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return folder;
  }
}
