// The readiness report, made at most once per `maxAgeInMs` per instance: a page that polls it, or many people
// opening it at once, cost one round of checks (Table, Queue, secret store, share) and not one each.
// Callers that arrive while a round is running wait for that round.
import type { HealthReport } from "./check-health.js";

export interface CachedHealthReport extends HealthReport {
  /** When the checks ran (ISO 8601). */
  checkedAt: string;
  /** How old the report was when it was answered. */
  ageMs: number;
}

export interface HealthCacheOptions {
  /** Default 20 s. */
  maxAgeInMs?: number;
  now?: () => number;
}

export class HealthCache {
  private readonly maxAgeInMs: number;
  private readonly now: () => number;
  private last: { report: HealthReport; at: number } | undefined;
  private running: Promise<{ report: HealthReport; at: number }> | undefined;
  /** Rounds of checks run (tests read it). */
  rounds = 0;

  constructor(
    private readonly check: () => Promise<HealthReport>,
    options: HealthCacheOptions = {},
  ) {
    this.maxAgeInMs = options.maxAgeInMs ?? 20_000;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<CachedHealthReport> {
    let entry = this.last;
    if (!entry || this.now() - entry.at >= this.maxAgeInMs) {
      this.running ??= this.runRound().finally(() => (this.running = undefined));
      entry = await this.running;
    }
    return { ...entry.report, checkedAt: new Date(entry.at).toISOString(), ageMs: Math.max(0, this.now() - entry.at) };
  }

  private async runRound(): Promise<{ report: HealthReport; at: number }> {
    this.rounds++;
    const report = await this.check();
    this.last = { report, at: this.now() };
    return this.last;
  }
}
