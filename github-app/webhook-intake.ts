// What an anonymous webhook request may cost before its signature is checked. Anyone can POST to the webhook
// URL, and the signature covers the whole body, so the body must be read before it can be trusted. Three bounds
// keep that cheap: the headers are checked first (no delivery id, event or signature → refused unread), the bytes
// all unverified requests may hold at once are capped (each reserves its Content-Length, or the maximum when it
// sends none), and the body must arrive within a deadline (GitHub itself gives up after 10 s). When the budget
// is full the answer is 503 with Retry-After, before a byte is read.
import { BadRequestError, PayloadTooLargeError, RequestTimeoutError, ServiceUnavailableError, UnauthorizedError } from "../src/errors.js";

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export interface WebhookHeaders {
  get(name: string): string | null;
}

// The same answer for a missing, malformed or wrong signature: nothing that helps a guesser.
export const SIGNATURE_REFUSED = "The webhook signature is missing or does not match.";

/** Throws unless the request carries a delivery id, an event name and a well-formed SHA-256 signature. */
export function checkDeliveryHeaders(headers: WebhookHeaders): void {
  const id = headers.get("x-github-delivery");
  const name = headers.get("x-github-event");
  if (!id || !/^[A-Za-z0-9-]{1,100}$/.test(id) || !name || !/^[a-z_]{1,64}$/.test(name)) {
    throw new BadRequestError("This is not a GitHub webhook delivery (X-GitHub-Event or X-GitHub-Delivery is missing).");
  }
  const signature = headers.get("x-hub-signature-256");
  if (!signature || !/^sha256=[0-9a-f]{64}$/.test(signature)) throw new UnauthorizedError(SIGNATURE_REFUSED);
}

export interface WebhookIntakeOptions {
  /** Bytes all unverified bodies may hold at once (default 64 MiB: two maximum payloads and many small ones). */
  budgetBytes?: number;
  /** Largest body accepted. */
  maxBytes?: number;
  /** The whole body must arrive within this (default 10 s, GitHub's own delivery timeout). */
  readTimeoutInMs?: number;
}

export class WebhookIntake {
  readonly budgetBytes: number;
  readonly maxBytes: number;
  readonly readTimeoutInMs: number;
  private reserved = 0;
  /** Requests turned away because the budget was full (health details and tests read it). */
  refused = 0;

  constructor(options: WebhookIntakeOptions = {}) {
    this.maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
    this.budgetBytes = Math.max(options.budgetBytes ?? 64 * 1024 * 1024, this.maxBytes);
    this.readTimeoutInMs = options.readTimeoutInMs ?? 10_000;
  }

  get reservedBytes(): number {
    return this.reserved;
  }

  /** Reads the body within the bounds; throws 413 (too large), 503 + Retry-After (budget full) or 408 (too slow). */
  async readBody(headers: WebhookHeaders, body: AsyncIterable<Uint8Array> | null): Promise<Buffer> {
    const declared = headers.get("content-length");
    const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
    const tooLarge = () => new PayloadTooLargeError(`A webhook body may be at most ${this.maxBytes} bytes.`);
    if (length !== undefined && length > this.maxBytes) throw tooLarge();
    const reserve = length ?? this.maxBytes;
    if (this.reserved + reserve > this.budgetBytes) {
      this.refused++;
      throw new ServiceUnavailableError("Too many webhook deliveries are being received at once. GitHub can redeliver this one in a moment.", {
        headers: { "retry-after": "5" },
      });
    }
    this.reserved += reserve;
    try {
      return await this.collect(body, length, tooLarge);
    } finally {
      this.reserved -= reserve;
    }
  }

  private async collect(body: AsyncIterable<Uint8Array> | null, length: number | undefined, tooLarge: () => Error): Promise<Buffer> {
    if (!body) return Buffer.alloc(0);
    const limit = length ?? this.maxBytes;
    const chunks: Uint8Array[] = [];
    let size = 0;
    const deadline = AbortSignal.timeout(this.readTimeoutInMs);
    const iterator = body[Symbol.asyncIterator]();
    const timedOut = new Promise<never>((_, reject) =>
      deadline.addEventListener("abort", () => reject(new RequestTimeoutError(`The webhook body did not arrive within ${this.readTimeoutInMs / 1000} s.`)), { once: true }),
    );
    timedOut.catch(() => undefined);
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), timedOut]);
        if (next.done) break;
        size += next.value.byteLength;
        if (size > limit) throw length === undefined ? tooLarge() : new BadRequestError("The webhook body is longer than its Content-Length.");
        chunks.push(next.value);
      }
    } catch (error) {
      // Not awaited: a stalled source answers `return` only after its pending read, which may never come.
      void iterator.return?.().catch(() => undefined);
      throw error;
    }
    return Buffer.concat(chunks, size);
  }
}
