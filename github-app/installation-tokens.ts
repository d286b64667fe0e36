// Installation access tokens live one hour. One is kept per installation and replaced once it has less
// than ten minutes left, so a sync never starts with a token about to expire and GitHub is asked for a
// new one a few times an hour at most.
import type { AbortOptions } from "./github-app-deps.js";
import type { GitHubClient } from "./create-octokit.js";

export interface InstallationTokensOptions {
  refreshBeforeExpiryInMs?: number;
  now?: () => number;
}

interface Entry {
  token: string;
  expiresAt: number;
}

export class InstallationTokens {
  readonly #getAppOctokit: (options: AbortOptions) => Promise<GitHubClient>;
  readonly #refreshBeforeExpiryInMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<number, Entry>();
  readonly #pending = new Map<number, Promise<Entry>>();
  /** How many tokens were requested from GitHub (for tests and logs). */
  issued = 0;

  constructor(getAppOctokit: (options: AbortOptions) => Promise<GitHubClient>, options: InstallationTokensOptions = {}) {
    this.#getAppOctokit = getAppOctokit;
    this.#refreshBeforeExpiryInMs = options.refreshBeforeExpiryInMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  async get(installationId: number, options: AbortOptions = {}): Promise<string> {
    const cached = this.#entries.get(installationId);
    if (cached && cached.expiresAt - this.#now() > this.#refreshBeforeExpiryInMs) return cached.token;
    // Concurrent callers share one request.
    let pending = this.#pending.get(installationId);
    if (!pending) {
      pending = this.#issue(installationId, options).finally(() => this.#pending.delete(installationId));
      this.#pending.set(installationId, pending);
    }
    return (await pending).token;
  }

  /** Drops cached tokens (the App was replaced, or GitHub rejected a token). */
  clear(installationId?: number): void {
    if (installationId === undefined) this.#entries.clear();
    else this.#entries.delete(installationId);
  }

  async #issue(installationId: number, options: AbortOptions): Promise<Entry> {
    const octokit = await this.#getAppOctokit(options);
    // refresh: auth-app keeps its own cache without our expiry margin; ours is the one that decides.
    const auth = (await octokit.auth({ type: "installation", installationId, refresh: true })) as { token: string; expiresAt: string };
    this.issued++;
    const entry = { token: auth.token, expiresAt: Date.parse(auth.expiresAt) };
    this.#entries.set(installationId, entry);
    return entry;
  }
}
