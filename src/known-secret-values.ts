// The secret *values* this process has handled (tokens, webhook secrets, keys), so the logger can blank
// them wherever they appear in a line: field-name redaction misses a token inside an error message, a URL
// or a response body someone logged. Fed by the secret store (every get and set) and by the flows that
// receive a secret before storing it (a pasted token). Values are kept in memory only, never written.

/** Shorter values are not secrets worth the false positives (an App id "12345" would blank every 12345). */
const MIN_LENGTH = 8;
/** Bounded: a process that sees many rejected tokens must not grow without limit; oldest go first. */
const MAX_VALUES = 1000;

export class KnownSecretValues {
  /** Each value and its forms as they can appear in a line. Insertion order = age. */
  readonly #values = new Map<string, string[]>();
  /** Each value plus its JSON-escaped form (a PEM's newlines appear as \n in a JSON log line), longest first. */
  #patterns: string[] = [];

  add(value: string | undefined): void {
    if (typeof value !== "string" || value.length < MIN_LENGTH || this.#values.has(value)) return;
    this.#values.set(value, [...new Set([value, JSON.stringify(value).slice(1, -1)])]);
    if (this.#values.size > MAX_VALUES) {
      const oldest = this.#values.keys().next().value;
      if (oldest !== undefined) this.#values.delete(oldest);
    }
    this.#patterns = [...this.#values.values()].flat().sort((a, b) => b.length - a.length);
  }

  /** `text` with every known value replaced by `[redacted]`. */
  scrub(text: string): string {
    let result = text;
    for (const pattern of this.#patterns) {
      if (result.includes(pattern)) result = result.split(pattern).join("[redacted]");
    }
    return result;
  }
}

/**
 * The process's registry. One per process on purpose: every logger of the process (the host's, a test's)
 * scrubs what any secret store of the process handed out.
 */
export const knownSecretValues = new KnownSecretValues();
