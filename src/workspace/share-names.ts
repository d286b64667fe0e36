// The one rule for names the workspace cannot hold. In Azure the workspace is an Azure Files share over SMB,
// and Microsoft Learn, "Naming and referencing shares, directories, files, and metadata"
// (https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-shares--directories--files--and-metadata)
// says: names are case-preserving and case-insensitive; a name is at most 255 characters; `" \ / : | < > * ?`
// and control characters 0x00-0x1F are not allowed; LPT1-9, COM1-9, PRN, AUX, NUL, CON and CLOCK$ are not
// allowed as names. SMB clients (Windows' rule, which the share enforces) also lose a trailing dot or space.
// A name that breaks these is refused by the files API (400) and skipped, with its reason, by the sync: on a
// share such a name either fails (EIO), or is silently changed (`q?q` → `q` on the test share), so writing it
// would leave a workspace that differs from the repository without saying so.
//
// The same rule holds on a local disk (`npm start`), so a workspace behaves the same in every setting.
import { MAX_PATH_CHARS, MAX_SEGMENT_BYTES, UnsafePathError } from "./safe-path.js";

/** Characters Azure Files refuses in a file or folder name (the slash separates names). */
const ILLEGAL_CHARACTERS = /["\\:|<>*?]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** Device names Windows and Azure Files reserve (exact names, any case; `con.ts` is allowed by the share). */
const RESERVED_NAMES = /^(?:CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9]|CLOCK\$)$/i;
/** Azure Files allows 255 characters per name (UTF-16 code units, as Windows counts). */
const MAX_SEGMENT_CHARS = 255;

/**
 * Why `relative` (a slash-separated workspace path; not yet normalised is fine) cannot exist on the share,
 * or undefined when it can. Each folder name on the way counts: `a:b/c.txt` cannot be held either.
 */
export function shareNameProblem(relative: string): string | undefined {
  if (relative.length > MAX_PATH_CHARS) return `the path is longer than ${MAX_PATH_CHARS} characters`;
  for (const name of relative.split("/")) {
    if (name === "") continue;
    const problem = nameProblem(name);
    if (problem) return relative.includes("/") ? `"${printable(name)}": ${problem}` : problem;
  }
  return undefined;
}

function nameProblem(name: string): string | undefined {
  if (CONTROL_CHARACTERS.test(name)) return "a name contains a control character (tab, newline…)";
  if (name.includes("\\")) return "a name contains a backslash";
  const illegal = ILLEGAL_CHARACTERS.exec(name);
  if (illegal) return `a name contains "${illegal[0]}", which Azure Files does not allow (" \\ : | < > * ?)`;
  if (name !== "." && name !== ".." && name.endsWith(".")) return "a name ends with a dot, which SMB drops";
  if (name.endsWith(" ")) return "a name ends with a space, which SMB drops";
  if (RESERVED_NAMES.test(name)) return `"${name}" is a reserved device name`;
  if (name.length > MAX_SEGMENT_CHARS || Buffer.byteLength(name, "utf8") > MAX_SEGMENT_BYTES) {
    return `a name is longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  return undefined;
}

/**
 * The key under which the share sees two spellings as one name. NTFS and Azure Files compare names through an
 * upper-case table: each UTF-16 character maps to at most one character (Unicode *simple* case mapping), with
 * no normalisation (an NFC and an NFD spelling are two names; the test share keeps both byte for byte). So:
 * each code point upper-cased on its own, kept as is when its upper case is longer (`ß` stays `ß`, not `SS`).
 * `toLowerCase()` would differ on a few letters (`ſ`, the Kelvin sign), which could then meet on the share
 * without the engine knowing.
 */
export function caseFoldKey(relative: string): string {
  // Most paths are ASCII: one call does them.
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(relative)) return relative.toUpperCase();
  let key = "";
  for (const c of relative) {
    const upper = c.toUpperCase();
    key += upper.length === c.length ? upper : c;
  }
  return key;
}

function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Throws UnsafePathError (400, with the reason) for a path the share cannot hold: the files API's rule. */
export function assertShareName(relative: string): void {
  const reason = shareNameProblem(relative);
  if (reason !== undefined) throw new UnsafePathError(relative, `${reason} (Azure Files cannot hold it)`);
}
