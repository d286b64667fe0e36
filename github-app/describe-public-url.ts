// Whether GitHub can deliver webhooks to PUBLIC_URL, said before the App is created with it: GitHub posts each
// delivery from its own servers, so a loopback, private or link-local address, a single-label or mDNS name, or
// a reserved TLD never receives one (GitHub even refuses to create a repository hook for some of them), and plain
// HTTP sends every payload readable on the way. Only the address is judged here: a public name may still be
// firewalled, which only a delivery can tell (the App's "Recent Deliveries" page on GitHub).
import { isIP } from "node:net";
import type { PublicUrlCheck } from "../src/api-types.js";

/** The command that forwards GitHub's webhooks to this machine (smee.io channel → local host; README "GitHub"). */
export const RELAY_COMMAND = "npm run relay";

export function describePublicUrl(publicUrl: string): PublicUrlCheck {
  const url = new URL(publicUrl);
  const webhookUrl = `${publicUrl.replace(/\/+$/, "")}/api/github/webhooks`;
  const problems: string[] = [];
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const unreachable = unreachableBecause(host);
  if (unreachable) problems.push(`${host} is ${unreachable}: GitHub's servers cannot reach it`);
  if (url.protocol !== "https:") problems.push("it is not https: GitHub would send each webhook payload unencrypted");
  return { publicUrl, webhookUrl, reachable: problems.length === 0, problems, relayCommand: RELAY_COMMAND };
}

function unreachableBecause(host: string): string | undefined {
  if (host === "localhost" || host.endsWith(".localhost")) return "this machine (localhost)";
  const version = isIP(host);
  if (version === 4) return describeIPv4(host);
  if (version === 6) return describeIPv6(host);
  if (host.endsWith(".local")) return "a local network name (.local, mDNS)";
  for (const tld of [".internal", ".lan", ".home.arpa", ".test", ".invalid", ".example", ".intranet", ".corp", ".home"]) {
    if (host.endsWith(tld)) return `a private name (${tld})`;
  }
  if (!host.includes(".")) return "a single-label name that only your network resolves";
  return undefined;
}

function describeIPv4(host: string): string | undefined {
  const [a = 0, b = 0] = host.split(".").map(Number);
  if (a === 127) return "a loopback address (this machine)";
  if (a === 0) return "an unspecified address";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "a private address (RFC 1918)";
  if (a === 169 && b === 254) return "a link-local address";
  if (a === 100 && b >= 64 && b <= 127) return "a carrier-grade NAT address (RFC 6598)";
  return undefined;
}

function describeIPv6(host: string): string | undefined {
  if (host === "::1") return "a loopback address (this machine)";
  if (host === "::") return "an unspecified address";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (mapped?.[1]) return describeIPv4(mapped[1]);
  if (/^f[cd]/.test(host)) return "a private address (unique local, fc00::/7)";
  if (/^fe[89ab]/.test(host)) return "a link-local address";
  return undefined;
}
