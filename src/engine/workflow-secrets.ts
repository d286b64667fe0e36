// Workflow secrets (what Windmill calls secrets): values an admin sets for workflows, which a run asks for with
// `ctx.secrets.get(name)`. They live in the platform's secret store (Key Vault, or the local 0600 file) under a
// prefix of their own, so a workflow can only ever name its own: `github-app-private-key` means
// `wf-github-app-private-key`, which no platform secret is. Values are write-only through the API (the last 4
// characters at most are shown); who set each one, and when, is kept beside it (no value).
import type { WorkflowSecretInfo } from "../api-types.js";
import type { AccessStore } from "../azure/access-store.js";
import type { SecretStore } from "../azure/secret-store.js";
import { BadRequestError, PayloadTooLargeError } from "../errors.js";

export const WORKFLOW_SECRET_PREFIX = "wf-";
/** Key Vault's names less our prefix: letters, digits and dashes, starting with a letter. */
const NAME = /^[A-Za-z][A-Za-z0-9-]{0,99}$/;
/** Key Vault takes 25 KB per value. */
const MAX_VALUE_CHARS = 24_000;

// The API's shape of a secret (never its value) is shared with the web UI.
export type { WorkflowSecretInfo };

export interface WorkflowSecretOptions {
  abortSignal?: AbortSignal;
}

export class WorkflowSecretStore {
  readonly #secrets: SecretStore;
  readonly #access: AccessStore;

  constructor(secrets: SecretStore, access: AccessStore) {
    this.#secrets = secrets;
    this.#access = access;
  }

  /** The value, or undefined when there is no such workflow secret (or the name could not be one). */
  async get(name: string, options: WorkflowSecretOptions = {}): Promise<string | undefined> {
    if (typeof name !== "string" || !NAME.test(name)) return undefined;
    return this.#secrets.get(WORKFLOW_SECRET_PREFIX + name, options);
  }

  /** Creates or replaces; answers whether it was new. BadRequestError names what is wrong with the input. */
  async upsert(name: string, value: unknown, options: WorkflowSecretOptions & { by?: string } = {}): Promise<{ created: boolean; info: WorkflowSecretInfo }> {
    assertName(name);
    if (typeof value !== "string" || value.length === 0) {
      throw new BadRequestError('Send the secret as {"value": "…"}: a non-empty string.', { code: "invalid_secret_value" });
    }
    if (value.length > MAX_VALUE_CHARS) throw new PayloadTooLargeError(`A secret holds at most ${MAX_VALUE_CHARS} characters.`);
    const created = (await this.#secrets.get(WORKFLOW_SECRET_PREFIX + name, options)) === undefined;
    await this.#secrets.set(WORKFLOW_SECRET_PREFIX + name, value, options);
    const info: WorkflowSecretInfo = {
      name,
      ...(value.length >= 12 ? { last4: value.slice(-4) } : {}),
      ...(options.by ? { updatedBy: options.by } : {}),
      updatedAt: new Date().toISOString(),
    };
    const { name: _name, ...note } = info;
    await this.#access.upsertNote(noteName(name), note, options);
    return { created, info };
  }

  /** Succeeds when absent. */
  async delete(name: string, options: WorkflowSecretOptions = {}): Promise<void> {
    assertName(name);
    await this.#secrets.delete(WORKFLOW_SECRET_PREFIX + name, options);
    await this.#access.deleteNote(noteName(name), options);
  }

  async *list(options: WorkflowSecretOptions = {}): AsyncIterableIterator<WorkflowSecretInfo> {
    const names: string[] = [];
    for await (const stored of this.#secrets.listNames(options)) {
      if (stored.startsWith(WORKFLOW_SECRET_PREFIX)) names.push(stored.slice(WORKFLOW_SECRET_PREFIX.length));
    }
    for (const name of names.sort()) {
      const note = await this.#access.getNote(noteName(name), options);
      const text = (key: string) => (typeof note?.[key] === "string" ? (note[key] as string) : undefined);
      yield { name, last4: text("last4"), updatedBy: text("updatedBy"), updatedAt: text("updatedAt") };
    }
  }
}

function assertName(name: string): void {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new BadRequestError(
      `"${String(name).slice(0, 120)}" cannot name a secret: use letters, digits and dashes (up to 100), starting with a letter.`,
      { code: "invalid_secret_name" },
    );
  }
}

/** Table keys cannot hold every character, but secret names are letters, digits and dashes. */
function noteName(name: string): string {
  return `workflow-secret-${name.toLowerCase()}`;
}

/** Replaces every value in `values` (4 characters or more) wherever it appears in `data`'s strings. */
export function redactSecretValues<T>(data: T, values: ReadonlySet<string>): T {
  const long = [...values].filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  if (long.length === 0) return data;
  const redact = (value: unknown): unknown => {
    if (typeof value === "string") return long.reduce((text, secret) => text.replaceAll(secret, "[secret]"), value);
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [redact(key) as string, redact(inner)]));
    return value;
  };
  return redact(data) as T;
}
