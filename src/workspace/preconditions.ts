// HTTP conditional requests (RFC 9110 §13) for writes: If-Match replaces only the version the editor
// loaded, If-None-Match: * creates only. A failed condition is a 412 that carries the current ETag, so
// the editor can show "changed on the server" and offer to reload or overwrite.
import { BadRequestError, PreconditionFailedError } from "../errors.js";

export interface Preconditions {
  /** Raw `If-Match` header. */
  ifMatch?: string | null;
  /** Raw `If-None-Match` header. */
  ifNoneMatch?: string | null;
}

/** `*`, or the entity tags of an If-Match / If-None-Match header (weak ones keep their `W/`). */
export function parseEtagList(header: string): "*" | string[] {
  const value = header.trim();
  if (value === "*") return "*";
  const tags = value.match(/(?:W\/)?"[^"]*"/g) ?? [];
  const rest = value.replace(/(?:W\/)?"[^"]*"/g, "").replace(/[\s,]/g, "");
  if (tags.length === 0 || rest !== "") {
    throw new BadRequestError(`The header value ${JSON.stringify(header)} is not an entity tag list: send the ETag exactly as it was received, quotes included, or *.`, { code: "invalid_precondition" });
  }
  return tags;
}

/**
 * Throws 412 when the conditions do not hold for the current version (`undefined` when the file does not
 * exist). If-Match uses the strong comparison, If-None-Match the weak one, as the RFC says.
 */
export function checkPreconditions(currentEtag: string | undefined, conditions: Preconditions, path: string): void {
  if (conditions.ifMatch) {
    const tags = parseEtagList(conditions.ifMatch);
    const holds = currentEtag !== undefined && (tags === "*" || tags.includes(currentEtag));
    if (!holds) {
      throw failed(
        currentEtag === undefined
          ? `"${path}" does not exist any more (If-Match). Reload the folder tree.`
          : `"${path}" was changed since you loaded it (If-Match does not match). Reload it, or save again without If-Match to overwrite.`,
        currentEtag,
      );
    }
  }
  if (conditions.ifNoneMatch) {
    const tags = parseEtagList(conditions.ifNoneMatch);
    const weak = (tag: string) => tag.replace(/^W\//, "");
    const matches = currentEtag !== undefined && (tags === "*" || tags.some((t) => weak(t) === weak(currentEtag)));
    if (matches) {
      throw failed(
        tags === "*" ? `"${path}" already exists (If-None-Match: *). Pick another name, or load it first.` : `"${path}" is already at that version (If-None-Match).`,
        currentEtag,
      );
    }
  }
}

function failed(message: string, currentEtag: string | undefined): PreconditionFailedError {
  return new PreconditionFailedError(message, {
    headers: currentEtag === undefined ? {} : { etag: currentEtag },
    details: { currentEtag: currentEtag ?? null },
  });
}
