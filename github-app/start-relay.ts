// Local development behind NAT: smee.io (or any server speaking its event stream) receives GitHub's
// webhooks and smee-client replays each one to the local host. smee-client re-serialises the JSON body,
// so the signature only survives because GitHub sends compact JSON; our verification runs on exactly the
// bytes smee-client posts.
import { readFile } from "node:fs/promises";
import SmeeClient from "smee-client";
import type { Logger } from "../src/logger.js";

export interface RelayConfig {
  /** The smee channel URL; "https://smee.io/new" creates a fresh channel. */
  source: string;
  /** Where to replay deliveries: the local host's webhook route. */
  target: string;
}

export const NEW_CHANNEL_URL = "https://smee.io/new";

export async function readRelayConfig(file: string): Promise<RelayConfig> {
  let parsed: Partial<RelayConfig>;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as Partial<RelayConfig>;
  } catch (error) {
    throw new Error(`${file} could not be read as JSON (${(error as Error).message}); it needs "source" and "target" URLs.`);
  }
  for (const key of ["source", "target"] as const) {
    if (typeof parsed[key] !== "string" || !URL.canParse(parsed[key])) {
      throw new Error(`${file}: "${key}" must be a URL (source: your smee.io channel, target: http://localhost:7071/api/github/webhooks).`);
    }
  }
  return parsed as RelayConfig;
}

export interface Relay {
  source: string;
  stop(): Promise<void>;
}

/** Connects to the channel (creating one first for smee.io/new) and replays every event to the target. */
export async function startRelay(config: RelayConfig, logger: Logger, options: { connectTimeoutInMs?: number } = {}): Promise<Relay> {
  const source = config.source === NEW_CHANNEL_URL ? await SmeeClient.createChannel() : config.source;
  const log = logger.child({ component: "relay" });
  const client = new SmeeClient({
    source,
    target: config.target,
    maxConnectionTimeout: options.connectTimeoutInMs ?? 15_000,
    logger: {
      info: (...args: unknown[]) => log.info(args.map(String).join(" ")),
      error: (...args: unknown[]) => log.error(args.map(String).join(" ")),
    },
  });
  await client.start();
  return { source, stop: () => client.stop() };
}
