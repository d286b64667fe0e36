// npm run relay: forwards GitHub webhooks from a smee.io channel to the local host (smee.config.json).
import { createLogger } from "../src/logger.js";
import { NEW_CHANNEL_URL, readRelayConfig, startRelay } from "../github-app/start-relay.js";

const file = process.argv[2] ?? "smee.config.json";
const config = await readRelayConfig(file);
const relay = await startRelay(config, createLogger({ level: "info" }));
console.log(`
Relaying ${relay.source}
     to ${config.target}

Point your GitHub App's webhook URL at the channel: GitHub → Settings → Developer settings → GitHub Apps →
your app → Webhook URL = ${relay.source}   (for a PAT connection, the repository's webhook URL).
${config.source === NEW_CHANNEL_URL ? `This is a new channel: put it in ${file} as "source" to keep it across restarts.\n` : ""}
Signatures survive the relay only as compact JSON, which is what GitHub sends. Ctrl+C stops.`);
const stop = () => void relay.stop().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
