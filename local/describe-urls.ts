// What `npm start` prints as the place to open the UI. Under AUTH_MODE=swa the local host serves the API for
// the Static Web Apps CLI (`npm run start:swa`), which adds the sign-in and roles: the UI must be opened through
// the CLI, so that is the URL printed. The host's own / has no sign-in (`/.auth/…`) here: it says so, and how to
// sign in to the CLI offline (its login page loads from a CDN), which the banner points to.
import type { Config } from "../src/config.js";

/** Where `npm run start:swa` serves (package.json: `swa start … --port 4280`). */
export const SWA_CLI_URL = "http://127.0.0.1:4280/";

/** The "web UI" lines of the start banner, aligned with the rest of it. */
export function describeUiUrls(config: Pick<Config, "authMode" | "port">, hostUrl: string): string[] {
  if (config.authMode !== "swa") return [`  web UI     ${hostUrl}/`];
  return [
    `  web UI     ${SWA_CLI_URL} — run \`npm run start:swa\` in a second terminal: Static Web Apps' sign-in and roles, in front of this host`,
    ...(config.port === 7071 ? [] : [`             (start:swa proxies the API at http://127.0.0.1:7071; this host listens on ${config.port}: change --api-devserver-url to match)`]),
    `  API        ${hostUrl}/api`,
    `  offline    the CLI's login page needs a CDN: ${hostUrl}/ shows how to set its StaticWebAppsAuthCookie instead`,
  ];
}
