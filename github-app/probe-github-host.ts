// For checks a person waits for (a PAT check, the App's callbacks): can GitHub's host be reached at all? A name
// lookup and a TCP connect, each bounded (3 s by default), before the first request. Node's fetch has no connect
// or lookup deadline of its own: offline, getaddrinfo waits out the resolver's retries (5 s each, resolv.conf(5))
// and a black-holed address waits for the kernel's SYN retries (over a minute), while the person looks at
// "Checking…". A host that answers neither is said at once, in the words github-network.ts uses for the same
// failure: "cannot reach api.github.com: DNS lookup failed (ENOTFOUND); …".
import { promises as dns, type LookupAddress } from "node:dns";
import { connect, isIP, type LookupFunction } from "node:net";
import { UnreachableError } from "../src/errors.js";
import { describeSocketCode } from "./github-network.js";

/** How long each step (lookup, connect) may take in an interactive check. */
export const INTERACTIVE_CONNECT_TIMEOUT_IN_MS = 3_000;

export interface ProbeGitHubHostOptions {
  /** Per step: the lookup, then the connect (default INTERACTIVE_CONNECT_TIMEOUT_IN_MS). */
  timeoutInMs?: number;
  abortSignal?: AbortSignal;
  /** The name lookup, every address (tests stand in a resolver that never answers). */
  lookup?: (hostname: string) => Promise<LookupAddress[]>;
}

/** Resolves when a TCP connection to the URL's host and port can be made; throws an UnreachableError otherwise. */
export async function probeGitHubHost(url: string, options: ProbeGitHubHostOptions = {}): Promise<void> {
  const timeoutInMs = options.timeoutInMs ?? INTERACTIVE_CONNECT_TIMEOUT_IN_MS;
  const target = new URL(url);
  const hostname = target.hostname.replace(/^\[|\]$/g, "");
  const port = Number(target.port) || (target.protocol === "http:" ? 80 : 443);
  const label = target.host;
  const seconds = `${timeoutInMs / 1000} s`;
  const unreachable = (reason: string, cause?: unknown) =>
    new UnreachableError(`cannot reach ${label}: ${reason}; check the network, DNS and GITHUB_API_URL.`, { cause });

  let addresses: LookupAddress[] = [{ address: hostname, family: isIP(hostname) }];
  if (isIP(hostname) === 0) {
    const lookup = options.lookup ?? ((name: string) => dns.lookup(name, { all: true }));
    try {
      addresses = await withDeadline(lookup(hostname), timeoutInMs, options.abortSignal);
      if (addresses.length === 0) throw Object.assign(new Error("no address"), { code: "ENOTFOUND" });
    } catch (error) {
      if (error === TIMED_OUT) throw unreachable(`DNS lookup took longer than ${seconds}`);
      if (options.abortSignal?.aborted) throw error;
      const code = (error as { code?: unknown }).code;
      throw unreachable(`DNS lookup failed${typeof code === "string" ? ` (${code})` : ""}`, error);
    }
  }

  await new Promise<void>((resolve, reject) => {
    // The addresses just found, each tried in turn as fetch would (autoSelectFamily: IPv6 and IPv4 alike).
    const resolved: LookupFunction = (_name, lookupOptions, callback) => {
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    };
    const socket = connect({ host: hostname, port, lookup: resolved, autoSelectFamily: true });
    const finish = (error?: Error) => {
      clearTimeout(timer);
      options.abortSignal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(options.abortSignal?.reason instanceof Error ? options.abortSignal.reason : new Error("aborted"));
    const timer = setTimeout(() => finish(unreachable(`no connection within ${seconds}`)), timeoutInMs);
    options.abortSignal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => finish());
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const code = error.code ?? "connect failed";
      finish(unreachable(`${describeSocketCode(code)} (${code})`, error));
    });
  });
}

const TIMED_OUT = Symbol("timed out");

function withDeadline<T>(work: Promise<T>, timeoutInMs: number, abortSignal: AbortSignal | undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), timeoutInMs);
    onAbort = () => reject(abortSignal?.reason ?? new Error("aborted"));
    abortSignal?.addEventListener("abort", onAbort, { once: true });
  });
  // A lookup that loses the race still settles later: nothing may be left to reject unobserved.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => {
    clearTimeout(timer);
    if (onAbort) abortSignal?.removeEventListener("abort", onAbort);
  });
}
