// The compose `relay` profile: forwards GitHub webhooks from a smee.io channel to the functions container, for a
// platform that GitHub cannot reach (a laptop). The channel comes from smee.config.json (`source` or `url`);
// RELAY_TARGET (set by compose) replaces the file's target, which points at `npm start` on 127.0.0.1.
// smee-client re-serializes JSON bodies, so signatures only verify for compact JSON payloads (GitHub sends those).
import { readFile } from "node:fs/promises";
import SmeeClient from "smee-client";

const configFile = process.argv[2] ?? "smee.config.json";

let config;
try {
  config = JSON.parse(await readFile(configFile, "utf8"));
} catch (error) {
  console.error(
    `relay: cannot read ${configFile} (${error.code ?? error.message}): create it with {"source": "https://smee.io/<channel>"} ` +
      "(open https://smee.io/new for a channel) next to the compose file.",
  );
  process.exit(1);
}

const source = config.source ?? config.url;
const target = process.env.RELAY_TARGET || config.target;
if (typeof source !== "string" || typeof target !== "string") {
  console.error(`relay: ${configFile} needs "source" (the smee.io channel URL), and RELAY_TARGET or "target" must be set.`);
  process.exit(1);
}

const client = new SmeeClient({ source, target, logger: console });
const events = await client.start();
const stop = () => {
  events.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
