// The local secret store: one JSON file, mode 0600, written atomically (temp file + rename) so a crash
// never leaves it half-written. Writes within the process are serialised; the file is read on every get
// so a value changed by another process (or by hand) is seen at once.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { assertSecretName, type SecretStore, type SecretStoreOptions } from "./secret-store.js";

export class LocalSecretStore implements SecretStore {
  readonly description: string;
  readonly #file: string;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
    this.description = `local file ${file}`;
  }

  async get(name: string, options: SecretStoreOptions = {}): Promise<string | undefined> {
    assertSecretName(name);
    const secrets = await this.#read(options);
    return Object.hasOwn(secrets, name) ? secrets[name] : undefined;
  }

  async set(name: string, value: string, options: SecretStoreOptions = {}): Promise<void> {
    assertSecretName(name);
    if (typeof value !== "string") throw new TypeError("secret value must be a string");
    await this.#update((secrets) => {
      secrets[name] = value;
    }, options);
  }

  async delete(name: string, options: SecretStoreOptions = {}): Promise<void> {
    assertSecretName(name);
    await this.#update((secrets) => {
      delete secrets[name];
    }, options);
  }

  async *listNames(options: SecretStoreOptions = {}): AsyncIterable<string> {
    yield* Object.keys(await this.#read(options)).sort();
  }

  async #read(options: SecretStoreOptions): Promise<Record<string, string>> {
    options.abortSignal?.throwIfAborted();
    let text: string;
    try {
      text = await readFile(this.#file, { encoding: "utf8", signal: options.abortSignal });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, string>;
    } catch {
      // fall through to the error below; the parser's message could quote a secret
    }
    throw new Error(`the local secret file ${this.#file} is not a JSON object: fix or delete it`);
  }

  #update(change: (secrets: Record<string, string>) => void, options: SecretStoreOptions): Promise<void> {
    const run = async () => {
      const secrets = await this.#read(options);
      change(secrets);
      await mkdir(path.dirname(this.#file), { recursive: true, mode: 0o700 });
      const temp = `${this.#file}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(secrets, null, 2), { mode: 0o600, signal: options.abortSignal });
        await chmod(temp, 0o600); // the umask may have widened it
        await rename(temp, this.#file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    };
    const result = this.#writes.then(run, run);
    this.#writes = result.catch(() => undefined);
    return result;
  }
}
