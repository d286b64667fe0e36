// Switches that make the stand-in misbehave the ways GitHub does: errors, rate limits, slowness, cut
// downloads, truncated trees, lost webhooks, and archives an attacker controls.
import type { Readable } from "node:stream";

export interface FailOptions {
  /** Tested against the request path as received, e.g. `/api/v3/repos/o/r/tarball/main` (no query string). */
  path: RegExp;
  status: number;
  /** How many matching requests fail (default 1). */
  count?: number;
  method?: string;
  /** 403 `primary` = "API rate limit exceeded" with `x-ratelimit-remaining: 0`; `secondary` adds `retry-after`. */
  rateLimit?: "primary" | "secondary";
  message?: string;
}

export interface LatencyOptions {
  path?: RegExp;
  ms: number;
  /** How many matching requests are slowed (default: all until `reset()`). */
  count?: number;
}

export interface TruncateTreesOptions {
  path?: RegExp;
  /** Entries kept in the answer (default: half). */
  keepEntries?: number;
}

export interface LoseWebhooksOptions {
  /** How many deliveries are lost (default: all until `reset()`). */
  count?: number;
  event?: string;
}

/** A whole archive, or a function making a fresh stream of one for each download. */
export type TarballBody = Buffer | (() => Readable | AsyncIterable<Uint8Array>);

interface Counted<T> {
  options: T;
  remaining: number;
}

export class StandInFaults {
  private failures: Counted<FailOptions>[] = [];
  private latencies: Counted<LatencyOptions>[] = [];
  private drops: Counted<{ bytes: number }>[] = [];
  private hangUps: Counted<{ path: RegExp }>[] = [];
  private truncation: TruncateTreesOptions | undefined;
  private losses: Counted<LoseWebhooksOptions>[] = [];
  private readonly tarballs = new Map<string, TarballBody>();

  failNext(options: FailOptions): void {
    if (!(options.path instanceof RegExp)) throw new TypeError("failNext: options.path must be a RegExp");
    this.failures.push({ options, remaining: options.count ?? 1 });
  }

  addLatency(options: LatencyOptions): void {
    if (!(options.ms >= 0)) throw new RangeError("addLatency: options.ms must be >= 0");
    this.latencies.push({ options, remaining: options.count ?? Infinity });
  }

  /** The next `count` tarball downloads (default 1) close the connection after `bytes` bytes of the archive. */
  dropTarballAfter(bytes: number, options: { count?: number } = {}): void {
    this.drops.push({ options: { bytes }, remaining: options.count ?? 1 });
  }

  /** The next `count` requests matching `path` (default 1) get no answer: the socket is closed at once. */
  dropConnection(options: { path: RegExp; count?: number }): void {
    if (!(options.path instanceof RegExp)) throw new TypeError("dropConnection: options.path must be a RegExp");
    this.hangUps.push({ options: { path: options.path }, remaining: options.count ?? 1 });
  }

  /** Trees (matching `path`) answer `truncated: true` with only part of their entries; `false` turns it off. */
  truncateTrees(options: TruncateTreesOptions | false = {}): void {
    this.truncation = options === false ? undefined : options;
  }

  /** Push webhooks and other deliveries are recorded as lost instead of sent (redeliver them later). */
  loseWebhooks(options: LoseWebhooksOptions = {}): void {
    this.losses.push({ options, remaining: options.count ?? Infinity });
  }

  /** Serves `body` instead of `git archive` for this repository and ref (a ref name as requested, or a commit SHA). */
  serveTarball(fullName: string, ref: string, body: TarballBody): void {
    this.tarballs.set(`${fullName.toLowerCase()}@${ref}`, body);
  }

  reset(): void {
    this.failures = [];
    this.latencies = [];
    this.drops = [];
    this.hangUps = [];
    this.truncation = undefined;
    this.losses = [];
    this.tarballs.clear();
  }

  /** @internal */
  takeFailure(method: string, path: string): FailOptions | undefined {
    return take(this.failures, (o) => o.path.test(path) && (!o.method || o.method.toUpperCase() === method));
  }

  /** @internal */
  takeLatency(path: string): number {
    return take(this.latencies, (o) => !o.path || o.path.test(path))?.ms ?? 0;
  }

  /** @internal */
  takeConnectionDrop(path: string): boolean {
    return take(this.hangUps, (o) => o.path.test(path)) !== undefined;
  }

  /** @internal */
  takeTarballDrop(): number | undefined {
    return take(this.drops, () => true)?.bytes;
  }

  /** @internal */
  treeTruncation(path: string): TruncateTreesOptions | undefined {
    return this.truncation && (!this.truncation.path || this.truncation.path.test(path)) ? this.truncation : undefined;
  }

  /** @internal */
  takeWebhookLoss(event: string): boolean {
    return take(this.losses, (o) => !o.event || o.event === event) !== undefined;
  }

  /** @internal */
  customTarball(fullName: string, refs: string[]): { key: string; body: TarballBody } | undefined {
    for (const ref of refs) {
      const key = `${fullName.toLowerCase()}@${ref}`;
      const body = this.tarballs.get(key);
      if (body) return { key, body };
    }
    return undefined;
  }

  /** @internal */
  customTarballByKey(key: string): TarballBody | undefined {
    return this.tarballs.get(key);
  }
}

function take<T>(list: Counted<T>[], matches: (options: T) => boolean): T | undefined {
  const entry = list.find((e) => e.remaining > 0 && matches(e.options));
  if (!entry) return undefined;
  entry.remaining--;
  return entry.options;
}
