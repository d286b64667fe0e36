// The one path check of the platform. Every route of the files API and every entry of a synced tree or
// archive goes through here before the file system is touched: a user-supplied path is hostile until proven
// to name something inside the workspace.
import { lstat, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import { BadRequestError } from "../errors.js";

export const MAX_PATH_CHARS = 1024;
export const MAX_SEGMENT_BYTES = 255;

/** Why a path was refused, for the 400 body and for sync run reports. */
export class UnsafePathError extends BadRequestError {
  readonly path: string;
  constructor(input: string, reason: string) {
    super(`The path "${printable(input)}" is not allowed: ${reason}.`, { code: "invalid_path", details: { reason } });
    this.path = input;
  }
}

/**
 * Checks a workspace-relative path (`a/b/c.ts`, forward slashes) and returns it normalised (no leading,
 * trailing or doubled slashes). Throws UnsafePathError with the reason otherwise. Pure: no file-system access.
 *
 * The input is the already-decoded path (the HTTP layer decodes once). Encoded dots, slashes, backslashes
 * and NULs that survive that decoding are refused too: a second decoding somewhere below (a proxy, a
 * library) must not be able to turn `%2e%2e` into `..`.
 */
export function normalizeRelativePath(input: string, options: { allowRoot?: boolean } = {}): string {
  if (typeof input !== "string") throw new TypeError("path must be a string");
  // Most paths are plain ASCII names (a sync checks every path of a repository, 10,000s per run): one regex
  // proves them safe, and anything else (or a "." / ".." / over-long name) takes the full checks below.
  if (input.length <= MAX_PATH_CHARS && PLAIN_PATH.test(input) && isPlainSegments(input)) return input;
  if (input.length > MAX_PATH_CHARS) throw new UnsafePathError(input, `it is longer than ${MAX_PATH_CHARS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(input)) throw new UnsafePathError(input, "it contains a NUL or control character");
  if (input.includes("\\")) throw new UnsafePathError(input, "it contains a backslash (use / between folders)");
  if (/%(2e|2f|5c|00)/i.test(input)) {
    throw new UnsafePathError(input, "it contains a percent-encoded dot, slash, backslash or NUL (double encoding)");
  }
  // Lenient decoders (old servers, IIS) read these as dots and slashes too: overlong UTF-8 forms such as
  // %c0%ae or %e0%80%ae (escapes that are not valid UTF-8) and %u escapes (%u002e). Valid escapes that
  // survived the one decoding (a file really named "100%20.txt") stay allowed.
  if (/%u[0-9a-f]{4}/i.test(input) || (input.match(/(?:%[0-9a-f]{2})+/gi) ?? []).some((run) => !isValidEscapeRun(run))) {
    throw new UnsafePathError(input, "it contains an overlong UTF-8 or %u escape (a disguised dot or slash)");
  }
  if (/^[a-zA-Z]:/.test(input)) throw new UnsafePathError(input, "it is an absolute Windows path");
  if (input.startsWith("/")) {
    if (options.allowRoot && /^\/*$/.test(input)) return "";
    throw new UnsafePathError(input, "it is an absolute path (paths are relative to the workspace)");
  }
  if (input === "") {
    if (options.allowRoot) return "";
    throw new UnsafePathError(input, "it is empty");
  }
  const segments = input.endsWith("/") ? input.slice(0, -1).split("/") : input.split("/");
  for (const segment of segments) {
    if (segment === "") throw new UnsafePathError(input, "it has an empty folder name (//)");
    if (segment === ".") throw new UnsafePathError(input, 'it has a "." segment');
    if (segment === "..") throw new UnsafePathError(input, 'it has a ".." segment');
    if (Buffer.byteLength(segment, "utf8") > MAX_SEGMENT_BYTES) {
      throw new UnsafePathError(input, `a name is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
  return segments.join("/");
}

/** Names of letters, digits, `_`, `-` and `.` (ASCII, so a character is a byte), joined by single slashes. */
const PLAIN_PATH = /^[\w.-]+(?:\/[\w.-]+)*$/;

function isPlainSegments(input: string): boolean {
  let start = 0;
  while (start <= input.length) {
    let end = input.indexOf("/", start);
    if (end < 0) end = input.length;
    const length = end - start;
    if (length > MAX_SEGMENT_BYTES) return false;
    // "." and "..": the only segments of dots the regex lets through that are not names.
    if (length <= 2 && input.charCodeAt(start) === 46 && (length === 1 || input.charCodeAt(start + 1) === 46)) return false;
    start = end + 1;
  }
  return true;
}

/**
 * Resolves a workspace-relative path to an absolute one that is proven to stay inside the workspace, also
 * through symlinks already on disk: the deepest existing ancestor is resolved with realpath and must lie
 * inside the workspace's own real path.
 */
export async function resolveWorkspacePath(
  workspaceDir: string,
  relativePath: string,
  options: { allowRoot?: boolean } = {},
): Promise<{ relative: string; absolute: string }> {
  const relative = normalizeRelativePath(relativePath, options);
  const root = await realpath(workspaceDir);
  const absolute = relative === "" ? root : path.join(root, ...relative.split("/"));
  if (absolute !== root && !absolute.startsWith(root + path.sep)) {
    throw new UnsafePathError(relativePath, "it leaves the workspace");
  }
  // Walk up to the deepest part that exists and resolve symlinks there.
  let probe = absolute;
  for (;;) {
    try {
      const real = await realpath(probe);
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw new UnsafePathError(relativePath, "it leads out of the workspace through a symbolic link");
      }
      break;
    } catch (error) {
      if (error instanceof UnsafePathError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      await assertDanglingLinkInside(root, probe, relativePath);
      const parent = path.dirname(probe);
      if (parent === probe) break;
      probe = parent;
    }
  }
  return { relative, absolute };
}

/**
 * realpath cannot follow a symbolic link whose target does not exist (yet); a write through it would
 * create that target. Refuse when the link's target lies outside the workspace.
 */
async function assertDanglingLinkInside(root: string, probe: string, relativePath: string): Promise<void> {
  const info = await lstat(probe).catch(() => undefined);
  if (!info?.isSymbolicLink()) return;
  const target = path.resolve(path.dirname(probe), await readlink(probe));
  if (target !== root && !target.startsWith(root + path.sep)) {
    throw new UnsafePathError(relativePath, "it leads out of the workspace through a symbolic link");
  }
}

function isValidEscapeRun(run: string): boolean {
  try {
    decodeURIComponent(run);
    return true;
  } catch {
    return false;
  }
}

function printable(input: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = input.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
}
