// Names the files API never shows and never lets a user write: the droppings of SMB clients and desktop
// file managers (.DS_Store, ._* AppleDouble files, Thumbs.db) and the platform's own files (`.funcspace-*`:
// temp files, health probes, the sync engine's staging folder).
// The sync engine does not use this list: a repository that commits a .DS_Store gets it back byte for byte.
import { PROBE_PREFIX } from "../health/folder-check.js";
import { BadRequestError } from "../errors.js";

/** Every name the platform puts in the workspace starts with this: temp files, probes, the sync's staging. */
export const PLATFORM_PREFIX = ".funcspace-";

/** Prefix of the temp files an atomic write renames into place; hidden, and removed when left over. */
export const TEMP_PREFIX = `${PLATFORM_PREFIX}tmp-`;

const NOISE_NAMES = new Set([".DS_Store", "Thumbs.db", "desktop.ini"]);

/** True for a name (one path segment) the files API hides. */
export function isHiddenName(name: string): boolean {
  return NOISE_NAMES.has(name) || name.startsWith("._") || name.startsWith(PLATFORM_PREFIX) || name.startsWith(PROBE_PREFIX);
}

/** True for our own leftovers (temp or probe files), which may be removed. */
export function isPlatformTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) || name.startsWith(PROBE_PREFIX);
}

/** Refuses a normalised relative path that names, or goes through, a hidden name. */
export function assertVisiblePath(relative: string): void {
  const hidden = relative.split("/").find(isHiddenName);
  if (hidden !== undefined) {
    throw new BadRequestError(
      `The path "${relative}" uses the reserved name "${hidden}": file-manager noise and funcspace's own temp files are hidden here. Pick another name.`,
      { code: "reserved_name" },
    );
  }
}
